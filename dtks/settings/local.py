"""Local development and the embedded default of README command 1."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, env_switched_off

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dtks-local-only-" + str(BASE_DIR)
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# Demo users (is_demo) are treated as TOTP-verified at login unless DTKS_DEMO_SKIP_OTP is 0, false,
# no or off (any case) — the values production accepts as off (docs/authentication.md). Only this
# settings module may turn it on.
DTKS_DEMO_SKIP_OTP = not env_switched_off("DTKS_DEMO_SKIP_OTP", "1")
