import io

import pytest
from django.core.management import CommandError, call_command

from dtks.audit.models import AuditEvent
from dtks.audit.services import audit_record
from tests.registry.factories import batch, family, member, person

pytestmark = pytest.mark.django_db

NIK = "3371011505800001"


def test_report_shows_versions_families_findings_and_every_access(monkeypatch):
    b = batch()
    person(b, person_id=5, nik=NIK, nama="Budi Santoso")
    person(b, person_id=6, nik="3371015708830002", nama="Orang Lain")
    family(b, family_id=1, no_kk="3371011201100003")
    member(b, family_id=1, person_id=5, hubungan_keluarga="KEPALA KELUARGA")
    audit_record(
        actor="petugas1",
        action="registry.view_full",
        object_type="registry.person",
        object_id=5,
        subject_person_id=5,
    )
    audit_record(
        actor="petugas2",
        action="registry.view_full",
        object_type="registry.person",
        object_id=6,
        subject_person_id=6,
    )
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(NIK + "\n"))  # the NIK is read from standard input
    call_command("data_subject_report", stdout=out)
    text = out.getvalue()
    assert "Budi Santoso" in text and "Orang Lain" not in text
    assert "KK 3371011201100003" in text and "KEPALA KELUARGA" in text
    assert "petugas1 registry.view_full" in text and "petugas2" not in text
    # The report itself is an audited full read.
    assert AuditEvent.objects.filter(action="registry.subject_report", subject_person_id=5).count() == 1


def test_bad_nik_is_refused_in_indonesian():
    with pytest.raises(CommandError, match="NIK harus 16 digit"):
        call_command("data_subject_report", nik="123")


def test_unknown_nik_says_nothing_is_held():
    out = io.StringIO()
    call_command("data_subject_report", nik=NIK, stdout=out)
    assert "Tidak ada data" in out.getvalue()
