"""Settings for the pledge ledger, read from the environment.

Every variable is listed in `.env.example`. The defaults are safe for production
(DEBUG off, secure cookies); `make run` turns DEBUG on for local use.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; a value that is neither clearly true nor false is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Only a development server may run with the published fallback key. Without DEBUG the app
# does not start at all without a key of its own (gunicorn, the worker, every command): with the
# published one anyone could forge sessions and recipient links.
INSECURE_DEV_KEY = "django-insecure-development-only-never-in-production"
EXAMPLE_KEY = "change-me-to-a-long-random-value"  # .env.example's placeholder
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not DEBUG and SECRET_KEY in ("", INSECURE_DEV_KEY, EXAMPLE_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set, or is the published development or example key. Set it to a "
        "long random value of your own (see .env.example), or DJANGO_DEBUG=true on a development machine."
    )
SECRET_KEY = SECRET_KEY or INSECURE_DEV_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Before pledges, whose admin replaces the task results' read-only admin.
    "django_tasks_db",
    "pledges",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Renders opclass index expressions (the search's trigram indexes, migration 0021).
    "django.contrib.postgres",
    "django_tables2",
    "django_filters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every page and download but the public one (pledges.core.middleware).
    "pledges.core.middleware.NoStoreMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages, so it can say why; it logs out before LoginRequiredMiddleware's check runs.
    "pledges.accounts.sessions.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fonds.urls"
WSGI_APPLICATION = "fonds.wsgi.application"

# Labels and input widgets written in Python, the same HTML as Django's form templates (pledges.core.fields).
FORM_RENDERER = "pledges.core.fields.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default so a fresh clone runs; DATABASE_URL selects
# PostgreSQL. WAL lets readers work during a write; IMMEDIATE takes the write
# lock at BEGIN so two writers queue instead of failing with "database is locked".
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
        ),
    }

# Mails and long jobs are tasks queued in the database, in the transaction of the change
# they report; `manage.py db_worker --queue-name '*'` runs them (pledges.core.tasks).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        # "mails": every e-mail, retried with backoff; "default": jobs someone waits for.
        "QUEUES": ["default", "mails"],
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "pledges.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pledges:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The reset link doubles as the invitation for new users, so it lives for a week.
# An invitation (or a link for someone who never chose a password) lasts 7 days; a link to
# reset an existing password one hour (pledges.accounts.tokens).
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600
PASSWORD_LINK_TIMEOUT = 3600
# Password links asked for per address and per account (as typed) within the window.
PASSWORD_LINKS_PER_ADDRESS = env_int("PASSWORD_LINKS_PER_ADDRESS", 10)
PASSWORD_LINKS_PER_ACCOUNT = env_int("PASSWORD_LINKS_PER_ACCOUNT", 3)
PASSWORD_LINK_WINDOW_SECONDS = env_int("PASSWORD_LINK_WINDOW_SECONDS", 3600)

# Login throttling: failures counted per (account, address) and per address.
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env_int("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# How many reverse proxies in front of the app append to X-Forwarded-For. With 0
# the header is ignored, so a client cannot choose the address it is throttled by.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# How long the signed link a recipient city gets to confirm a delivery stays valid.
RECIPIENT_LINK_MAX_AGE_DAYS = env_int("RECIPIENT_LINK_MAX_AGE_DAYS", 30)
if RECIPIENT_LINK_MAX_AGE_DAYS < 1:
    raise ImproperlyConfigured("RECIPIENT_LINK_MAX_AGE_DAYS must be at least 1 (days).")

# The consignor's address on the shipment papers (gift letter, act, CMR data sheet): the fund's own.
FUND_ADDRESS = os.environ.get("FUND_ADDRESS", "Nassaulaan 12, 2514 JS Den Haag, Nederland")
# A unit that left and has not reached a final step (installed, in use, broken) is on the
# coordinator's list of units that have not moved after this many days without a custody step.
PASSPORT_STALE_DAYS = env_int("PASSPORT_STALE_DAYS", 14)
if PASSPORT_STALE_DAYS < 1:
    raise ImproperlyConfigured("PASSPORT_STALE_DAYS must be at least 1 (days).")
# The usage report a recipient owes after a delivery (pledges.usage): due this many days after
# the shipment arrived (AHARS: 90), its reminder this many days before that due date.
USAGE_REPORT_DAYS = env_int("USAGE_REPORT_DAYS", 90)
USAGE_REMINDER_DAYS_BEFORE = env_int("USAGE_REMINDER_DAYS_BEFORE", 14)
if USAGE_REPORT_DAYS < 1 or not 0 <= USAGE_REMINDER_DAYS_BEFORE < USAGE_REPORT_DAYS:
    raise ImproperlyConfigured(
        "USAGE_REPORT_DAYS must be at least 1 and USAGE_REMINDER_DAYS_BEFORE from 0 to less than it (days)."
    )

# The public page per appeal (/openbaar/<appeal>/): totals, participation and deliveries
# for anyone, without logging in. Off until the fund decides to publish.
PUBLIC_DASHBOARDS = env_bool("PUBLIC_DASHBOARDS", False)

# Largest bank statement file (MT940 or CAMT.053) finance may upload, in bytes.
# A day of the fund's account is a few kilobytes; ten megabytes is years of lines.
BANK_STATEMENT_MAX_BYTES = env_int("BANK_STATEMENT_MAX_BYTES", 10 * 1024 * 1024)

# Request size (pledges.core.uploads). A request body over UPLOAD_MAX_BYTES is refused before it
# is read (five phone photos and the form fit; the proxy's client_max_body_size says the same);
# of a file, no more than the largest a form accepts is kept, in memory or on disk; the form
# fields besides the files take at most 1 MB (the longest text a form takes is far less).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 64 * 1024 * 1024)
if UPLOAD_MAX_BYTES < BANK_STATEMENT_MAX_BYTES:
    raise ImproperlyConfigured("UPLOAD_MAX_BYTES must be at least BANK_STATEMENT_MAX_BYTES.")
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "pledges.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# A finance report with more detail rows than this is written by the task worker, with a
# progress page; a smaller one downloads at once (100,000 rows take about six seconds).
FINANCE_REPORT_DIRECT_ROWS = env_int("FINANCE_REPORT_DIRECT_ROWS", 20_000)

# Payment reminders (pledges/donations/reminders.py): the last one goes this many days after a
# due date that passed unpaid. Mails link to the pledge at LEDGER_URL (the ledger's address).
REMINDER_OVERDUE_DAYS = env_int("REMINDER_OVERDUE_DAYS", 14)
if REMINDER_OVERDUE_DAYS < 1:
    raise ImproperlyConfigured("REMINDER_OVERDUE_DAYS must be at least 1 (days).")
LEDGER_URL = os.environ.get("LEDGER_URL", "http://127.0.0.1:8000").rstrip("/")

# The ledger's totals read running sums (pledges/donations/summary.py); a filter those cannot
# answer (search, amounts, days inside a month) sums at most this many pledges, then shows "≥".
LEDGER_TOTALS_ROW_LIMIT = env_int("LEDGER_TOTALS_ROW_LIMIT", 20_000)
if LEDGER_TOTALS_ROW_LIMIT < 1:
    raise ImproperlyConfigured("LEDGER_TOTALS_ROW_LIMIT must be at least 1 (pledges).")

# Who answers questions about personal data (the privacy statement) and about the ledger in
# general (contact page, accessibility problems). The fund's own addresses by default.
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "privacy@vngfonds.nl")
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "info@vngfonds.nl")

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates the European way (fonds/formats/en/formats.py); Dutch keeps Django's own.
FORMAT_MODULE_PATH = ["fonds.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Django 6.1 mailers. SMTP in production (EMAIL_HOST etc.), console in DEBUG;
# EMAIL_BACKEND overrides the choice (tests get locmem automatically).
EMAIL_BACKEND_PATH = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "VNG Fonds <noreply@vngfonds.nl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: strict unless DEBUG. Behind a TLS-terminating proxy, set
# SECURE_PROXY_SSL_HEADER_ENABLED so Django trusts X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# The language switch's cookie too: check --deploy does not look at it, but it is ours.
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# A logged-in session ends after this many idle minutes, and this many hours after
# its login whatever happens (pledges.accounts.sessions).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 8)
if SESSION_IDLE_TIMEOUT < 1 or SESSION_ABSOLUTE_TIMEOUT < 1:
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT (minutes) and SESSION_ABSOLUTE_TIMEOUT (hours) must be at least 1.")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading binds the whole vngfonds.nl domain to HTTPS in browsers for good: a
# decision for the fund's domain owner, not for this app, so its reminder is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere: pages work without JavaScript, and any
# script we add later must carry the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

DJANGO_TABLES2_TEMPLATE = "tables/table.html"
DJANGO_TABLES2_PAGE_RANGE = 8

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# Every line once, through the root's handler. Django's own default configuration gives the
# "django" logger a console handler of its own (in DEBUG) while it also propagates to the root:
# without the "django" entry here, every warning of Django (a 404, a refused CSRF token) and every
# task run printed twice under `make run`. Naming the logger replaces the handlers Django gave it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL, "propagate": True}},
}
