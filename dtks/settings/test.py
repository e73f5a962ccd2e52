"""Tests: the machine's PostgreSQL and Redis (or the embedded ones the test command starts)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, DTKS_IMPORT_CHUNK

SECRET_KEY = "dtks-test-only"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Uploaded files of a test run (musyawarah minutes, imports) go to a throwaway folder, never var/.
# Set in the environment so the real Celery worker the tests start (a child process) uses the same.
os.environ.setdefault("DTKS_TEST_FILES", tempfile.mkdtemp(prefix="dtks-test-files-"))
MEDIA_ROOT = Path(os.environ["DTKS_TEST_FILES"]) / "media"
DTKS_IMPORT_DIR = Path(os.environ["DTKS_TEST_FILES"]) / "imports"
# The import-kill test (tests/proposals/test_import_kill.py) starts its own workers with small
# chunks, on a queue no other worker of the session reads (it kills them mid-import).
DTKS_IMPORT_CHUNK = int(os.environ.get("DTKS_IMPORT_CHUNK", DTKS_IMPORT_CHUNK))
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("DTKS_TEST_CELERY_QUEUE", "celery")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The test runner empties tables between transactional tests; only this switch lets the registry
# and audit triggers accept TRUNCATE (docs/design.md §5). No other settings module sets it, and only a test
# database's trigger functions honour it (tests/db_roles.py; production's refuse TRUNCATE always).
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = "-c dtks.allow_truncate=on"
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DTKS_TEST_DB", "test_dtks")}

# WhiteNoise warns at every request when the collected-static folder does not exist yet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
