"""Detox Desk settings: one file, every value from an environment variable.

Typed helpers raise on malformed values so a typo fails at start-up instead of
silently falling back. Secrets may also be given as ``NAME_FILE`` (a path whose
contents are the value). ``.env.example`` lists every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or the contents of the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    raw = env_str(name, default) or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


ENVIRONMENT = env_str("DETOXDESK_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DETOXDESK_ENV must be development or production, not {ENVIRONMENT!r}."
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on in production.")

_secret = env_str("SECRET_KEY")
if PRODUCTION and not _secret:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required in production.")


def _development_secret() -> str:
    """A per-checkout key kept in var/, so sessions survive a development restart."""
    path = PROJECT_DIR / "var" / "development-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret or _development_secret()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The demo accounts share one documented password; it may never exist in production.
DEMO_ALLOWED = not PRODUCTION

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "detoxdesk.accounts",
    "detoxdesk.audit",
    "detoxdesk.patients",
    "detoxdesk.monitoring",
    "detoxdesk.intake",
    "detoxdesk.medications",
    "detoxdesk.controlled",
    "detoxdesk.tapers",
    "detoxdesk.labs",
    "detoxdesk.outpatient",
    "detoxdesk.notes",
    "detoxdesk.aftercare",
    "detoxdesk.directory",
    "detoxdesk.portal",
    "detoxdesk.staff",
    "detoxdesk.beds",
    "detoxdesk.disclosures",
    "detoxdesk.reports",
    "detoxdesk.api",
    "detoxdesk.exports",
    "detoxdesk.demo",
    "detoxdesk.board",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "detoxdesk.lib.middleware.RequestIdMiddleware",
    "detoxdesk.lib.middleware.WriteTransactionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "detoxdesk.lib.middleware.UnreadableApiBodyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "detoxdesk.lib.middleware.SessionActivityMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "detoxdesk.accounts.middleware.SecondFactorMiddleware",
    "detoxdesk.patients.middleware.ProgramTimezoneMiddleware",
    "detoxdesk.audit.middleware.AccessDeniedAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "detoxdesk.lib.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "detoxdesk.config.urls"
WSGI_APPLICATION = "detoxdesk.config.wsgi.application"

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
                "detoxdesk.staff.context.site",
            ],
        },
    },
]

_default_db = f"sqlite:///{PROJECT_DIR / 'var' / 'detoxdesk.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", _default_db) or _default_db, conn_max_age=60
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {exc}") from None
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Just-in-time compilation pays off only for long analytic queries; for the quality
    # report over years it spent seconds compiling a query that runs in a fraction of that.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # Prepared statements: a statement run a few times on a connection is parsed once. Each run
    # is still planned for its own values (plan_cache_mode): a plan reused without the values
    # cannot tell a stay of 20 assessments from one of 32,000, and read the long one whole for
    # its latest CIWA-Ar. A pooler in front of PostgreSQL that hands one client's statements to
    # several server connections (PgBouncer in transaction mode before 1.21, or without
    # max_prepared_statements) cannot keep them: DATABASE_PREPARED_STATEMENTS=false.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
        DATABASES["default"]["OPTIONS"]["options"] += " -c plan_cache_mode=force_custom_plan"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "patients:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "detoxdesk.accounts.validators.NotDemoPasswordValidator"},
]

# Sign-in protection (security settings, not clinical parameters). Every password check goes
# through detoxdesk.accounts.auth.check_password, which django-axes guards: the first backend
# refuses a locked combination before any password is hashed, and each failure is recorded in axes'
# tables (shared by every worker, kept across restarts) as well as in the audit log.
LOGIN_LOCKOUT_ATTEMPTS = env_int("LOGIN_LOCKOUT_ATTEMPTS", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "detoxdesk.accounts.backends.AccountBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Read from the two settings above at each check, so they stay the one place to change.
AXES_FAILURE_LIMIT = "detoxdesk.accounts.auth.failure_limit"
AXES_COOLOFF_TIME = "detoxdesk.accounts.auth.cool_off"
# A lock holds one username at one address. Locking the username alone would let anyone lock
# any clinician out from anywhere; locking the address alone would lock a whole ward sharing
# one outgoing address. Guessing many usernames from one address still costs a full Argon2
# hash per try, and a reverse proxy can cap requests per address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A failure during a lockout is refused and audited but does not extend the cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "detoxdesk.lib.http.client_ip"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# The product shows its own message on each form (sign-in, second signer, re-authentication)
# instead of axes' lockout response, so axes' middleware is not installed.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

# Multi-factor sign-in (django-otp): authenticator apps (TOTP) and one-time recovery codes.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Detox Desk")
MFA_RECOVERY_CODES = 10
# Signing an order or a discharge asks for the password or a code again when the last
# confirmation is older than this.
REAUTH_MINUTES = env_int("REAUTH_MINUTES", 5, minimum=1)

# Password reset e-mail goes through Django's mail framework: SMTP in production or whenever
# EMAIL_HOST is set; otherwise (development) messages are printed on the console.
_smtp = PRODUCTION or bool(os.environ.get("EMAIL_HOST"))
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if _smtp
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "detoxdesk@localhost")
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 24, minimum=1) * 3600

# Automatic sign-out after a period of inactivity. A request renews the session when its last
# renewal is SESSION_ACTIVITY_SECONDS or more ago (lib.middleware.SessionActivityMiddleware), so a
# session is written at most once in that time instead of on every request; the sign-out comes
# between SESSION_IDLE_MINUTES less those seconds and SESSION_IDLE_MINUTES after the last request.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 15, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_ACTIVITY_SECONDS = env_int("SESSION_ACTIVITY_SECONDS", 60, minimum=1)
if SESSION_ACTIVITY_SECONDS >= SESSION_COOKIE_AGE:
    raise ImproperlyConfigured(
        "SESSION_ACTIVITY_SECONDS must be shorter than SESSION_IDLE_MINUTES."
    )
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True
# One display format for dates and times on every page (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["detoxdesk.config.formats"]

STATIC_URL = "static/"
# collectstatic target in production; in development files are served from the apps.
STATIC_ROOT = (
    Path(env_str("STATIC_ROOT", str(PROJECT_DIR / "var" / "static")) or "") if PRODUCTION else None
)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if not SECURE_HSTS_PRELOAD:
        # Opting out of the preload list is a deliberate choice, not an oversight.
        SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The least severe record written, Django's own included: its loggers pass their records up to
# these handlers whatever the root's level, so the level is the handler's too (LOG_LEVEL=ERROR
# leaves out the warning Django logs for every 4xx answer).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LEVEL = (env_str("LOG_LEVEL", "") or "WARNING").strip().upper()
if LOG_LEVEL not in LOG_LEVELS:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {env_str('LOG_LEVEL')!r}."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# Record-keeping (not clinical parameters): an entry more than this long after the event
# is shown as a late entry with both times; a time this far ahead of the clock is refused.
LATE_ENTRY_MINUTES = env_int("LATE_ENTRY_MINUTES", 15, minimum=1)

# Display (not clinical parameters): the chart's trends cover the stay's last this many hours
# (one point per hour: its highest score); the census board lists this many episodes a page.
CHART_TREND_HOURS = env_int("CHART_TREND_HOURS", 72, minimum=1)
CENSUS_PAGE_SIZE = env_int("CENSUS_PAGE_SIZE", 50, minimum=5)
PATIENT_SEARCH_PAGE_SIZE = env_int("PATIENT_SEARCH_PAGE_SIZE", 25, minimum=5)

# Limits live in a cache every worker shares: the database's cache table by default (created by
# a migration), Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "") or ""
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "detoxdesk_cache",
        }
    )
}

# The client address: REMOTE_ADDR, or, behind reverse proxies, the address the nearest trusted
# proxy saw, read from TRUSTED_PROXY_HEADER (e.g. X-Forwarded-For) counting TRUSTED_PROXY_COUNT
# proxies back from the right.
TRUSTED_PROXY_HEADER = env_str("TRUSTED_PROXY_HEADER", "") or ""
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if TRUSTED_PROXY_HEADER else 0)
if TRUSTED_PROXY_HEADER and TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be at least 1 with TRUSTED_PROXY_HEADER.")

# Operational limits (not clinical): public forms, public search and portal invitations.
INQUIRY_RATE_LIMIT = env_int("INQUIRY_RATE_LIMIT", 5, minimum=1)
INQUIRY_RATE_WINDOW_SECONDS = env_int("INQUIRY_RATE_WINDOW_SECONDS", 3600, minimum=1)
DIRECTORY_PUBLIC_SEARCHES_PER_MINUTE = env_int(
    "DIRECTORY_PUBLIC_SEARCHES_PER_MINUTE", 30, minimum=1
)
PORTAL_INVITATION_HOURS = env_int("PORTAL_INVITATION_HOURS", 72, minimum=1)
# Staff administration (not clinical): how long a staff invitation link works, and how long an
# emergency ("break the glass") opening of a chart outside one's facilities lasts.
STAFF_INVITATION_HOURS = env_int("STAFF_INVITATION_HOURS", 72, minimum=1)
EMERGENCY_ACCESS_MINUTES = env_int("EMERGENCY_ACCESS_MINUTES", 60, minimum=1)
EMERGENCY_REASON_MIN_LENGTH = env_int("EMERGENCY_REASON_MIN_LENGTH", 20, minimum=1)
FUTURE_TOLERANCE_SECONDS = env_int("FUTURE_TOLERANCE_SECONDS", 120)
