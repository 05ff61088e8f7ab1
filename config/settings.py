"""Settings for the ECOES enquiry portal.

Everything is read from the environment (see .env.example). With nothing set the
portal runs on an embedded default for development: SQLite under var/, a
local-memory cache, Celery tasks executed eagerly in the web process and e-mail
written to the console. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
DJANGO_ENV=production refuses to start without its secrets and turns on the
secure defaults.
"""

import os
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured

from config.env import database_config, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ECOES_VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV={DJANGO_ENV!r} is not known; use 'development' or 'production'."
    )
PRODUCTION = DJANGO_ENV == "production"

# Production secrets have no defaults: a missing one stops start-up with its name.
SECRET_KEY = env_str("SECRET_KEY", required=PRODUCTION) or (
    "development-only-insecure-key-never-used-in-production"
)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"], required=PRODUCTION
)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)

SERVICE_NAME = "ECOES enquiry service"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, found through FORM_RENDERER below
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_api_key",  # its abstract key model; accounts.OrganisationApiKey is used
    "core",
    "accounts",
    "service_status",
    "registry",
    "search",
    "reports",
    "bulk",
    "extracts",
]
# Benchmarks, synthetic data and the demo data (seed_demo): development only.
if not PRODUCTION:
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Sees every answer, including those other middleware make: /api/ is never stored.
    "core.middleware.ApiNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.CSPMiddleware",
    # After authentication, before the accounts middlewares: the service mode and
    # retirements answer first (an offline page must not need the database).
    "service_status.middleware.ServiceStatusMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.MFARequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
# Widgets render through the project's template engine, so templates/ may override
# one (the admin's split date and time inputs, which Django leaves unlabelled).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.service",
                "service_status.context_processors.service_status",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", required=PRODUCTION)
if DATABASE_URL:
    _db = database_config(DATABASE_URL)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's psycopg 3 pool: persistent connections without PgBouncer.
        # CONN_MAX_AGE must stay 0 with a pool.
        _db["CONN_MAX_AGE"] = 0
        # The pool checks a connection before lending it, so one that died (a database
        # restart, a terminated backend) is replaced instead of failing a request; the
        # check makes a round trip only when the server has closed the connection
        # (core/postgresql/base.py, Django's backend with that check), so Django's own
        # check (CONN_HEALTH_CHECKS) is off.
        _db["ENGINE"] = "core.postgresql"
        _db["CONN_HEALTH_CHECKS"] = False
        # Django turns psycopg's prepared statements off (for PgBouncer's transaction
        # mode); the pool keeps connections, so the hot lookups' SQL (core/compiled.py)
        # is prepared after this many runs on a connection (0: at the first).
        _db.setdefault("OPTIONS", {})["prepare_threshold"] = env_int(
            "DATABASE_PREPARE_THRESHOLD", 2
        )
        _db["OPTIONS"]["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 1),
            "max_size": env_int("DATABASE_POOL_MAX", 8),
            "timeout": 10,
        }
    DATABASES = {"default": _db}
    # A streaming replica for the registry lookups (core/replicas.py, docs/deployment.md).
    DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
    if DATABASE_REPLICA_URL:
        _replica = database_config(DATABASE_REPLICA_URL)
        if (
            _db["ENGINE"] != "core.postgresql"
            or _replica["ENGINE"] != "django.db.backends.postgresql"
        ):
            raise ImproperlyConfigured(
                "DATABASE_REPLICA_URL needs PostgreSQL for DATABASE_URL and the replica."
            )
        _replica["ENGINE"] = "core.postgresql"
        _replica["CONN_MAX_AGE"] = 0
        _replica["CONN_HEALTH_CHECKS"] = False
        _replica.setdefault("OPTIONS", {})["pool"] = dict(_db["OPTIONS"]["pool"], timeout=2)
        _replica["OPTIONS"]["prepare_threshold"] = _db["OPTIONS"]["prepare_threshold"]
        _replica["OPTIONS"]["connect_timeout"] = 2
        # Tests: the replica reads the primary's test database, which replication copies.
        _replica["TEST"] = {"MIRROR": "default"}
        DATABASES["replica"] = _replica
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "ecoes.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_ROUTERS = ["core.replicas.PrimaryOnlyRouter"]
# A replica further behind the primary than this is skipped; its lag is probed at most
# once per DATABASE_REPLICA_CHECK_SECONDS in each process.
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 5)
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 1)

