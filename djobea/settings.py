"""Djobea settings. The only module that reads the environment (see README, Configuration)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="djobea-development-only-not-secret")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_q",
    "health_check",
    "django_prometheus",
    "djobea.apps.DjobeaConfig",
    "reliability",
    "messaging",
    "marketplace",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "djobea.middleware.RejectNulQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "djobea.urls"
WSGI_APPLICATION = "djobea.wsgi.application"

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

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'djobea.sqlite3'}"),
}
_PROMETHEUS_ENGINES = {
    # django-prometheus' SQLite wrapper plus writes deferred to the end of a transaction, so failure
    # records outlive a rollback on SQLite too (reliability.errors).
    "django.db.backends.sqlite3": "reliability.dbbackends.sqlite3",
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
}
DATABASES["default"]["ENGINE"] = _PROMETHEUS_ENGINES.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)
if "sqlite" in DATABASES["default"]["ENGINE"]:
    # Several processes (web, task cluster) share the file: wait for locks, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASES["default"].setdefault("TEST", {})
# Persistent connections, checked before reuse: a process whose connection the database dropped (a restart,
# a terminated backend) reconnects on its next unit of work instead of failing until restarted.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: django-q2 broker and cache when set ----------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# "shared": what every process must see the same way (API throttle, login attempts): Redis when set,
# else a database table (created by migrate), never process memory.
if REDIS_URL:
    # Django's own backend needs only the pinned `redis` package; django-prometheus' Redis wrapper
    # imports django_redis at load time, and without it every manage.py command failed at start.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CACHES["shared"] = CACHES["default"]
else:
    CACHES = {
        "default": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache"},
        "shared": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "djobea_shared_cache"},
    }
# Per-process memo of hot reads (degradation level, quota marks) for a second or two: never shared state.
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "djobea-local"}

# django-q2 is a pump, not the source of truth: our tables hold retry and attempt state
# (ARCHITECTURE §6). djobea.checks enforces these rules.
# Two queues, so nothing waits behind bulk work (README, Scale out): the default cluster "djobea"
# runs conversations (inbound processing); the "ops" cluster (`Q_CLUSTER_NAME=ops manage.py qcluster`)
# runs every schedule (heartbeat, timers, alerts, sweeps). Both are needed.
Q_OPS_CLUSTER = "ops"
Q_CLUSTER = {
    "name": "djobea",
    # Processing a message waits on the database as much as it computes: 4 workers drained a burst
    # of 300 new clients in 9.8 s on 2 cores, 2 workers in 13.6 s (scripts/bench).
    "workers": env.int("Q_WORKERS", default=4),
    "ALT_CLUSTERS": {Q_OPS_CLUSTER: {"workers": env.int("Q_OPS_WORKERS", default=2)}},
    "timeout": 60,
    "retry": 120,
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Tâches / Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    Q_CLUSTER["broker_class"] = "djobea.q_broker.PooledRedis"
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.5

# --- Auth, i18n -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Admin logins: failures counted per account and per address in CACHES["shared"] (djobea.login_limits).
AUTHENTICATION_BACKENDS = ["djobea.login_limits.RateLimitedModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# Behind a proxy every request comes from the proxy's address: name the header it sets (e.g.
# HTTP_X_FORWARDED_FOR) so the per-address limit counts clients, not the proxy.
LOGIN_CLIENT_IP_HEADER = env.str("LOGIN_CLIENT_IP_HEADER", default="")
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Douala"
USE_I18N = True
USE_TZ = True
PHONE_DEFAULT_REGION = "CM"

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Production hardening (manage.py check --deploy is clean with DEBUG off) -------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Email ------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Djobea <noreply@djobea.cm>")
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)  # SMTP socket timeout (Django's default: none)
STAFF_ALERT_EMAILS = env.list("STAFF_ALERT_EMAILS", default=[])
ALERT_WEBHOOK_URL = env.str("ALERT_WEBHOOK_URL", default="")

# --- Operations: alerts, health, monitoring (README, Operations) ------------------------
ALERT_COOLDOWN_MINUTES = env.int("ALERT_COOLDOWN_MINUTES", default=30)
ALERT_WEBHOOK_TIMEOUT_SECONDS = env.float("ALERT_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=180)
# After a start, the task cluster has this long to beat before a missing heartbeat counts as an outage.
HEARTBEAT_STARTUP_GRACE_SECONDS = env.int("HEARTBEAT_STARTUP_GRACE_SECONDS", default=120)
TASK_FAILURE_WINDOW_MINUTES = env.int("TASK_FAILURE_WINDOW_MINUTES", default=60)  # "task-failures" alert
SCHEDULE_LATE_SECONDS = env.int("SCHEDULE_LATE_SECONDS", default=300)  # "schedules-late" alert
OUTBOX_LAG_WARNING_SECONDS = env.int("OUTBOX_LAG_WARNING_SECONDS", default=120)
OUTBOX_LAG_CRITICAL_SECONDS = env.int("OUTBOX_LAG_CRITICAL_SECONDS", default=600)
DEAD_LETTER_GROWTH_THRESHOLD = env.int("DEAD_LETTER_GROWTH_THRESHOLD", default=10)  # new ones per hour
MONITORING_MIN_SAMPLE = env.int("MONITORING_MIN_SAMPLE", default=10)  # final outcomes per hour, else "Idle"
MONITORING_REFRESH_SECONDS = env.int("MONITORING_REFRESH_SECONDS", default=30)
# Several processes (gunicorn workers, task cluster): a shared directory for their counters.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_THROTTLE_CLASSES": ["reliability.monitoring.api_access.SharedUserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_THROTTLE_RATE", default="120/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Djobea monitoring API",
    "VERSION": "1.0.0",
    # The schema is for those who may read the API (the dashboard's permission).
    "SERVE_PERMISSIONS": ["reliability.monitoring.api_access.HasRequiredPermissions"],
}

# --- Messaging --------------------------------------------------------------------------
MESSAGING_BACKEND = env.str("MESSAGING_BACKEND", default="console")  # console | twilio
MESSAGING_INBOUND_HANDLER = env.str(
    "MESSAGING_INBOUND_HANDLER", default="marketplace.conversation.handle_inbound"
)
# Optional step run before the handler's transaction (slow network work such as the llm parser).
MESSAGING_INBOUND_PREPARE = env.str("MESSAGING_INBOUND_PREPARE", default="marketplace.conversation.prepare_inbound")
MESSAGING_MAX_BODY_CHARS = 4096
# Inbound webhook and processing (messaging.inbound).
MESSAGING_MAX_REQUEST_BYTES = 64 * 1024  # larger webhook bodies get 413 before any parsing
INBOUND_RETRY_BASE_SECONDS = env.float("INBOUND_RETRY_BASE_SECONDS", default=30.0)
INBOUND_RETRY_CAP_SECONDS = env.float("INBOUND_RETRY_CAP_SECONDS", default=900.0)
INBOUND_RETRY_MAX_ATTEMPTS = env.int("INBOUND_RETRY_MAX_ATTEMPTS", default=5)
# A claimed inbound message is retried after this if its worker died: a killed node's client waits under a minute.
INBOUND_LEASE_SECONDS = env.int("INBOUND_LEASE_SECONDS", default=45)
# Floods and auto-responder loops (messaging.inbound.flood): past these, a sender's messages are
# stored but not answered, with one notice an hour and a staff alert.
INBOUND_FLOOD_WINDOW_SECONDS = env.int("INBOUND_FLOOD_WINDOW_SECONDS", default=60)
INBOUND_FLOOD_MAX_MESSAGES = env.int("INBOUND_FLOOD_MAX_MESSAGES", default=10)
INBOUND_FLOOD_REPEAT_WINDOW_SECONDS = env.int("INBOUND_FLOOD_REPEAT_WINDOW_SECONDS", default=600)
INBOUND_FLOOD_MAX_REPEATS = env.int("INBOUND_FLOOD_MAX_REPEATS", default=3)
# Signed webhooks received while the database is down wait here (local disk of each web node) and
# are stored when it is back: each web process drains every INBOUND_SPOOL_DRAIN_SECONDS.
INBOUND_SPOOL_DIR = env.str("INBOUND_SPOOL_DIR", default=str(BASE_DIR / "var" / "inbound-spool"))
INBOUND_SPOOL_DRAIN_SECONDS = env.float("INBOUND_SPOOL_DRAIN_SECONDS", default=5.0)
# Where the simulator finds demo clients and providers to write as (a function returning
# [{"phone", "label", "role"}]); a dotted path so messaging never imports marketplace.
MESSAGING_SIMULATOR_CONTACTS = "marketplace.selectors.simulator_contacts"
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_WHATSAPP_FROM = env.str("TWILIO_WHATSAPP_FROM", default="")
TWILIO_SMS_FROM = env.str("TWILIO_SMS_FROM", default="")
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="https://api.twilio.com").rstrip("/")
TWILIO_TIMEOUT_SECONDS = env.float("TWILIO_TIMEOUT_SECONDS", default=10.0)
# The Twilio configuration check (credentials, senders) is cached this long (messaging.twilio_config).
TWILIO_CONFIG_CHECK_SECONDS = env.int("TWILIO_CONFIG_CHECK_SECONDS", default=300)
TWILIO_WHATSAPP_TEMPLATE_SID = env.str("TWILIO_WHATSAPP_TEMPLATE_SID", default="")
# Console channel fault injection, for demos and tests: rate in [0, 1], a Twilio code, a delay.
CONSOLE_FAIL_RATE = env.float("CONSOLE_FAIL_RATE", default=0.0)
CONSOLE_FAIL_CODE = env.str("CONSOLE_FAIL_CODE", default="")
CONSOLE_FAIL_CHANNELS = env.list("CONSOLE_FAIL_CHANNELS", default=["whatsapp"])
CONSOLE_DELAY_SECONDS = env.float("CONSOLE_DELAY_SECONDS", default=0.0)
# Each channel, declared once (messaging.channels.ChannelSpec): the recipient's address it needs, its backend
# per MESSAGING_BACKEND, full-jitter retry (base, cap, attempts) before the next channel, its breaker, its
# rolling 24-hour quota (None: unlimited), its per-sender ceiling shared by every node, and the outbox
# worker's concurrent sends (Twilio allows about 80 messages/s per sender; each create is a ~300 ms round trip).
_BREAKER_OPEN_SECONDS = env.float("BREAKER_OPEN_SECONDS", default=60.0)
MESSAGING_CHANNELS = {
    "whatsapp": {
        "address": "phone",
        "backends": {"console": "messaging.channels.console.ConsoleChannel",
                     "twilio": "messaging.channels.twilio.TwilioWhatsAppChannel"},
        "retry": {"base": 30.0, "cap": 900.0, "attempts": 4},
        "breaker": {"window_size": 20, "minimum_calls": 10, "failure_rate": 50, "slow_call_seconds": 10,
                    "open_seconds": _BREAKER_OPEN_SECONDS},
        "daily_limit": env.int("WHATSAPP_DAILY_LIMIT", default=None),
        "max_per_second": env.int("WHATSAPP_MAX_PER_SECOND", default=80),
        "concurrency": env.int("WHATSAPP_SEND_CONCURRENCY", default=16),
    },
    "sms": {
        "address": "phone",
        "backends": {"console": "messaging.channels.console.ConsoleChannel",
                     "twilio": "messaging.channels.twilio.TwilioSMSChannel"},
        "retry": {"base": 30.0, "cap": 900.0, "attempts": 4},
        "breaker": {"window_size": 20, "minimum_calls": 10, "failure_rate": 50, "slow_call_seconds": 10,
                    "open_seconds": _BREAKER_OPEN_SECONDS},
        "daily_limit": env.int("SMS_DAILY_LIMIT", default=None),
        "max_per_second": env.int("SMS_MAX_PER_SECOND", default=80),  # Twilio queues beyond a sender's MPS
        "concurrency": env.int("SMS_SEND_CONCURRENCY", default=16),
    },
    "email": {
        "address": "email",
        "backends": {"console": "messaging.channels.email.EmailChannel",
                     "twilio": "messaging.channels.email.EmailChannel"},
        "retry": {"base": 60.0, "cap": 1800.0, "attempts": 3},
        "breaker": {"window_size": 10, "minimum_calls": 5, "failure_rate": 50, "slow_call_seconds": 15,
                    "open_seconds": _BREAKER_OPEN_SECONDS},
        "daily_limit": None,
        "max_per_second": None,
        "concurrency": env.int("EMAIL_SEND_CONCURRENCY", default=2),
    },
}
MESSAGING_UNKNOWN_CODE_ATTEMPTS = 2  # unrecognised error codes: fewer retries, plus an ErrorEvent
# A lease covers one send (and a lookup): renewed before each, so a killed node's rows are due again in under a minute.
MESSAGING_LEASE_SECONDS = env.int("MESSAGING_LEASE_SECONDS", default=40)
# Transient failures and outages never dead-letter before this; the message waits for a channel to come back.
MESSAGING_GIVE_UP_HOURS = env.float("MESSAGING_GIVE_UP_HOURS", default=24.0)
# While it waits on its chain, a message is tried again at most this long apart (full jitter), so an open
# breaker gets its probe (BREAKER_OPEN_SECONDS, 60) and the message sees its channel come back within two minutes.
MESSAGING_OUTAGE_RECHECK_SECONDS = env.float("MESSAGING_OUTAGE_RECHECK_SECONDS", default=60.0)
# After a timed-out send, the first lookup waits this long so that Twilio has the message (then it is adopted).
MESSAGING_LOOKUP_DELAY_SECONDS = env.float("MESSAGING_LOOKUP_DELAY_SECONDS", default=5.0)
# A message whose lease expires this many times (it kills its worker) is dead-lettered as poison.
MESSAGING_POISON_LIMIT = env.int("MESSAGING_POISON_LIMIT", default=3)
# A message SENT this long on a channel with receipts and no status callback is looked up at Twilio.
MESSAGING_RECEIPT_WAIT_MINUTES = env.float("MESSAGING_RECEIPT_WAIT_MINUTES", default=30.0)
MESSAGING_BATCH_SIZE = env.int("MESSAGING_BATCH_SIZE", default=50)
# The outbox worker's idle poll when no NOTIFY can wake it (SQLite).
MESSAGING_POLL_SECONDS = env.float("MESSAGING_POLL_SECONDS", default=0.25)
MESSAGING_RETENTION_DAYS = env.int("MESSAGING_RETENTION_DAYS", default=90)  # attempts, settled messages
MESSAGING_QUOTA_RESERVE = 0.1  # the last 10 % of a daily quota is kept for high-priority messages

# --- Circuit breakers (reliability.breakers; resilience4j semantics, shared through the database) ---
# Per name, any key of reliability.breakers.DEFAULT_CONFIG: window_size, minimum_calls,
# failure_rate / slow_call_rate (percent), slow_call_seconds, open_seconds, half_open_permits,
# permit_ttl_seconds.
BREAKERS = {
    **{kind: spec["breaker"] for kind, spec in MESSAGING_CHANNELS.items()},  # declared with each channel
    "ai": {"window_size": 20, "minimum_calls": 5, "failure_rate": 50, "slow_call_seconds": 6,
           "open_seconds": 30.0, "half_open_permits": 2},
}
# Each process may cache a breaker's state this long (0: always read the row).
BREAKER_CACHE_SECONDS = env.float("BREAKER_CACHE_SECONDS", default=1.0)

# --- Marketplace ------------------------------------------------------------------------
AI_BACKEND = env.str("AI_BACKEND", default="rules")  # rules | llm
AI_BASE_URL = env.str("AI_BASE_URL", default="")
AI_API_KEY = env.str("AI_API_KEY", default="")
AI_MODEL = env.str("AI_MODEL", default="gpt-4o-mini")
AI_TIMEOUT_SECONDS = env.float("AI_TIMEOUT_SECONDS", default=8.0)
OFFER_TIMEOUT_MINUTES = env.int("OFFER_TIMEOUT_MINUTES", default=10)
SEARCH_DEADLINE_MINUTES = env.int("SEARCH_DEADLINE_MINUTES", default=45)
# seed_demo's staff login "admin"; without it a fixed demo password is used (refused when DEBUG is off).
DEMO_ADMIN_PASSWORD = env.str("DJOBEA_ADMIN_PASSWORD", default="")
# An urgent request's offer waits less, so a second provider is asked within 5 minutes if the first is silent.
OFFER_TIMEOUT_URGENT_MINUTES = env.int("OFFER_TIMEOUT_URGENT_MINUTES", default=3)

# --- Logging: JSON in production, masked phone numbers always -----------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_phones": {"()": "reliability.logging.MaskPhonesFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["mask_phones"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The twilio client logs every request's headers at INFO: too chatty for the outbox.
    "loggers": {"twilio.http_client": {"level": "WARNING"}},
}
