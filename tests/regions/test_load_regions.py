import pytest
from django.core.management import call_command

from dtks.regions.models import Region
from dtks.regions.services import regions_load

pytestmark = pytest.mark.django_db


def test_counts_per_level_match_kemendagri_2025():
    counts = {lvl: Region.objects.filter(level=lvl).count() for lvl in (1, 2, 3, 4)}
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}


def test_real_codes_are_stored_undotted():
    melawai = Region.objects.get(code="3174071001")
    assert melawai.name == "Melawai"
    assert melawai.parent_id == "317407"
    assert melawai.parent.parent_id == "3174"
    assert Region.objects.get(code="3371").name == "Kota Magelang"
    assert Region.objects.filter(parent_id="3371").count() == 3
    assert Region.objects.filter(level=4, code__startswith="3371").count() == 17


def test_second_load_changes_nothing(capsys):
    result = regions_load()
    assert (result.inserted, result.updated, result.total) == (0, 0, 91599)
    call_command("load_regions")
    assert "baru 0" in capsys.readouterr().out