# --- Cache ----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", required=PRODUCTION)
# Tests clear the cache between tests; under pytest-xdist each worker needs a Redis
# database of its own (the base number + 1 + the worker's index). The shifted URL is put
# back in the environment, so processes the tests start (Celery workers, gunicorn) use the
# same database and are not shifted a second time.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
if REDIS_URL and _xdist_worker and not os.environ.get("ECOES_REDIS_PER_WORKER"):
    _url = urlsplit(REDIS_URL)
    _db = int(_url.path.strip("/") or 0) + 1 + int(_xdist_worker.removeprefix("gw"))
    if _db > 15:
        raise ImproperlyConfigured(
            f"Test worker {_xdist_worker} would use Redis database {_db}; Redis has 16 (0-15)."
            " Give REDIS_URL a lower database number or run fewer workers."
        )
    REDIS_URL = urlunsplit(_url._replace(path=f"/{_db}"))
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["ECOES_REDIS_PER_WORKER"] = "1"
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, except that a Redis outage degrades (misses, dropped
            # writes) instead of failing every request; see core/cache.py.
            "BACKEND": "core.cache.FaultTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ecoes",
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2, "RETRY_AFTER": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------
# Without a broker the tasks run eagerly in the calling process, so the quick
# start needs no Redis. The beat schedule lives in config/celery.py.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged only once it has finished
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes back on the queue
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker holds one unstarted task at a time
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60 * 60)
# Redis re-delivers an unacknowledged task after the visibility timeout; it must be
# longer than the longest task, or a long ingest would run twice.
# A killed worker's task (SIGKILL, out of memory) is found by the other workers' sweep
# of unacknowledged tasks; sweep every 10 s (kombu's default is every 100 s), so such a
# task runs again within the visibility timeout plus 10 s. Each sweep is one range query.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"

# --- Flow ingestion (registry) -------------------------------------------------------
# Flow versions to accept, as flow id and version, e.g. "D0312002,D0312003". For each flow
# named, this replaces the flow table's accepted versions (dtc/flows.py); other flows
# keep theirs. Re-process a rejected file after changing it.
DTC_ACCEPTED_VERSIONS = None
if _accepted := env_list("DTC_ACCEPTED_VERSIONS"):
    DTC_ACCEPTED_VERSIONS = {}
    for _flow_version in _accepted:
        if len(_flow_version) != 8:
            raise ImproperlyConfigured(
                f"DTC_ACCEPTED_VERSIONS: {_flow_version!r} is not a flow id and version"
                " such as D0312002."
            )
        DTC_ACCEPTED_VERSIONS.setdefault(_flow_version[:5], set()).add(_flow_version[5:])
# Files dropped here are applied by a periodic task, then moved to processed/ or rejected/.
FLOW_INBOX_DIR = Path(env_str("FLOW_INBOX_DIR", str(VAR_DIR / "inbox")))
# The largest file sent through the upload page or the API, in bytes; refused before it
# is stored. Larger files (a full refresh of a whole area) come through the inbox.
FLOW_UPLOAD_MAX_BYTES = env_int("FLOW_UPLOAD_MAX_BYTES", 50 * 2**20)
# Days the stored copy of a rejected file is kept (to be processed again); then a daily
# task removes it. The file's record and checksum stay.
FLOW_REJECTED_RETENTION_DAYS = env_int("FLOW_REJECTED_RETENTION_DAYS", 30)
# Independent networks (IDNOs, distributor ids 24-36) and the MPID of each, e.g.
# "24=IPNL,25=LENG": the organisation that may send refreshes and D0386s for that id.
# (A DNO's id comes from its MPID, dtc.codes.DISTRIBUTORS.)
IDNO_DISTRIBUTORS: dict[str, str] = {}
for _pair in env_list("IDNO_DISTRIBUTORS"):
    _id, _, _mpid = _pair.partition("=")
    if not (_id.isdigit() and 24 <= int(_id) <= 36 and len(_mpid) == 4 and _mpid.isalnum()):
        raise ImproperlyConfigured(
            f"IDNO_DISTRIBUTORS: {_pair!r} is not an IDNO distributor id (24 to 36) and an"
            " MPID, such as 24=IPNL."
        )
    IDNO_DISTRIBUTORS[_id] = _mpid.upper()

