"""Settings for the MCS network office portal.

The environment is read once, here (django-environ). Development and production run
the same code paths; only the values differ. See README.md for every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Everything the portal writes (the SQLite database, collected static files, private uploads)
# lives under DATA_DIR or where its own variable says, so the code tree itself may be read-only.
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production-0123456789abcdef")
else:
    # No default: production refuses to start without a secret key.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "core.admin_site.SuperuserAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Ours, bottom of the dependency order first (docs/architecture.md).
    "policy",
    "core",
    "accounts",
    "facilities",
    "enrollment",
    "consent",
    "groups",
    "oversight",
    "ledger_import",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "core.middleware.ThrottleMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Checks in __call__, before any process_view reads a body (the CSRF check does): core/uploads.py.
    "core.uploads.UploadLimitMiddleware",
    "accounts.middleware.OTPRequiredMiddleware",
    "facilities.middleware.ReadOnlyRoleMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
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
                "config.navigation.navigation",
            ],
            "builtins": ["core.templatetags.portal"],
        },
    },
    {
        # Plain-text e-mails (core/emails.py): the same templates, without HTML escaping.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False, "builtins": ["core.templatetags.portal"]},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if env.str("TEST_DB_NAME", default=""):
    # Lets several test runs share one PostgreSQL server without clobbering each other.
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DB_NAME")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite, the embedded default, under concurrent use (docs/decisions/0019-sqlite-for-concurrent-use.md):
    # WAL lets readers carry on while one connection writes; IMMEDIATE takes the write lock
    # when a transaction begins, so a transaction that read first never has to upgrade its lock
    # (SQLite answers such an upgrade "database is locked" at once, without waiting); the
    # timeout is how long a writer queues for the lock before giving up.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    })

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 13}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour (docs/security.md)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: 30 minutes idle (cookie age, refreshed on every request) and 12 hours in all
# (accounts.middleware.SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIFETIME = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Messages can name a patient ("山田太郎さんを登録しました"): keep them in the session, on the
# server, not in a cookie the browser stores.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The cache holds the per-address throttle's counters. Local memory suits one process
# (`make run`); with several processes or machines they must share one: CACHE_URL=redis://...
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
CACHES["default"].setdefault("KEY_PREFIX", "portal")

# Background jobs (docs/decisions/0019-background-jobs.md): e-mail and heavy PDFs leave the
# request through django-tasks. TASKS_BACKEND picks the engine:
# - "database": the embedded default; jobs wait in the portal's own database for
#   `manage.py db_worker` (docs/operations.md);
# - "rq": Redis (REDIS_URL) for several machines; workers run `manage.py rqworker default`;
# - "immediate": run in the request itself, no worker (what `make run` and the tests use).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")  # its `rqworker` command (and an admin page of queues)
RQ_QUEUES = {"default": {"URL": env.str("REDIS_URL", default="redis://127.0.0.1:6379/0"), "DEFAULT_TIMEOUT": 900}}
# Reports over this many rows (reviews of a campaign, staff of a ledger) are made by a job and
# fetched from a "ready" page; smaller ones are rendered in the request.
REPORT_JOB_THRESHOLD = env.int("REPORT_JOB_THRESHOLD", default=500)
# A review round over more groups than this is started by a job (seconds of bulk inserts).
CAMPAIGN_JOB_THRESHOLD = env.int("CAMPAIGN_JOB_THRESHOLD", default=2000)
# The program's groups dashboard shows stored counts (groups.DashboardLine); older than this many
# seconds, the next visit enqueues a recount. 0: recount on every visit (the tests).
DASHBOARD_MAX_AGE = env.int("DASHBOARD_MAX_AGE", default=300)

# Per-address throttles (core.middleware.ThrottleMiddleware): at most this many requests
# from one address in this many seconds, then 429 until the period ends. Generous enough for
# a hospital's staff behind one NAT address; the per-account lockout (axes) is separate.
THROTTLES = {
    "login": (30, 60),  # POSTs to the login pages (portal and admin) and the password reset
    "public-post": (10, 60),  # POSTs to the public forms under /p/ (application, correction, withdrawal)
    "public-get": (120, 60),  # any other request under /p/ (blank forms' PDFs, postal look-ups)
}

# Lockout: 5 failures lock the account for 30 minutes, whoever asks and from wherever.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.backends.lockout_username"  # e-mail case-insensitively, as logins match
AXES_ENABLED = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
# Counts each try before its password is checked, so simultaneous tries cannot outrun the lock.
AXES_HANDLER = "accounts.lockout.AccountLockoutHandler"
# axes.W006 asks for per-IP lockout too; we lock per account as MHLW 6.0 asks, because a
# hospital behind one NAT address would otherwise lock out every colleague at once.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Two-factor: required by accounts.middleware.OTPRequiredMiddleware; no setting turns it off.
# Wrong codes slow the next try down: 1, 2, 4, 8 ... seconds per device (django-otp throttling).
OTP_TOTP_ISSUER = "MCSネットワーク事務局ポータル"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "ja"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env.bool("TESTING", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded scans of signed consent forms: private, never under STATIC or a public URL.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "private")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MCSポータル <no-reply@mcs-portal.invalid>")

# Security headers. HTTPS settings follow SECURE_SSL (on by default outside DEBUG).
SECURE_SSL = env.bool("SECURE_SSL", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE_SSL
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
# Behind a reverse proxy: trust its X-Forwarded-Proto, and take the client's address from the
# last X-Forwarded-For entry (the one the proxy added) for the throttle.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
