"""Django settings, read from the environment with safe defaults for the embedded (SQLite) mode."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("XINYONG_DATA_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _embedded_secret_key() -> str:
    # The embedded mode keeps a generated key beside its data so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


# The audit trail's key (HMAC of every event, Ed25519 signature of anchors) lives outside the database:
# XINYONG_AUDIT_KEY itself, or a file (by default generated once into the data folder; production keeps it
# elsewhere). Anchors, signed checkpoints of the chain's head, are written to a folder outside the database.
XINYONG_AUDIT_KEY = os.environ.get("XINYONG_AUDIT_KEY", "")
XINYONG_AUDIT_KEY_FILE = Path(os.environ.get("XINYONG_AUDIT_KEY_FILE") or DATA_DIR / "audit_key")
XINYONG_AUDIT_ANCHOR_DIR = Path(os.environ.get("XINYONG_AUDIT_ANCHOR_DIR") or DATA_DIR / "anchors")

DEBUG = _env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or _embedded_secret_key()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "xinyong.core",
    "xinyong.audit",
    "xinyong.org",
    "xinyong.access",
    "xinyong.subjects",
    "xinyong.catalog",
    "xinyong.records",
    "xinyong.intake",
    "xinyong.web",
    "xinyong.portal",
    "xinyong.lists",
    "xinyong.ops",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "xinyong.core.security.SecurityHeadersMiddleware",
    # Before sessions and authentication: a refused request costs no database work beyond its count.
    "xinyong.access.ratelimit.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL or an unpaired surrogate in a URL is refused (400, the 400 page knows the user) before any view sees it.
    "xinyong.core.params.UnstorableTextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xinyong.audit.middleware.RequestContextMiddleware",
    # Last, as django-axes asks: it turns a login refused for lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xinyong.urls"
WSGI_APPLICATION = "xinyong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinyong.web.context.navigation",
                "xinyong.core.context_processors.clock_banner",
                "xinyong.core.context_processors.security",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'xinyong.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # SQLite's default page cache (2 MB) makes every insert into a large table's indexes go to the file once
    # the indexes outgrow it; a million-row import then runs at a third of its speed. Pages are taken as used.
    _cache_kib = int(os.environ.get("XINYONG_SQLITE_CACHE_MB", "256")) * 1024
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        f"PRAGMA cache_size=-{_cache_kib};",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# The password policy, with Chinese messages: Django admin, `changepassword`, `createsuperuser` and the
# user_create service apply it wherever a person chooses a password.
XINYONG_PASSWORD_MIN_LENGTH = int(os.environ.get("XINYONG_PASSWORD_MIN_LENGTH", "12"))
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "xinyong.org.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": XINYONG_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "xinyong.org.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "xinyong.org.passwords.CommonPasswordValidator"},
    {"NAME": "xinyong.org.passwords.UserAttributeSimilarityValidator"},
]

# Login protection (django-axes): failed logins are counted in the database (shared by every server process)
# per account and per client address; either reaching its limit within the cool-off locks logins of that
# account or from that address until the cool-off has passed since the failure that locked it (refused
# attempts during the lock do not prolong it). An office behind one NAT address shares the address's count,
# hence its larger limit. xinyong.access.logins holds the pieces; `xinyong login` lists and lifts locks.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
XINYONG_LOGIN_FAILURE_LIMIT = int(os.environ.get("XINYONG_LOGIN_FAILURE_LIMIT", "5"))
XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
XINYONG_LOGIN_COOLOFF_MINUTES = int(os.environ.get("XINYONG_LOGIN_COOLOFF_MINUTES", "15"))
for _name, _value in (
    ("XINYONG_LOGIN_FAILURE_LIMIT", XINYONG_LOGIN_FAILURE_LIMIT),
    ("XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT", XINYONG_LOGIN_ADDRESS_FAILURE_LIMIT),
    ("XINYONG_LOGIN_COOLOFF_MINUTES", XINYONG_LOGIN_COOLOFF_MINUTES),
):
    if _value < 1:
        raise ValueError(f"{_name} must be at least 1, not {_value}")
AXES_HANDLER = "xinyong.access.logins.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = XINYONG_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=XINYONG_LOGIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = _env_bool("XINYONG_LOGIN_RESET_ON_SUCCESS", True)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "xinyong.access.logins.login_address"
AXES_LOCKOUT_CALLABLE = "xinyong.web.views.login_locked_out"
# The audit trail records logins and logouts; axes' own access log would keep the same facts a second time.
AXES_DISABLE_ACCESS_LOG = True
# Locks are lifted through xinyong.org's admin page and `xinyong login unlock`, both audited.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security. Production runs behind a reverse proxy that terminates HTTPS and sets X-Forwarded-Proto:
# XINYONG_HTTPS=1 then turns on HSTS, secure cookies and the redirect of plain HTTP to HTTPS.
HTTPS = _env_bool("XINYONG_HTTPS")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("XINYONG_SSL_REDIRECT", True)
    # A load balancer's health check reaches the server directly over HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/public/ping$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("XINYONG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("XINYONG_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("XINYONG_HSTS_PRELOAD", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Pages hand htmx the CSRF token in the markup; no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The content-security policy and Permissions-Policy: xinyong.core.security. Report-only is for trying a
# changed template against the policy without breaking it.
XINYONG_CSP_REPORT_ONLY = _env_bool("XINYONG_CSP_REPORT_ONLY")
# Turning a directive off on purpose is a decision, not an oversight Django should keep reminding about.
SILENCED_SYSTEM_CHECKS = [
    *([] if not HTTPS or SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if not HTTPS or SECURE_HSTS_PRELOAD else ["security.W021"]),
    *([] if not HTTPS or SECURE_SSL_REDIRECT else ["security.W008"]),
]

# Django's cache: `locmem` (default; each server process keeps its own) or `database` (shared by all processes
# and servers; run `xinyong createcachetable` once). The public rate limits count here.
XINYONG_CACHE = os.environ.get("XINYONG_CACHE", "locmem").strip().lower()
_CACHE_BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "xinyong"},
    # Django counts the table's rows on every write and culls expired entries past MAX_ENTRIES: kept small, the
    # count stays cheap, and a rate-limit entry lives only as long as its client's burst window.
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "xinyong_cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
if XINYONG_CACHE not in _CACHE_BACKENDS:
    raise ValueError(f"XINYONG_CACHE must be one of {', '.join(_CACHE_BACKENDS)}, not {XINYONG_CACHE!r}")
CACHES = {"default": _CACHE_BACKENDS[XINYONG_CACHE]}

# Rate limits of the public pages and public API, per client a minute, with the burst allowed at once.
# Anonymous clients are counted by address; government systems with an API token by token. 0 turns a limit off.
XINYONG_RATELIMIT_PATHS = ("/public/", "/api/v1/public/")
XINYONG_RATELIMIT_PER_MINUTE = int(os.environ.get("XINYONG_RATELIMIT_PER_MINUTE", "60"))
XINYONG_RATELIMIT_BURST = int(os.environ.get("XINYONG_RATELIMIT_BURST", "20"))
XINYONG_RATELIMIT_TOKEN_PER_MINUTE = int(os.environ.get("XINYONG_RATELIMIT_TOKEN_PER_MINUTE", "600"))
XINYONG_RATELIMIT_TOKEN_BURST = int(os.environ.get("XINYONG_RATELIMIT_TOKEN_BURST", "100"))
# How many reverse proxies stand in front of the server: the client's address is then read from
# X-Forwarded-For (0: the connection's own address, which a client cannot forge).
XINYONG_TRUSTED_PROXIES = int(os.environ.get("XINYONG_TRUSTED_PROXIES", "0"))

# Limits on what an import will read; a clerk's file beyond them is refused with a clear message.
XINYONG_IMPORT_MAX_BYTES = int(os.environ.get("XINYONG_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
XINYONG_IMPORT_MAX_ROWS = int(os.environ.get("XINYONG_IMPORT_MAX_ROWS", "2000000"))
# A spreadsheet's columns (CSV too), and a worksheet's used range and an .xlsx's unpacked size: python-calamine
# holds a whole worksheet, about 70 bytes a cell while it loads, so the cell limit bounds an import's memory.
XINYONG_IMPORT_MAX_COLUMNS = int(os.environ.get("XINYONG_IMPORT_MAX_COLUMNS", "500"))
XINYONG_IMPORT_MAX_CELLS = int(os.environ.get("XINYONG_IMPORT_MAX_CELLS", "5000000"))
XINYONG_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("XINYONG_IMPORT_MAX_UNPACKED_BYTES", str(1024**3)))
# Files at least this large are checked in a second process while the first one writes (0 turns it off).
XINYONG_IMPORT_PARALLEL_BYTES = int(os.environ.get("XINYONG_IMPORT_PARALLEL_BYTES", str(2 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

from xinyong.settings_tasks import (  # noqa: E402
    EXTRA_APPS,
    TASKS,  # noqa: F401
    XINYONG_BACKGROUND_IMPORT_BYTES,  # noqa: F401
    XINYONG_IMPORT_STALE_SECONDS,  # noqa: F401
    XINYONG_TASKS_BACKEND,  # noqa: F401
)

INSTALLED_APPS += EXTRA_APPS

# Joint reward and punishment: the name-match score from which a list entry is a hit, and monitoring alerts by mail
# (Django's EMAIL_* settings say where mail goes; off by default: an intranet often has no mail relay).
XINYONG_MATCH_THRESHOLD = float(os.environ.get("XINYONG_MATCH_THRESHOLD", "0.85"))
XINYONG_ALERT_EMAIL = _env_bool("XINYONG_ALERT_EMAIL")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xinyong@localhost")
