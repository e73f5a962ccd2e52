"""Settings shared by every environment. Secrets and addresses come from the environment only."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("DTKS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_switched_off(name: str, default: str = "") -> bool:
    """True when the variable reads as off: empty, 0, false, no or off, in any case. One reading for
    every settings module (local turns the demo's TOTP skip on unless this; production refuses it
    unless this)."""
    return os.environ.get(name, default).strip().lower() in {"", "0", "false", "no", "off"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

# The lifecycle's stages, in the order data flows through them (docs/design.md §3): each is a Django
# app that may use the core (`dtks`) and the stages before it, never one after it (import-linter
# contracts in pyproject.toml). The core collects their routes and API operations from this list.
DTKS_STAGES = ["proposals", "verification", "determination", "usage_requests"]

INSTALLED_APPS = [
    # Django's admin on the OTP-aware site (dtks.accounts.admin_site): admins must be TOTP-verified.
    "dtks.accounts.apps.DtksAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, no CDN
    "django_htmx",
    "dtks.core.apps.AxesConfig",  # django-axes, with an Indonesian name in the admin
    "django_otp",
    "dtks.core.apps.TotpConfig",  # django_otp.plugins.otp_totp, with Indonesian names in the admin
    "import_export",
    "dtks.core",
    "dtks.accounts",
    "dtks.audit",
    "dtks.regions",
    "dtks.registry",
    "dtks.civil",
    "dtks.api",
    *DTKS_STAGES,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dtks.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware, less Accept-Language: Indonesian unless the user chose English.
    "dtks.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dtks.accounts.middleware.DtksOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dtks.accounts.middleware.IdleTimeoutMiddleware",
    "dtks.core.middleware.PermissionTableMiddleware",
    "dtks.accounts.middleware.OTPRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a lockout flagged during the view into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dtks.urls"
WSGI_APPLICATION = "dtks.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dtks.core.dashboards.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# The owner of the tables (docs/security.md #9, docs/running.md): only `manage.py as_owner COMMAND` (migrate,
# createcachetable, load_regions, load_registry, seed_demo) connects with it; web, worker and beat use
# DATABASE_URL, the application role, which owns nothing. Empty: one role for both (development).
DTKS_DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/akun/masuk/"
LOGIN_REDIRECT_URL = "dashboard"  # every role lands on its own dashboard
# django-axes first: it refuses a locked-out (username, IP) before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The admin role's Django-admin permissions follow from the role (dtks/accounts/backends.py).
    "dtks.accounts.backends.RolePermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dtks.accounts.validators.NotAnIdentityNumberValidator"},
]

# Authentication (docs/security.md #5, docs/authentication.md).
# Lockout per (username, IP) after 5 failures; attempts older than the cool-off no longer count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dtks.accounts.views.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "password1", "password2", "token"]
# The username as typed, made storable (control characters escaped, at most 150 characters): an
# over-long or NUL-bearing username is counted like any other, never a failed insert.
AXES_USERNAME_CALLABLE = "dtks.accounts.auth.axes_username"
AXES_VERBOSE = False  # no start-up banner in every management command's output
OTP_TOTP_ISSUER = "DTKS"
# Idle timeout in seconds: 15 minutes for roles that need TOTP ("privileged"), 30 for the others.
DTKS_IDLE_TIMEOUT_PRIVILEGED = 15 * 60
DTKS_IDLE_TIMEOUT = 30 * 60
# How long a one-time activation code handed over on paper stays valid.
DTKS_ACTIVATION_CODE_DAYS = 14
# Demo accounts skip TOTP only where local settings turn this on; production refuses it.
DTKS_DEMO_SKIP_OTP = False

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served at the site root by WhiteNoise: /favicon.ico, which browsers ask for on every page (the
# admin's included) whatever the page links.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
# A working day at most; the idle timeout middleware ends idle sessions much sooner.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Celery: a broker that needs no server by default (kombu's filesystem transport, real worker);
# production and CI set CELERY_BROKER_URL to Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Without this kombu writes its broadcast exchange files into the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    # kombu does not create its folders: every process that sends or receives (a worker, a
    # management command, a benchmark) finds them here.
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # The worker's heartbeat lets the health page (and `run.py --check`) prove a real worker runs.
    "worker-heartbeat": {"task": "dtks.core.tasks.heartbeat", "schedule": 60.0},
    # Unfinished spreadsheet imports are picked up again from their rows (docs/design.md §8).
    "imports-resume": {"task": "proposals.imports_resume", "schedule": 120.0},
    # The HTTP civil-registry source: NIKs the set-based check queued are asked at a limited rate, and
    # what was checked while the source could not answer is checked again once it answers.
    "civil-http-drain": {"task": "civil.http_drain", "schedule": 60.0},
    "civil-recheck": {"task": "civil.recheck", "schedule": 300.0},
    # The ministry's assessment sees what changed since the regency decided: every forwarded item is
    # checked again by the integrity engine each night at 01:00 (Celery's timezone, TIME_ZONE's), one
    # task per chunk (determination/tasks.py).
    "assessment-recheck": {"task": "determination.assessment_recheck", "schedule": crontab(hour=1, minute=0)},
    # …and each item the provinces forward is checked within minutes of arriving (the forward is the
    # verification stage's, which does not call the assessment's; determination/services.py).
    "assessment-recheck-arrived": {"task": "determination.assessment_recheck_arrived", "schedule": 300.0},
}

REST_FRAMEWORK = {
    # Token first: its `WWW-Authenticate: Token` makes DRF answer anonymous requests 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dtks.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # The permission table (dtks/permissions.py), applied after DRF has authenticated a token.
    "DEFAULT_PERMISSION_CLASSES": ["dtks.api.permissions.InPermissionTable"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser lets a deeply nested body through as a RecursionError (a 500): ours answers 400.
    "DEFAULT_PARSER_CLASSES": [
        "dtks.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "dtks.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DTKS API",
    "DESCRIPTION": "Registri DTKS dalam cakupan wilayah pengguna (docs/api.md).",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["dtks.api.permissions.InPermissionTable"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's default validator badge calls an outside service (docs/security.md, "Data stays in Indonesia").
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Two machines name their field `state`: each keeps its own enum name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "MusyawarahStateEnum": "proposals.models.Musyawarah.State",
        "ProposalItemStateEnum": "proposals.models.ProposalItem.State",
        # Two lists call their state `status`: each gets its own name.
        "ImportJobStatusEnum": "proposals.models.ImportJob.Status",
        "CivilExtractStatusEnum": "dtks.civil.models.Extract.Status",
        "BulkDecisionStatusEnum": "verification.models.BulkDecision.Status",
        # The verifier's decision (verification/models.py), beside an item transition's `decision`.
        "VervalDecisionEnum": "verification.models.DecisionKind",
        "RegencySubmissionStateEnum": "verification.models.RegencySubmission.State",
        # The ministry's assessment decision (determination/models.py).
        "AssessmentDecisionEnum": "determination.models.AssessmentDecision",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Rate limits of the public pages (self-registration; the status check can reuse them): counters in
# a database cache table, shared by every web worker and process, needing no server in the embedded
# setup, and rolled back with a test's transaction so tests see real limits (docs/decisions.md).
# `manage.py createcachetable` creates the table (run.py, docker-compose, the test runner).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "dtks_ratelimit_cache",
        # Culling would drop live counters; expired ones are removed as new ones are written.
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
}
# (limit, window in seconds): submissions per client IP. No limit per NIK: a repeat replaces the
# open version of that NIK's application (docs/decisions.md).
DTKS_SELF_REGISTRATION_RATE_IP = (20, 60 * 60)
# Where the ministry verifies self-registrations itself instead of the regency: region code prefixes
# (a province "33" or a regency "3371"), comma-separated in the environment; empty = every regency.
DTKS_SELF_REGISTRATION_MINISTRY_REGIONS = env_list("DTKS_SELF_REGISTRATION_MINISTRY_REGIONS")

# Upload cap shared by every import (the spreadsheet importer of later stages reuses it).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Spreadsheet import of proposals (proposals/imports/services.py, docs/security.md #7): stored under generated
# names in DTKS_IMPORT_DIR; an XLSX's zip directory is checked before any parsing.
DTKS_IMPORT_DIR = VAR_DIR / "imports"
DTKS_IMPORT_MAX_BYTES = int(os.environ.get("DTKS_IMPORT_MAX_BYTES", 50 * 1024 * 1024))
DTKS_IMPORT_XLSX_MAX_UNCOMPRESSED = 500 * 1024 * 1024
DTKS_IMPORT_XLSX_MAX_RATIO = 100  # uncompressed/compressed, over the whole archive and per large member
DTKS_IMPORT_XLSX_MAX_MEMBERS = 500
# Groups (items) written per transaction; a resumed import continues after the last one committed.
DTKS_IMPORT_CHUNK = 5000
# An unfinished import whose row was not touched for this long is resumed by the beat task.
DTKS_IMPORT_STALE_SECONDS = 120
# A preview nobody confirmed or cancelled for this long is cancelled by the same beat task.
DTKS_IMPORT_PREVIEW_DAYS = 14

# The civil registry's live NIK-verification service (dtks/civil/http.py, docs/civil_registry.md, "The HTTP
# service"). Its address is configuration (civil.Settings.http_url, in the admin); the token is a secret,
# so it comes from the environment only (empty: no Authorization header).
DTKS_CIVIL_HTTP_TOKEN = os.environ.get("DTKS_CIVIL_HTTP_TOKEN", "")
DTKS_CIVIL_HTTP_TIMEOUT = float(os.environ.get("DTKS_CIVIL_HTTP_TIMEOUT", "3"))  # seconds per request
DTKS_CIVIL_HTTP_BACKOFF = 0.2  # seconds before the first retry; doubled before the second
# The circuit breaker: after this many failed lookups in a row the service is not called for that long.
DTKS_CIVIL_HTTP_BREAKER_FAILURES = int(os.environ.get("DTKS_CIVIL_HTTP_BREAKER_FAILURES", "5"))
DTKS_CIVIL_HTTP_BREAKER_SECONDS = float(os.environ.get("DTKS_CIVIL_HTTP_BREAKER_SECONDS", "60"))
# NIKs the set-based check queued are asked at most this many per run of `civil.http_drain` (every minute).
DTKS_CIVIL_HTTP_RATE = int(os.environ.get("DTKS_CIVIL_HTTP_RATE", "50"))
# An answer older than this is asked again before the set-based check uses it.
DTKS_CIVIL_HTTP_MAX_AGE_DAYS = int(os.environ.get("DTKS_CIVIL_HTTP_MAX_AGE_DAYS", "30"))
# Dukcapil extracts uploaded on the ministry's page (dtks/civil/upload.py): the same checks as every
# upload, stored under generated names in DTKS_IMPORT_DIR/dukcapil; a regency's extract is larger than
# a musyawarah's file, so its cap is its own.
DTKS_CIVIL_EXTRACT_MAX_BYTES = int(os.environ.get("DTKS_CIVIL_EXTRACT_MAX_BYTES", 500 * 1024 * 1024))
# A queued or loading extract whose row was not touched for this long is sent to a worker again.
DTKS_CIVIL_STALE_SECONDS = 300
CELERY_BEAT_SCHEDULE["civil-extracts-resume"] = {"task": "civil.extracts_resume", "schedule": 120.0}
