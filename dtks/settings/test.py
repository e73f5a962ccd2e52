"""Tests: the machine's PostgreSQL and Redis (or the embedded ones the test command starts)."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES

SECRET_KEY = "dtks-test-only"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# The test runner empties tables between transactional tests; only this switch lets the registry
# and audit triggers accept TRUNCATE (DESIGN.md §5). No other settings module sets it.
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = "-c dtks.allow_truncate=on"
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DTKS_TEST_DB", "test_dtks")}

# WhiteNoise warns at every request when the collected-static folder does not exist yet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
