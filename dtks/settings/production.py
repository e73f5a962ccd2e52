"""Production: PostgreSQL, Redis, gunicorn, Celery worker(s) and beat (docker-compose.yml)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import STATICFILES_DIRS, env_bool, env_list, env_switched_off

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
# Demo accounts never skip TOTP here (docs/authentication.md): refuse the switch rather than ignore it.
if not env_switched_off("DTKS_DEMO_SKIP_OTP"):
    raise ImproperlyConfigured("DTKS_DEMO_SKIP_OTP is for local demos only; unset it in production.")
DTKS_DEMO_SKIP_OTP = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Load balancers and the compose healthchecks probe the health page over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^sehat/$"]

# A checkout without project static files (static/ is created by the first asset) must not fail
# `check --deploy` on staticfiles.W004.
STATICFILES_DIRS = [path for path in STATICFILES_DIRS if Path(path).is_dir()]
