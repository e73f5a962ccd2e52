"""What the test database has that production's has not, and its application role.

1. The TRUNCATE switch. Production's trigger functions refuse TRUNCATE of the audit trail, the item
   history and the registry versions to everyone (migrations audit 0003, registry 0007). The test
   runner empties the tables between transactional tests with TRUNCATE, so in the *test* database
   every function a TRUNCATE trigger runs is replaced by a variant that lets TRUNCATE through when
   the session sets `dtks.allow_truncate = on` (only dtks.settings.test does). The variant is made
   from the installed function itself, so it never drifts from what the migrations install.
2. The application role (dtks.core.db_roles): the tests connect as the owner (they create the
   database and empty its tables); the real worker they start, the production-shape processes and
   tests/core/test_db_roles.py connect as this role, as web, worker and beat do in production. It is
   created on the test cluster when missing (`DTKS_TEST_APP_ROLE`, default `dtks_app_test`).
"""

from __future__ import annotations

import os
import re
import time

from dtks.core.db_roles import app_role_ensure, app_role_grant, current_user

APP_ROLE = os.environ.get("DTKS_TEST_APP_ROLE", "dtks_app_test")
APP_PASSWORD = "dtks-app-test"  # a test cluster's role, usually reached with trust auth
SWITCH = (
    "IF TG_OP = 'TRUNCATE' AND current_setting('dtks.allow_truncate', true) = 'on' THEN RETURN NULL; END IF;"
)
BODY_START = re.compile(r"(\bAS \$(\w*)\$\s*BEGIN\b)", re.IGNORECASE)


def truncate_trigger_functions(cursor) -> list[tuple[str, str]]:
    """(name, definition) of every function a TRUNCATE trigger of the database runs."""
    cursor.execute(
        """SELECT DISTINCT p.oid::regprocedure::text, pg_get_functiondef(p.oid)
           FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
           WHERE NOT t.tgisinternal AND (t.tgtype & 32) <> 0 ORDER BY 1"""  # 32: TRIGGER_TYPE_TRUNCATE
    )
    return cursor.fetchall()


def truncate_switch_install(cursor) -> list[str]:
    """Make this (test) database's TRUNCATE triggers honour `dtks.allow_truncate`; returns the names."""
    names = []
    for name, definition in truncate_trigger_functions(cursor):
        names.append(name)
        if "dtks.allow_truncate" in definition:
            continue  # a reused test database
        patched, found = BODY_START.subn(lambda m: f"{m.group(1)}\n    {SWITCH}", definition, count=1)
        assert found == 1, f"no plpgsql body found in {name}"
        cursor.execute(patched)
    return names


def app_role_setup(cursor) -> None:
    """Create (or reset) the application role and grant it its privileges on the test database.
    Several test sessions may share a cluster: a concurrent CREATE/ALTER ROLE is retried."""
    for attempt in range(5):
        try:
            app_role_ensure(cursor, role=APP_ROLE, password=APP_PASSWORD)
            break
        except Exception:  # role created or altered by another session at the same moment
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    app_role_grant(cursor, app_role=APP_ROLE, owner_role=current_user(cursor))


def as_app_role(settings_dict: dict) -> dict:
    """The same database settings, connecting as the application role."""
    return {**settings_dict, "USER": APP_ROLE, "PASSWORD": APP_PASSWORD}
