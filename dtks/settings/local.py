"""Local development and the embedded default of README command 1."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dtks-local-only-" + str(BASE_DIR)  # noqa: S105
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
