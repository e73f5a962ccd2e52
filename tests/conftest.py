"""Shared fixtures. Tests talk to a real PostgreSQL (DATABASE_URL) and, for tasks, a real Celery worker."""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connection

    from tests.db_roles import app_role_setup, truncate_switch_install

    # Reference data is loaded once per test database; its tables are unmanaged, so the flush
    # between transactional tests leaves it in place (docs/design.md §5).
    with django_db_blocker.unblock():
        call_command("load_regions", verbosity=0)
        with connection.cursor() as cursor:
            # Only the test database honours the TRUNCATE switch; and its application role (the
            # worker's, the production-shape processes') gets its grants (tests/db_roles.py).
            truncate_switch_install(cursor)
            app_role_setup(cursor)


@pytest.fixture(scope="session")
def celery_worker_proc(django_db_setup, django_db_blocker, tmp_path_factory):
    """A REAL `celery -A dtks worker --pool=solo` on the test database and the settings' broker.

    Use it with `transactional_db` (the worker only sees committed rows) and poll for the effect
    with a bounded wait. The worker is stopped before the test database is dropped.
    """
    import os

    from django.db import connection

    from tests import conftest_worker as procs
    from tests.db_roles import as_app_role

    log = tmp_path_factory.mktemp("celery-worker") / "worker.log"
    # As in production, the worker connects as the application role (owns nothing, DML only).
    env = procs.child_env(as_app_role(connection.settings_dict))
    proc = procs.start(
        [
            procs.executable("celery"),
            "-A",
            "dtks",
            "worker",
            "--pool=solo",
            "-l",
            "info",
            "-n",
            f"pytest-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
        log,
    )
    try:
        procs.wait_for_log(proc, log, "ready.", timeout=90)
        yield proc
    finally:
        procs.stop(proc)


def otp_force_login(client, user):
    """Force-log-in and mark the session TOTP-verified, as django_otp.login does after a correct
    token (roles in TOTP_ROLES, and staff, reach no page before that). Returns the device."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def otp_login():
    """`otp_login(client, user)`: `otp_force_login` as a fixture (a module-scoped fixture, such as the
    role × region harness's world, calls `otp_force_login` itself)."""
    return otp_force_login
