"""Fixtures of the determination tests: the world and a media folder of the test's own (tests/proposals/flow.py)."""

from tests.proposals.flow import media, world  # noqa: F401
