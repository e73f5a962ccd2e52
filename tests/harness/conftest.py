"""The harness world, built once per test module inside a transaction that is rolled back at its end.

Each test then runs in its own savepoint (pytest-django's `db`), so nothing a test does — a login,
a logout, a token revoked, an audit row — reaches the next test or outlives the module.
"""

import pytest
from django.db import transaction

from tests.conftest import otp_force_login

from .harness import sign_in
from .world import build_world, civil_rows, proposal_rows, submission_rows, visit_rows


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            proposal_rows(built)
            submission_rows(built)
            visit_rows(built)
            civil_rows(built)
            sign_in(built, otp_force_login)
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
