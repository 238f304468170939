"""Settings for Jiedu, read from the environment.

Every deployment value comes from an environment variable; the defaults serve `make run` on a
developer machine (DEBUG, an SQLite file under var/) and are refused in production.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("JIEDU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


# JIEDU_ENV=development (what `make run` sets) allows the built-in development keys and plain-http
# cookies on localhost. DEBUG is separate and off by default, so even the demo never shows a
# stack trace; turn it on only while debugging (DJANGO_DEBUG=1).
DEVELOPMENT = os.environ.get("JIEDU_ENV", "production").strip().lower() == "development"
DEBUG = env_bool("DJANGO_DEBUG", False)
_DEV_DEFAULTS = DEVELOPMENT or DEBUG

# Development-only fallbacks. They are public (in this file), so production refuses them.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="
_DEV_BLIND_INDEX_KEY = "dev-only-blind-index-key-not-for-production"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if _DEV_DEFAULTS else "")
# Fernet keys (comma-separated, newest first, for rotation) that encrypt resident ID numbers.
FIELD_ENCRYPTION_KEYS = [
    k.strip()
    for k in os.environ.get(
        "JIEDU_FIELD_ENCRYPTION_KEYS", _DEV_FIELD_KEY if _DEV_DEFAULTS else ""
    ).split(",")
    if k.strip()
]
# HMAC key for the blind index of ID numbers; it must never change once data exists.
BLIND_INDEX_KEY = os.environ.get(
    "JIEDU_BLIND_INDEX_KEY", _DEV_BLIND_INDEX_KEY if _DEV_DEFAULTS else ""
)

# Missing keys do not stop the settings from loading (so migrations and other tooling work on
# any machine), but they stop the server: the system check core.E001 refuses to serve, and the
# crypto layer and Django's signing refuse to run without them (jiedu/core/checks.py).
_DEFAULT_HOSTS = "127.0.0.1,localhost" if _DEV_DEFAULTS else ""
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", _DEFAULT_HOSTS).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_countries",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "jiedu.core",
    "jiedu.orgs",
    "jiedu.accounts",
    "jiedu.people",
    "jiedu.measures",
    "jiedu.facilities",
    "jiedu.centres",
    "jiedu.evaluations",
    "jiedu.community",
    "jiedu.checkins",
    "jiedu.aftercare",
    "jiedu.analytics",
    "jiedu.imports",
    "jiedu.worklists",
    "jiedu.demo",
]

MIDDLEWARE = [
    "jiedu.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jiedu.core.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiedu.core.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jiedu.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the one writer work side by side under runserver.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

# Background work (design.md): Django's task API with the database backend, so that a deployment
# runs no broker; `manage.py db_worker` runs the tasks (`make run` starts one beside the server).
# Check-in face verification is the first task: a comparison takes a quarter of a second of CPU,
# far more than accepting the check-in, so the phone gets its answer before it is made.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Simplified Chinese is the source language of the UI; English is a translation.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Person photos are personal data: served only through a permission-checked view, never MEDIA_URL.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media-not-served/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not _DEV_DEFAULTS
CSRF_COOKIE_SECURE = not _DEV_DEFAULTS
SESSION_COOKIE_AGE = 8 * 3600  # one shift
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PHOTO_MAX_BYTES = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "jiedu.core.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("JIEDU_LOG_LEVEL", "INFO")},
}

# ECharts animation on the dashboards (the test settings turn it off).
JIEDU_CHART_ANIMATION = True