# --- Authentication ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, loading the user with their organisation (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# The accounts adapter, with the service status's say over who may log in (offline mode).
ACCOUNT_ADAPTER = "service_status.adapters.ServiceStatusAccountAdapter"
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetAccountPasswordForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# A reset link works once and for at most an hour (Django's token generator, used by
# allauth, reads PASSWORD_RESET_TIMEOUT); an invitation link has its own, longer life.
PASSWORD_RESET_TIMEOUT = 60 * 60
ACCOUNT_INVITE_TIMEOUT = 3 * 24 * 60 * 60
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SERVICE_NAME}] "
# allauth's rate limits, kept in the cache: five wrong passwords for one account in
# 15 minutes lock that account's password login for the rest of the window.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/15m/key",
    "reset_password": "20/m/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# The code fields in the portal's words: a label, a hint and what to do when it is empty.
MFA_FORMS = {
    "authenticate": "accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "accounts.forms.MFAReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SERVICE_NAME
# Accept the code before and after the current one: phones' clocks drift, and a code
# typed as it changes should not fail. A used code is refused within that window.
MFA_TOTP_TOLERANCE = 1
# Addresses are entered by admins and proven by the e-mailed invitation link; there is
# no sign-up through which someone could claim an address and lock its owner out.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Sessions: a new key at login (Django), 30 minutes idle, 12 hours at most; see
# accounts/middleware.py. allauth.usersessions lists a user's sessions so that a
# password change or deactivation can end the others.
ACCOUNT_SESSION_IDLE_TIMEOUT = 30 * 60
ACCOUNT_SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
# Accounts with no log-in for this many days are closed by a daily task, after a
# warning e-mail to the user and their organisation's admins this many days before.
ACCOUNT_DORMANT_DAYS = env_int("ACCOUNT_DORMANT_DAYS", 90)
ACCOUNT_DORMANT_WARNING_DAYS = env_int("ACCOUNT_DORMANT_WARNING_DAYS", 14)
# Who sees which readiness check failed and why at /health/ready/ (others: the status).
HEALTH_DETAIL_VISIBLE_TO = "accounts.sessions.session_is_service_desk"
# The portal's address as users reach it: every link in an e-mail (invitations,
# password resets) is built from it, never from the request's Host header, which a
# client chooses. Required in production; the development default is `make run`'s.
PORTAL_BASE_URL = env_str(
    "PORTAL_BASE_URL", None if PRODUCTION else "http://127.0.0.1:8000", required=PRODUCTION
)
if not re.fullmatch(r"https?://[^/?#\s]+/?", PORTAL_BASE_URL):
    raise ImproperlyConfigured(
        f"PORTAL_BASE_URL={PORTAL_BASE_URL!r} must be a scheme and host only, "
        "e.g. https://ecoes.example.org"
    )

# --- Sessions and security ----------------------------------------------------------
# Read from the cache (Redis in production) and written through to the database: a page
# needs no session query, and sessions survive a Redis restart. Sessions are ended through
# the session store (accounts.services.user_sessions_end), which clears both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A strict Content-Security-Policy everywhere, development included, so that an inline
# script or style is caught by the browser tests long before production.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# How many reverse proxies in front of the portal append to X-Forwarded-For; the client's
# address (audit records, rate limits) is read through core.http.client_ip. 0: the header
# is ignored and REMOTE_ADDR is the client. allauth's rate limits use the same helper.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")

# --- E-mail -------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ECOES enquiry service <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "core.staticfiles.StaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Reports ----------------------------------------------------------------------------
# How long a generated report stays downloadable, in calendar months from its creation.
REPORT_RETENTION_MONTHS = env_int("REPORT_RETENTION_MONTHS", 3)
if REPORT_RETENTION_MONTHS < 1:
    raise ImproperlyConfigured(
        f"REPORT_RETENTION_MONTHS={REPORT_RETENTION_MONTHS} must be at least 1."
    )
# When D0312 maintenance was retired from this service (ISO date and time; a time without
# an offset is UK time). A convenience that seeds SERVICE_RETIRED_FUNCTIONS below: the
# service-status retirements are the one mechanism every feature reads.
_d0312_retired_at = env_str("D0312_RETIRED_AT")
if _d0312_retired_at:
    try:
        _d0312_retired_at = datetime.fromisoformat(_d0312_retired_at)
    except ValueError:
        raise ImproperlyConfigured(
            f"D0312_RETIRED_AT={_d0312_retired_at!r} is not an ISO date and time, "
            "e.g. 2019-06-28T18:00."
        ) from None
    if _d0312_retired_at.tzinfo is None:
        _d0312_retired_at = _d0312_retired_at.replace(tzinfo=ZoneInfo("Europe/London"))

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.ContentNegotiation",
}

