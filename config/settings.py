"""PerfectParser settings, read from environment variables (12-factor).

Defaults need no server at all: SQLite under ``var/``, files under ``var/media``, and a
Celery broker on kombu's filesystem transport under ``var/broker``. Production sets
DATABASE_URL, CELERY_BROKER_URL, CACHE_URL and the S3 variables (see README.md).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_cache,
    env_choice,
    env_database,
    env_float,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PP_VAR_DIR", str(BASE_DIR / "var")))

TESTING = "pytest" in sys.modules or env_bool("PP_TESTING", False)
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off (production). "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
PUBLIC_BASE_URL = env_str("PP_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    # Refresh tokens are recorded so that removing a member or changing a password revokes them.
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "accounts",
    "parsers",
    "extractions",
    "billing",
    "support",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.RejectNulInQueryMiddleware",
    "config.middleware.JSONBodyGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let the web process and the worker share one file
    # without "database is locked" errors under light concurrent use.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so that a real Celery worker started by the tests sees test data;
    # one per test process so that concurrent runs do not share it. Workers started by the
    # tests are given the name through DATABASE_URL.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # An unreachable server fails a request in seconds (503), not after the OS's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", 5, minimum=1
    )
    # Only the worker's hot statements use prepared statements (config/db.py); Django's own
    # cursors bind client-side and never prepare. Off behind a pooler that cannot keep them
    # (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate-limit counters must be shared by every web process in production) ---------
CACHES = {"default": env_cache("CACHE_URL", "locmemcache://perfectparser")}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

AXES_FAILURE_LIMIT = env_int("PP_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PP_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_ENABLED = env_bool("PP_LOGIN_THROTTLING", True)

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("PP_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

STORAGE_BACKEND = env_choice("PP_STORAGE", "local", ("local", "s3"))
MEDIA_ROOT = Path(env_str("PP_MEDIA_ROOT", str(VAR_DIR / "media")))
if STORAGE_BACKEND == "s3":
    _s3_options = {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", required=True),
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
        "region_name": env_str("AWS_S3_REGION_NAME", "us-east-1"),
        "access_key": env_str("AWS_ACCESS_KEY_ID"),
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE", "path"),
    }
    _files_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    _files_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _files_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads above this size are spooled to disk, never held whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
FILE_UPLOAD_TEMP_DIR = None

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.APIKeyAuthentication",
        "accounts.authentication.OrganizationJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsOrganizationMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    # drf-spectacular's, plus every error response and header (config/openapi.py).
    "DEFAULT_SCHEMA_CLASS": "config.openapi.ErrorResponsesAutoSchema",
    "UNAUTHENTICATED_USER": None,
    # 150 requests/min per API key (or user) over the whole API; PP_RATE_LIMIT_* below.
    "DEFAULT_THROTTLE_CLASSES": ["extractions.ratelimit.APIRequestThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PerfectParser API",
    "DESCRIPTION": "Structured data extraction from documents: schemas in, cited JSON out.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # /v1/docs loads Swagger UI from our static files (drf-spectacular-sidecar): the CSP
    # allows no other origin, and self-hosted installs may have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One name per choice set that several components use.
    "ENUM_NAME_OVERRIDES": {"DocumentStatusEnum": "extractions.models.DOCUMENT_STATUS_VALUES"},
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("PP_JWT_ACCESS_MINUTES", 15, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("PP_JWT_REFRESH_DAYS", 7, minimum=1)),
    "SIGNING_KEY": env_str("PP_JWT_SIGNING_KEY", SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
}

# Rate limits (DESIGN.md: 20 submissions/min per key, 150 requests/min per key overall).
PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE = env_int(
    "PP_RATE_LIMIT_SUBMISSIONS_PER_MINUTE", 20, minimum=1
)
PP_RATE_LIMIT_REQUESTS_PER_MINUTE = env_int("PP_RATE_LIMIT_REQUESTS_PER_MINUTE", 150, minimum=1)
# Off by default under pytest so no test trips them by accident; tests of the limits turn
# them on with the settings fixture (settings.PP_RATE_LIMIT_ENABLED = True).
PP_RATE_LIMIT_ENABLED = env_bool("PP_RATE_LIMIT_ENABLED", not TESTING)

# --- Engine and document limits ---------------------------------------------------------------
PP_MAX_FILE_BYTES = env_int("PP_MAX_FILE_BYTES", 150 * 1024 * 1024, minimum=1024)
PP_MAX_PAGES_PER_DOCUMENT = env_int("PP_MAX_PAGES_PER_DOCUMENT", 1000, minimum=1)
PP_MAX_FILES_PER_SUBMISSION = env_int("PP_MAX_FILES_PER_SUBMISSION", 50, minimum=1)
PP_MAX_FILES_PER_BATCH = env_int("PP_MAX_FILES_PER_BATCH", 10_000, minimum=1)
PP_MAX_METADATA_BYTES = env_int("PP_MAX_METADATA_BYTES", 10 * 1024, minimum=1)
# A JSON request body (a 10,000-file batch is ~0.3 MB; review outputs of long documents more).
PP_MAX_JSON_BODY_BYTES = env_int("PP_MAX_JSON_BODY_BYTES", 4 * 1024 * 1024, minimum=1024)
PP_SYNC_EXTRACT_TIMEOUT = env_int("PP_SYNC_EXTRACT_TIMEOUT", 300, minimum=1)
PP_DEFAULT_ORG_CONCURRENCY = env_int("PP_DEFAULT_ORG_CONCURRENCY", 8, minimum=1)
# Credits per page by parser tier. One tier, 1 credit per page (DESIGN.md): premium charged 3
# for the same output and is gone; the model tier adds its price here when it lands.
PP_TIER_MULTIPLIERS = {"standard": 1}
PP_DOCUMENT_VISIBILITY_TIMEOUT = env_int("PP_DOCUMENT_VISIBILITY_TIMEOUT", 900, minimum=30)
# A running document whose heartbeat is older than this lost its worker (killed, machine gone):
# the sweeper gives it to another worker. Several heartbeats long (PP_DOCUMENT_HEARTBEAT_SECONDS).
PP_DOCUMENT_DEAD_AFTER_SECONDS = env_int("PP_DOCUMENT_DEAD_AFTER_SECONDS", 20, minimum=3)
# A finished document's outcome that cannot be written (database restarting) is retried with
# backoff for this long by the task that holds it, rather than computed again later.
PP_OUTCOME_RETRY_SECONDS = env_int("PP_OUTCOME_RETRY_SECONDS", 600, minimum=0)
# Polling cursors stay behind changes younger than this: longer than any transaction that
# stamps a document's updated_at and then commits (see selectors.documents_changed_since).
PP_POLL_SETTLE_SECONDS = env_float("PP_POLL_SETTLE_SECONDS", 3.0, minimum=0)
PP_TASK_SOFT_TIME_LIMIT = env_int("PP_TASK_SOFT_TIME_LIMIT", 600, minimum=5)
PP_TASK_TIME_LIMIT = env_int("PP_TASK_TIME_LIMIT", 660, minimum=10)
# After a document, a task runs its organization's next one itself (no broker message) while
# it has been busy less than this; 0 turns it off. Bounds what other organizations wait.
PP_TASK_CONTINUE_SECONDS = env_float("PP_TASK_CONTINUE_SECONDS", 1.0, minimum=0)
# An OCR worker reserves 1.7–1.9 GB of address space with ONNX Runtime and ~1 GB more with
# OpenVINO (measured: a 300 dpi 3-page scan peaks at 1.3 vs 2.25 GB of VmPeak), for ~600 MB
# resident either way: 4 GB keeps a document the headroom 3 GB gave it on ONNX Runtime.
PP_TASK_MEMORY_LIMIT_MB = env_int("PP_TASK_MEMORY_LIMIT_MB", 4096, minimum=128)
# A document whose earlier run was lost (its process died: killed, out of memory, aborted in
# PDFium) runs again only in a forked child that may add at most this much address space.
# ONNX Runtime threads per OCR session, passed to the engine as ExtractionOptions.ocr_threads:
# 1 for one worker process per core (the default), 0 = every core for one lone process.
PP_OCR_THREADS = env_int("PP_OCR_THREADS", 1, minimum=0)
# OCR inference library (ExtractionOptions.ocr_backend): "openvino" (the default) reads the
# same models as "onnxruntime" for ~0.4x the CPU, field scores on train and dev equal or
# better but for one dev form (README, OCR section).
PP_OCR_BACKEND = env_choice("PP_OCR_BACKEND", "openvino", ("onnxruntime", "openvino"))
# The characters OCR reads (ExtractionOptions.ocr_alphabet): "latin" (Latin script, Greek,
# punctuation and symbols: the recogniser scores ~880 classes, not 18,710, for about 0.7x the
# CPU a page) or "all", which adds the Chinese characters and Japanese kana of its dictionary
# (README, OCR section). OpenVINO only: ONNX Runtime always reads "all".
PP_OCR_ALPHABET = env_choice("PP_OCR_ALPHABET", "latin", ("latin", "all"))
# Keep what OCR read from each page image, per organization, so that a re-run of the same
# file (support, another parser) does not OCR it again (extractions.OcrPageCache; purged with
# the document's results by retention). Off: every run reads its pages again.
PP_OCR_CACHE_ENABLED = env_bool("PP_OCR_CACHE_ENABLED", True)
PP_RETRY_MEMORY_LIMIT_MB = env_int("PP_RETRY_MEMORY_LIMIT_MB", 1536, minimum=64)
# Engine work a web request runs itself (page images, schema suggestion, "try it") runs in a
# forked child that may add at most this much address space and is killed after the timeout.
PP_WEB_ENGINE_MEMORY_LIMIT_MB = env_int("PP_WEB_ENGINE_MEMORY_LIMIT_MB", 1024, minimum=64)
PP_WEB_ENGINE_TIMEOUT_SECONDS = env_float("PP_WEB_ENGINE_TIMEOUT_SECONDS", 60.0, minimum=1.0)
PP_DEFAULT_RETENTION_HOURS = env_int(
    "PP_DEFAULT_RETENTION_HOURS", 30 * 24, minimum=1, maximum=365 * 24
)
PP_STAGED_FILE_TTL_HOURS = env_int("PP_STAGED_FILE_TTL_HOURS", 24, minimum=1)

# --- Extraction lifecycle (extractions app) ---------------------------------------------------
# A document whose claim fails this many times (worker killed, time limit) fails internal_error.
PP_DOCUMENT_MAX_ATTEMPTS = env_int("PP_DOCUMENT_MAX_ATTEMPTS", 3, minimum=1)
PP_SWEEP_INTERVAL_SECONDS = env_int("PP_SWEEP_INTERVAL_SECONDS", 5, minimum=1)
# A running document's step and heartbeat are written this often (by a thread of the worker).
PP_DOCUMENT_HEARTBEAT_SECONDS = env_float("PP_DOCUMENT_HEARTBEAT_SECONDS", 2.0, minimum=0.1)
if PP_DOCUMENT_DEAD_AFTER_SECONDS < 3 * PP_DOCUMENT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "PP_DOCUMENT_DEAD_AFTER_SECONDS must be at least 3 × PP_DOCUMENT_HEARTBEAT_SECONDS "
        f"({3 * PP_DOCUMENT_HEARTBEAT_SECONDS:g} s): a live run would be taken for a dead one."
    )
PP_IDEMPOTENCY_TTL_HOURS = env_int("PP_IDEMPOTENCY_TTL_HOURS", 24, minimum=1)
# Test-only: seconds slept at each engine step, to catch a worker mid-document.
PP_TEST_STEP_DELAY_SECONDS = (
    env_float("PP_TEST_STEP_DELAY_SECONDS", 0.0, minimum=0.0) if TESTING else 0.0
)

# --- Webhooks -------------------------------------------------------------------------------
# Loopback/private targets are refused unless explicitly allowed (tests, local development).
PP_WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("PP_WEBHOOK_ALLOW_PRIVATE_TARGETS", DEBUG or TESTING)
PP_WEBHOOK_TIMEOUT_SECONDS = env_float("PP_WEBHOOK_TIMEOUT_SECONDS", 10.0, minimum=0.1)
PP_WEBHOOK_RETRY_WINDOW_HOURS = env_int("PP_WEBHOOK_RETRY_WINDOW_HOURS", 24, minimum=1)
# Retry n waits BASE × 2^(n-1) seconds, capped at MAX (tests shrink BASE to stay fast).
PP_WEBHOOK_RETRY_BASE_SECONDS = env_float("PP_WEBHOOK_RETRY_BASE_SECONDS", 30.0, minimum=0.0)
PP_WEBHOOK_RETRY_MAX_SECONDS = env_float("PP_WEBHOOK_RETRY_MAX_SECONDS", 3600.0, minimum=1.0)
PP_WEBHOOK_SWEEP_INTERVAL_SECONDS = env_int("PP_WEBHOOK_SWEEP_INTERVAL_SECONDS", 15, minimum=1)
# Signs deliveries to a per-extraction webhook_url (registered endpoints use their own secret).
PP_WEBHOOK_SIGNING_KEY = env_str("PP_WEBHOOK_SIGNING_KEY", SECRET_KEY)

# --- Review -------------------------------------------------------------------------------------
# A new organization's review threshold: values less confident than this are flagged for review.
# Confidence is calibrated (a value's confidence is the probability that it is right, fitted on
# the train corpus: extractions/engine/confidence/), so 0.9 means "right nine times in ten".
PP_DEFAULT_REVIEW_CONFIDENCE_THRESHOLD = env_float(
    "PP_DEFAULT_REVIEW_CONFIDENCE_THRESHOLD", 0.9, minimum=0.0, maximum=1.0
)

# --- Staged files and retention ---------------------------------------------------------------
PP_PRESIGNED_UPLOAD_EXPIRES_SECONDS = env_int(
    "PP_PRESIGNED_UPLOAD_EXPIRES_SECONDS", 3600, minimum=60, maximum=7 * 24 * 3600
)
PP_RETENTION_INTERVAL_SECONDS = env_int("PP_RETENTION_INTERVAL_SECONDS", 600, minimum=10)
PP_RETENTION_BATCH_SIZE = env_int("PP_RETENTION_BATCH_SIZE", 500, minimum=1)
PP_RETENTION_MAX_BATCHES_PER_RUN = env_int("PP_RETENTION_MAX_BATCHES_PER_RUN", 20, minimum=1)

# --- Billing (Stripe) -------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")  # only for a local stand-in in tests
PP_SIGNUP_FREE_CREDITS = env_int("PP_SIGNUP_FREE_CREDITS", 50, minimum=0)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange tables; kombu's default is ./control, relative to wherever the process runs.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the hard time limit, so a slow document is not redelivered while running.
        "visibility_timeout": PP_DOCUMENT_VISIBILITY_TIMEOUT + 60,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connections around every task unless told to
# reuse them: our own task signals (config/celery.py) apply CONN_MAX_AGE and the health check
# instead; the fixup's forced close then only comes every this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
# Tests run their real worker on a queue of their own, so stray messages never reach it.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# The sweeper, webhook deliveries and retention run on a queue of their own, served by workers
# of their own (README, "Running in production"): never behind long documents.
CELERY_HOUSEKEEPING_QUEUE = env_str("CELERY_HOUSEKEEPING_QUEUE", "housekeeping")
CELERY_TASK_ROUTES = ("config.celery.route_task",)
CELERY_BEAT_SCHEDULE["extractions-sweep"] = {
    "task": "extractions.tasks.sweep_documents",
    "schedule": float(PP_SWEEP_INTERVAL_SECONDS),
}
CELERY_BEAT_SCHEDULE["webhooks-deliver-due"] = {
    "task": "extractions.webhooks.tasks.deliver_due_webhooks",
    "schedule": float(PP_WEBHOOK_SWEEP_INTERVAL_SECONDS),
}
CELERY_BEAT_SCHEDULE["retention-purge"] = {
    "task": "extractions.retention_tasks.purge_expired_data",
    "schedule": float(PP_RETENTION_INTERVAL_SECONDS),
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PerfectParser <no-reply@perfectparser.local>")

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_HSTS_SECONDS", 0 if (DEBUG or TESTING) else 31536000, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://checkout.stripe.com"],
    }
}

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_choice("PP_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
