"""Shared fixtures. Tests talk to a real PostgreSQL (DATABASE_URL) and, for tasks, a real Celery worker."""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Reference data is loaded once per test database; its tables are unmanaged, so the flush
    # between transactional tests leaves it in place (DESIGN.md §5).
    with django_db_blocker.unblock():
        call_command("load_regions", verbosity=0)