# --- Service status (modes, cut-over windows, retired functions, broadcasts) ------------------
# How long the status snapshot is cached (Redis in production); a change made on one server
# reaches the others within this many seconds. Times of day are exact regardless.
SERVICE_STATUS_CACHE_SECONDS = env_int("SERVICE_STATUS_CACHE_SECONDS", 5)
# ... and how long each process keeps the snapshot it read before asking the cache again.
SERVICE_STATUS_PROCESS_SECONDS = env_int("SERVICE_STATUS_PROCESS_SECONDS", 1)
# In offline mode, keep log-in and the admin open to service admins so they can run the service.
SERVICE_STATUS_ADMINS_WHEN_OFFLINE = env_bool("SERVICE_STATUS_ADMINS_WHEN_OFFLINE", True)
# Windows starting within this many days are announced in a banner on every page.
SERVICE_STATUS_ANNOUNCE_DAYS = env_int("SERVICE_STATUS_ANNOUNCE_DAYS", 14)
# Retirements known before deployment, e.g.
# {"d0312_maintenance": {"from": "2019-06-27T18:00:00+01:00", "message": "..."}};
# a RetiredFunction row (admin) for the same function wins.
SERVICE_RETIRED_FUNCTIONS: dict[str, dict] = {}
if _d0312_retired_at:
    SERVICE_RETIRED_FUNCTIONS["d0312_maintenance"] = {
        "from": _d0312_retired_at,
        "message": "D0312 maintenance has been retired from this service.",
    }
# --- Search and the metering-point API ----------------------------------------------------
# Lookups a user may make in one UK calendar day, an API key's own daily quota, and an
# organisation's over all its users and keys together. A search or a detail view counts
# one, an export its rows, a bulk search the metering points it returns. They reset at
# midnight, UK time.
SEARCH_DAILY_CAP = env_int("SEARCH_DAILY_CAP", 1000)
SEARCH_API_KEY_DAILY_CAP = env_int("SEARCH_API_KEY_DAILY_CAP", 10000)
SEARCH_ORGANISATION_DAILY_CAP = env_int("SEARCH_ORGANISATION_DAILY_CAP", 50000)
# Active (not revoked) API keys an organisation may hold at once.
API_KEYS_PER_ORGANISATION = env_int("API_KEYS_PER_ORGANISATION", 3)
# Calendar months the search audit is kept before its month is dropped as a whole
# (PostgreSQL: search/partitions.py; at least 12), and months of partitions made ahead.
SEARCH_EVENT_RETENTION_MONTHS = env_int("SEARCH_EVENT_RETENTION_MONTHS", 24)
if SEARCH_EVENT_RETENTION_MONTHS < 12:
    raise ImproperlyConfigured(
        f"SEARCH_EVENT_RETENTION_MONTHS={SEARCH_EVENT_RETENTION_MONTHS} must be at least 12."
    )
