"""Accounts fixtures: users of a given role with a known password."""

import pytest

from dtks.accounts.models import Role, User

from .helpers import PASSWORD, REGION_OF


@pytest.fixture
def make_user(db):
    def make(role=Role.VILLAGE_OPERATOR, username=None, password=PASSWORD, **kw):
        username = username or f"{role}-{User.objects.count() + 1}"
        kw.setdefault("region_code", REGION_OF.get(role, ""))
        return User.objects.create_user(username, password=password, role=role, **kw)

    return make
