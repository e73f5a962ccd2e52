"""Fixtures of the civil-registry page, API and reconciliation tests.

`world` is the role × region harness's world (tests/harness/world.py: 8 villages, a user of every role
at every level) with its Dukcapil extract loaded and reconciled (`civil_rows`): every one of its 32
persons differs from the extract in something. `extract_dir` gives a test its own upload folder.
"""

import pytest

from tests.harness.world import build_world, civil_rows


@pytest.fixture
def world():
    built = build_world()
    civil_rows(built)
    return built


@pytest.fixture
def bare_world():
    """The harness world without any extract."""
    return build_world()


@pytest.fixture
def extract_dir(settings, tmp_path):
    settings.DTKS_IMPORT_DIR = tmp_path / "imports"
    return settings.DTKS_IMPORT_DIR / "dukcapil"


def signed_in(client, user, otp_login):
    otp_login(client, user)
    return client
