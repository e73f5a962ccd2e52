"""docs/security.md #9: an audit trail the application's database role cannot rewrite.

Web, worker and beat connect as the application role, which owns nothing (dtks/core/db_roles.py). These
tests connect as that role (tests/db_roles.py) to the test database and try the three ways around the
append-only triggers — TRUNCATE with the test-only switch set, `session_replication_role = replica`,
`ALTER TABLE … DISABLE TRIGGER` — and plain UPDATE/DELETE; and check that a normal request, made as
that role, still writes its audit rows. The owner's side: the trigger functions the migrations
install refuse TRUNCATE whatever the switch says (only the test database's variant honours it).
"""

from importlib import import_module

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError

from dtks.accounts.models import Role, User
from dtks.audit.models import AuditEvent
from dtks.core.db_roles import app_role_problems
from tests.conftest_worker import database_url
from tests.db_roles import APP_ROLE, as_app_role, truncate_trigger_functions

PASSWORD = "Kopi-Tubruk-Pagi-7"
APPEND_ONLY = ["audit_auditevent", "proposals_proposalitemhistory"]
VERSION_TABLES = [
    "registry_personversion",
    "registry_familyversion",
    "registry_membershipversion",
    "registry_groupversion",
    "registry_groupmemberversion",
]
AUDIT_ROW = (
    "INSERT INTO audit_auditevent (occurred_at, actor_label, action, object_type, object_id, region_code,"
    " outcome, detail) VALUES (now(), 'uji', 'uji.peran', '', '', '', 'ok', '{}') RETURNING id"
)


@pytest.fixture
def app_db(db):
    """A connection to the test database as the application role; each statement is tried in its
    own transaction, rolled back. A lock wait would mean a refusal came too late: it fails fast."""
    url = database_url(as_app_role(connection.settings_dict))
    with psycopg.connect(url, options="-c lock_timeout=5s -c statement_timeout=30s") as conn:
        yield conn


def refused(conn, *statements: str) -> str:
    """Runs the statements in one transaction as the application role; returns the error that
    refused one of them (the test fails if none was refused)."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        try:
            with conn.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
        finally:
            conn.rollback()
    return str(error.value)


def test_the_application_role_owns_nothing_and_may_only_change_rows(app_db):
    with connection.cursor() as cur:
        assert app_role_problems(cur, role=APP_ROLE) == []
    with app_db.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone() == (APP_ROLE, False)
        # What the running application needs: rows, sequences, temporary tables.
        cur.execute(AUDIT_ROW)
        cur.execute("SELECT nextval('registry_person_id_seq')")
        cur.execute("CREATE TEMP TABLE uji_sementara (id bigint) ON COMMIT DROP")
    app_db.rollback()


@pytest.mark.parametrize("table", APPEND_ONLY + VERSION_TABLES)
def test_truncate_is_refused_even_with_the_test_switch(app_db, table):
    message = refused(app_db, "SET LOCAL dtks.allow_truncate = 'on'", f"TRUNCATE {table}")
    assert "permission denied" in message


def test_replication_role_is_refused(app_db):
    # `replica` would skip every ordinary trigger, the append-only ones included.
    assert "session_replication_role" in refused(app_db, "SET session_replication_role = replica")
    assert "session_replication_role" in refused(app_db, "SET LOCAL session_replication_role = 'replica'")


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only",
        "ALTER TABLE registry_personversion DISABLE TRIGGER USER",
        "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
        "CREATE OR REPLACE FUNCTION dtks_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER",
        "CREATE TABLE audit_salinan (id bigint)",
    ],
)
def test_schema_changes_are_refused(app_db, statement):
    refused(app_db, statement)


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_update_and_delete_of_the_append_only_tables_are_refused(app_db, table):
    # A row of its own first (in the same transaction, rolled back): the refusal is not for want of rows.
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        assert "permission denied" in refused(app_db, AUDIT_ROW, statement)


def test_the_triggers_still_refuse_what_the_owner_may_do(db):
    """The owner (the test connection) is granted everything; the triggers refuse it all the same."""
    event = AuditEvent.objects.create(actor_label="uji", action="uji.pemilik")
    for sql in (
        f"UPDATE audit_auditevent SET outcome = 'denied' WHERE id = {event.pk}",
        f"DELETE FROM audit_auditevent WHERE id = {event.pk}",
    ):
        with pytest.raises(DatabaseError, match="ditolak"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)


def test_production_trigger_functions_refuse_truncate_whatever_the_switch(db):
    """The functions the migrations install (not the test database's variant) refuse TRUNCATE to
    the owner too, with `dtks.allow_truncate` on. Installed in a savepoint, then rolled back."""
    audit = import_module("dtks.audit.migrations.0003_truncate_always_refused")
    registry = import_module("dtks.registry.migrations.0007_truncate_always_refused")
    with connection.cursor() as cur:
        functions = {name for name, _definition in truncate_trigger_functions(cur)}
        # A new TRUNCATE trigger function must refuse TRUNCATE in its migration too: add it here.
        assert functions == {"dtks_append_only()", "dtks_version_guard()"}, functions
        cur.execute("SHOW dtks.allow_truncate")
        assert cur.fetchone() == ("on",)
    for table in APPEND_ONLY + VERSION_TABLES:
        with pytest.raises(DatabaseError, match="TRUNCATE"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(audit.SQL)
            cur.execute(registry.GUARD)
            cur.execute(f"TRUNCATE {table}")


@pytest.fixture
def as_app_role_in_process(transactional_db):
    """This process's own database connection as the application role, for one test: requests go
    through the whole stack as web does in production. The owner's connection is back before the
    test runner empties the tables."""
    conn = connections["default"]
    saved = {key: conn.settings_dict[key] for key in ("USER", "PASSWORD")}
    conn.close()
    conn.settings_dict.update({key: as_app_role(conn.settings_dict)[key] for key in saved})
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict.update(saved)


def test_a_normal_request_as_the_application_role_writes_audit_rows(as_app_role_in_process, client):
    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        assert cur.fetchone() == (APP_ROLE,)
    operator = User.objects.create_user(
        "op.peran", password=PASSWORD, role=Role.VILLAGE_OPERATOR, region_code="3371011003"
    )
    wrong = client.post("/akun/masuk/", {"username": operator.username, "password": "salah-sekali-1"})
    assert wrong.status_code == 200
    right = client.post("/akun/masuk/", {"username": operator.username, "password": PASSWORD})
    assert right.status_code == 302
    assert client.get("/dasbor/").status_code == 200
    rows = list(AuditEvent.objects.filter(actor=operator).order_by("id").values_list("action", "outcome"))
    assert rows == [("auth.login", "denied"), ("auth.login", "ok")]
