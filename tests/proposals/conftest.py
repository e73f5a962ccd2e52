"""Fixtures of the proposal tests: `world` (the role × region harness's world) and `media` (a media
folder of the test's own) from tests/proposals/flow.py; for the import tests, `import_dir` (the
test's own upload folder), `operator` (village A's operator) and `musyawarah` (a draft of village A).
A module that needs another `operator` or `musyawarah` defines its own, which wins."""

from datetime import date

import pytest

from dtks.accounts.models import Role
from proposals.models import Musyawarah

from .factories import VILLAGE_A, user
from .flow import media, world  # noqa: F401


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.DTKS_IMPORT_DIR = tmp_path / "imports"
    return settings.DTKS_IMPORT_DIR


@pytest.fixture
def operator():
    return user(Role.VILLAGE_OPERATOR, VILLAGE_A)


@pytest.fixture
def musyawarah(operator):
    return Musyawarah.objects.create(
        village_code=VILLAGE_A,
        held_on=date(2026, 11, 2),
        place="Balai kelurahan",
        led_by="Lurah",
        attendee_count=25,
        created_by=operator,
    )
