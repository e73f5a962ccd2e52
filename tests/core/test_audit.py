import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from dtks.audit.models import AuditEvent
from dtks.audit.services import audit_record

pytestmark = pytest.mark.django_db


def refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    return str(exc.value)


def test_audit_rows_cannot_be_changed_or_removed():
    event = audit_record(actor="sistem:test", action="test.done", object_type="x", object_id=1)
    assert "ditolak" in refused(f"UPDATE audit_auditevent SET outcome = 'denied' WHERE id = {event.pk}")
    assert "ditolak" in refused(f"DELETE FROM audit_auditevent WHERE id = {event.pk}")
    assert "TRUNCATE" in refused("SET LOCAL dtks.allow_truncate = off; TRUNCATE audit_auditevent")
    event.refresh_from_db()
    assert (event.outcome, event.actor_label) == ("ok", "sistem:test")


def test_user_actor_is_recorded_by_name(django_user_model):
    user = django_user_model.objects.create_user("operator1", password="x" * 12)
    event = audit_record(actor=user, action="test.done")
    assert (event.actor_id, event.actor_label) == (user.pk, "operator1")
    assert AuditEvent.objects.count() == 1
