"""Fixtures of the proposal page and API tests (tests/proposals/flow.py): `world` (the role × region
harness's world) and `media` (a media folder of the test's own)."""

from .flow import media, world  # noqa: F401