SEARCH_EVENT_MONTHS_AHEAD = 3
# The most rows one CSV export of a result set may hold; a larger set is refused.
SEARCH_EXPORT_MAX_ROWS = env_int("SEARCH_EXPORT_MAX_ROWS", 10000)
# An address search lists at most this many points, best first: a broad address
# ("High Street") must not list a town's worth of points in one lookup.
SEARCH_ADDRESS_MAX_RESULTS = env_int("SEARCH_ADDRESS_MAX_RESULTS", 100)
# Request rates of the metering-point API (DRF throttling), per user and per API key.
SEARCH_API_USER_RATE = env_str("SEARCH_API_USER_RATE", "120/minute")
SEARCH_API_KEY_RATE = env_str("SEARCH_API_KEY_RATE", "600/minute")
# --- Bulk search ----------------------------------------------------------------------------
# Rows (MPAN cores, postcodes or serials) one bulk search may hold, the largest list file,
# and the metering points an organisation's bulk searches may return per UK calendar day
# (all its users and API keys together). The points also count against the user's or
# key's daily cap and the organisation's (above).
BULK_SEARCH_MAX_ROWS = env_int("BULK_SEARCH_MAX_ROWS", 100_000)
BULK_SEARCH_MAX_BYTES = env_int("BULK_SEARCH_MAX_BYTES", 10 * 2**20)
BULK_SEARCH_DAILY_POINTS = env_int("BULK_SEARCH_DAILY_POINTS", 500_000)
# A running bulk search whose progress has not moved for this long lost its worker: beat
# queues it again (progress is saved after every batch, a few seconds apart).
BULK_SEARCH_STALLED_MINUTES = env_int("BULK_SEARCH_STALLED_MINUTES", 30)
# --- Party extracts and the SFTP service ------------------------------------------------------
# On-demand portfolio files an organisation may request per UK calendar day.
EXTRACT_ON_DEMAND_PER_DAY = env_int("EXTRACT_ON_DEMAND_PER_DAY", 1)
# gzip level of portfolio files: 1 is fastest, 9 smallest; 6 is gzip's own default.
EXTRACT_GZIP_LEVEL = env_int("EXTRACT_GZIP_LEVEL", 6)
# `manage.py sftp_server`: where it listens, and what the portal tells users to connect to.
SFTP_BIND = env_str("SFTP_BIND", "127.0.0.1")
SFTP_PORT = env_int("SFTP_PORT", 2222)
SFTP_PUBLIC_HOST = env_str("SFTP_PUBLIC_HOST", "localhost")
# The host key, made on the server's first start and kept: users check its fingerprint
# (shown in the portal) the first time they connect. Keep it across deployments.
SFTP_HOST_KEY_PATH = Path(env_str("SFTP_HOST_KEY_PATH", str(VAR_DIR / "sftp_host_ed25519_key")))
# Failed SFTP logins from one address before it is refused for SFTP_FAILURE_WINDOW seconds.
SFTP_MAX_FAILURES = env_int("SFTP_MAX_FAILURES", 10)
SFTP_FAILURE_WINDOW = env_int("SFTP_FAILURE_WINDOW", 900)
# A session that does not authenticate within this many seconds is closed.
SFTP_LOGIN_TIMEOUT = env_int("SFTP_LOGIN_TIMEOUT", 30)
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
SPECTACULAR_SETTINGS = {
    "TITLE": "ECOES enquiry service API",
    "DESCRIPTION": "Metering-point enquiries for GB electricity market participants. "
    'Every error has one shape: {"error": {"code", "message", "field"}}.',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The interactive docs' files come from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Names for choice sets that share a field name with another API's ("kind", "status").
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "BulkSearchKindEnum": "bulk.forms.KIND_CHOICES",
    "BulkSearchStatusEnum": "bulk.models.BulkSearchStatus.choices",
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
