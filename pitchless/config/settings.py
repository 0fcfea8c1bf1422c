"""Django settings, read from the environment (``PITCHLESS_*`` and ``DATABASE_URL``).

Every variable is listed, with a comment, in ``.env.example`` and in ``docs/configuration.md``.
The defaults suit one machine: SQLite under ``var/``, debug off unless asked for.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent


def _load_dotenv(path: Path) -> None:
    """Read ``KEY=VALUE`` lines of a ``.env`` file; real environment variables win."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)


_load_dotenv(PROJECT_DIR / ".env")

VAR_DIR = Path(os.environ.get("PITCHLESS_VAR_DIR", "") or PROJECT_DIR / "var")
_DEV_SECRET_KEY = "pitchless-development-key-not-for-production"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


DEBUG = _env_bool("PITCHLESS_DEBUG", False)
#: "production" refuses to start without a real secret key and turns on the secure cookies.
ENVIRONMENT = os.environ.get("PITCHLESS_ENVIRONMENT", "development").strip().lower()
PRODUCTION = ENVIRONMENT == "production"

SECRET_KEY = os.environ.get("PITCHLESS_SECRET_KEY", "") or _DEV_SECRET_KEY
if PRODUCTION and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "PITCHLESS_SECRET_KEY must be set to a random string of 32+ characters in production"
    )

ALLOWED_HOSTS = _env_list(
    "PITCHLESS_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = _env_list("PITCHLESS_CSRF_TRUSTED_ORIGINS", [])
#: The site's public address, for links in e-mails sent from background jobs (digests,
#: expiry warnings), which have no request to read it from. Empty: http://127.0.0.1:8000.
PITCHLESS_SITE_URL = os.environ.get("PITCHLESS_SITE_URL", "").strip().rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "pitchless.core",
    "pitchless.members",
    "pitchless.network",
    "pitchless.exchange",
    # The API; "ninja" serves the API docs' scripts locally instead of from a CDN.
    "ninja",
    "pitchless.api",
    "pitchless.moderation",
    "pitchless.audits",
]

# Members log in with their e-mail address; the model is created by the members app's first
# migration, which every other app's migrations depend on.
AUTH_USER_MODEL = "members.Member"
# Django's backend, refusing suspended members at log-in and on every request.
AUTHENTICATION_BACKENDS = ["pitchless.members.backends.MemberBackend"]
LOGIN_URL = "members:login"
LOGIN_REDIRECT_URL = "network:inbox"
LOGOUT_REDIRECT_URL = "core:home"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pitchless.config.urls"
WSGI_APPLICATION = "pitchless.config.wsgi.application"
ASGI_APPLICATION = "pitchless.config.asgi.application"

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
                "pitchless.network.context_processors.network",
                "pitchless.moderation.context_processors.moderation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'pitchless.sqlite3'}",
        conn_max_age=_env_int("PITCHLESS_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several web workers share one SQLite file: WAL lets readers run beside the writer, and
    # IMMEDIATE transactions take the write lock up front, so a transaction never fails with
    # "database is locked" when it turns from reading to writing; the timeout makes a writer
    # wait its turn instead.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production, whitenoise serves straight from the app folders: no collectstatic needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# A pasted message larger than this is refused before it reaches a view (the guard itself
# reads at most its own cap of characters and says so in the verdict).
DATA_UPLOAD_MAX_MEMORY_SIZE = _env_int("PITCHLESS_MAX_REQUEST_BYTES", 2 * 1024 * 1024)

EMAIL_BACKEND = os.environ.get(
    "PITCHLESS_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("PITCHLESS_EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("PITCHLESS_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("PITCHLESS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PITCHLESS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("PITCHLESS_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("PITCHLESS_EMAIL_USE_SSL", False)
#: Seconds an SMTP exchange may take, so a stalled mail server cannot hold a worker forever.
EMAIL_TIMEOUT = _env_int("PITCHLESS_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("PITCHLESS_FROM_EMAIL", "Pitchless <noreply@localhost>")

SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = _env_bool("PITCHLESS_SSL_REDIRECT", PRODUCTION)
# Load balancers probe the health check over plain HTTP, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = _env_int("PITCHLESS_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

#: "json" writes one JSON object per log line (for a log collector); "plain" (the default) is
#: for people reading a terminal.
PITCHLESS_LOG_FORMAT = os.environ.get("PITCHLESS_LOG_FORMAT", "").strip().lower() or "plain"
if PITCHLESS_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(
        f"PITCHLESS_LOG_FORMAT must be plain or json, got {PITCHLESS_LOG_FORMAT!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": PITCHLESS_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("PITCHLESS_LOG_LEVEL", "INFO")},
}

#: The guard's policy thresholds; any field of ``pitchless.guard.PolicySettings`` may be
#: overridden with ``PITCHLESS_GUARD_<FIELD>`` (see docs/guard.md).
#: Where ``pitchless guard retrain`` writes models, one folder each, and its ``ACTIVE`` pointer.
PITCHLESS_GUARD_MODELS_DIR = Path(
    os.environ.get("PITCHLESS_GUARD_MODELS_DIR", "") or VAR_DIR / "guard-models"
)
#: Set: the site uses that model and retraining never replaces it. Empty: the retrained model
#: named by ``PITCHLESS_GUARD_MODELS_DIR/ACTIVE``, else the bundled one.
PITCHLESS_GUARD_MODEL_PINNED = bool(os.environ.get("PITCHLESS_GUARD_MODEL_DIR", "").strip())


def _active_retrained_model() -> str | None:
    pointer = PITCHLESS_GUARD_MODELS_DIR / "ACTIVE"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = PITCHLESS_GUARD_MODELS_DIR / name
    return str(folder) if name and "/" not in name and folder.is_dir() else None


PITCHLESS_GUARD_MODEL_DIR = (
    os.environ.get("PITCHLESS_GUARD_MODEL_DIR", "").strip() or _active_retrained_model()
)
#: Distinct messages labelled by their recipients before ``guard retrain`` will train.
PITCHLESS_RETRAIN_MIN_LABELS = _env_int("PITCHLESS_RETRAIN_MIN_LABELS", 200)


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


# --- Redis: the shared state of several processes --------------------------------------------
#: One Redis for everything: when set, it is the default of the cache, the Celery broker and the
#: guard's near-duplicate index (each may be pointed elsewhere by its own variable below).
#: Empty (the default): a per-process memory cache, tasks inline, the index in the database.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
if REDIS_URL and not REDIS_URL.startswith(_REDIS_SCHEMES):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
#: Seconds a cache read or write may take before the caller gives up (and, for the log-in
#: limiter, lets the attempt through: see docs/configuration.md).
PITCHLESS_REDIS_TIMEOUT_SECONDS = _env_float("PITCHLESS_REDIS_TIMEOUT_SECONDS", 0.5)

# A shared cache matters once several web workers run: the log-in limiter counts attempts in it.
_CACHE_URL = os.environ.get("PITCHLESS_CACHE_URL", "").strip() or REDIS_URL
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _CACHE_URL,
        "KEY_PREFIX": os.environ.get("PITCHLESS_CACHE_KEY_PREFIX", "").strip() or "pitchless",
        "OPTIONS": {
            # A Redis that stops answering must cost a request a fraction of a second, not
            # hang it: every cache user has a fallback for an unavailable cache.
            "socket_timeout": PITCHLESS_REDIS_TIMEOUT_SECONDS,
            "socket_connect_timeout": PITCHLESS_REDIS_TIMEOUT_SECONDS,
        },
    }
    if _CACHE_URL.startswith(_REDIS_SCHEMES)
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

#: Where the guard's near-duplicate index lives: "redis://..." (default: ``REDIS_URL``) or
#: "database" (the ``BulkFingerprint`` and ``BulkBand`` tables; the default without Redis).
PITCHLESS_BULK_STORE_URL = (
    os.environ.get("PITCHLESS_BULK_STORE_URL", "").strip() or REDIS_URL or "database"
)
if PITCHLESS_BULK_STORE_URL != "database" and not PITCHLESS_BULK_STORE_URL.startswith(
    _REDIS_SCHEMES
):
    raise ImproperlyConfigured("PITCHLESS_BULK_STORE_URL must be 'database' or a redis:// URL")
#: Prefix of the index's Redis keys, so several sites (or test runs) can share one Redis.
PITCHLESS_BULK_STORE_PREFIX = (
    os.environ.get("PITCHLESS_BULK_STORE_PREFIX", "").strip() or "pitchless:bulk:"
)
#: Seconds the index may take in Redis before the message is scored without bulk counts.
PITCHLESS_BULK_STORE_TIMEOUT_SECONDS = _env_float("PITCHLESS_BULK_STORE_TIMEOUT_SECONDS", 0.1)

MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

# --- Members ---------------------------------------------------------------------------------
#: Failed log-ins allowed per e-mail address (and per client address) in the window below.
PITCHLESS_LOGIN_ATTEMPTS = _env_int("PITCHLESS_LOGIN_ATTEMPTS", 5)
PITCHLESS_LOGIN_WINDOW_SECONDS = _env_int("PITCHLESS_LOGIN_WINDOW_SECONDS", 15 * 60)
#: Sign-up attempts (pages and API together) allowed per client address in the window below.
PITCHLESS_SIGNUP_ATTEMPTS = _env_int("PITCHLESS_SIGNUP_ATTEMPTS", 10)
PITCHLESS_SIGNUP_WINDOW_SECONDS = _env_int("PITCHLESS_SIGNUP_WINDOW_SECONDS", 60 * 60)
#: Largest avatar accepted, in bytes (PNG, JPEG, GIF or WebP only).
PITCHLESS_AVATAR_MAX_BYTES = _env_int("PITCHLESS_AVATAR_MAX_BYTES", 512 * 1024)

# --- Invitations ------------------------------------------------------------------------------
#: Invitations a member may send in any rolling 7 days.
PITCHLESS_INVITES_PER_WEEK = _env_int("PITCHLESS_INVITES_PER_WEEK", 100)
#: The lower weekly cap for accounts younger than PITCHLESS_NEW_ACCOUNT_DAYS.
PITCHLESS_NEW_ACCOUNT_INVITES_PER_WEEK = _env_int("PITCHLESS_NEW_ACCOUNT_INVITES_PER_WEEK", 20)
PITCHLESS_NEW_ACCOUNT_DAYS = _env_int("PITCHLESS_NEW_ACCOUNT_DAYS", 30)
#: Invitations a member may have waiting for an answer at once.
PITCHLESS_MAX_PENDING_INVITES = _env_int("PITCHLESS_MAX_PENDING_INVITES", 200)
#: Days before the same person may be invited again after a withdrawal or an ignore.
PITCHLESS_REINVITE_COOLDOWN_DAYS = _env_int("PITCHLESS_REINVITE_COOLDOWN_DAYS", 21)
#: Days after which an unanswered invitation expires (and stops counting as pending).
PITCHLESS_INVITATION_EXPIRY_DAYS = _env_int("PITCHLESS_INVITATION_EXPIRY_DAYS", 90)

# --- Messages and reputation ------------------------------------------------------------------
#: Half-life, in days, of the events (reports, "I don't know this person", confirmed pitches,
#: accepted invitations) that make up a sender's reputation.
PITCHLESS_REPUTATION_HALF_LIFE_DAYS = _env_float("PITCHLESS_REPUTATION_HALF_LIFE_DAYS", 30.0)
#: Graduated restrictions: below the first reputation (0 worst .. 1 good) a member's weekly
#: invitation cap drops to PITCHLESS_RESTRICTED_INVITES_PER_WEEK; below the second, their new
#: messages to people who never wrote to them are held for review.
PITCHLESS_RESTRICT_INVITES_BELOW = _env_float("PITCHLESS_RESTRICT_INVITES_BELOW", 0.5)
PITCHLESS_RESTRICTED_INVITES_PER_WEEK = _env_int("PITCHLESS_RESTRICTED_INVITES_PER_WEEK", 10)
PITCHLESS_HOLD_MESSAGES_BELOW = _env_float("PITCHLESS_HOLD_MESSAGES_BELOW", 0.3)
#: Seconds the guard may take on one message before it is delivered unchecked.
PITCHLESS_SCORING_TIMEOUT_SECONDS = _env_float("PITCHLESS_SCORING_TIMEOUT_SECONDS", 2.0)
#: Where the "see the Exchange" links point until the Exchange app exists.
PITCHLESS_EXCHANGE_URL = os.environ.get("PITCHLESS_EXCHANGE_URL", "") or None

# --- Background tasks (Celery) ----------------------------------------------------------------
#: A broker ("redis://...", default: ``REDIS_URL``) runs tasks on Celery workers
#: (``pitchless worker``); empty runs them inline, in the request that queued them.
CELERY_BROKER_URL = os.environ.get("PITCHLESS_CELERY_BROKER_URL", "").strip() or REDIS_URL
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
#: The queue this site's tasks go to, so two sites (or test runs) can share one Redis.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("PITCHLESS_CELERY_QUEUE", "").strip() or "pitchless"
# At-least-once delivery: a task is acknowledged only once it has run, and one whose worker
# died is handed to another worker. Every task must therefore be idempotent (docs/architecture.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker takes one task at a time, so a long audit does not sit on tasks others could run.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
#: Seconds before a task is asked to stop (soft) and then killed (hard).
CELERY_TASK_SOFT_TIME_LIMIT = _env_int("PITCHLESS_TASK_SOFT_TIME_LIMIT", 15 * 60)
CELERY_TASK_TIME_LIMIT = _env_int("PITCHLESS_TASK_TIME_LIMIT", 20 * 60)
#: Seconds a task taken by a worker stays invisible to others before Redis hands it out again;
#: longer than any task may run, or a slow task would run twice at once.
_VISIBILITY_TIMEOUT = _env_int("PITCHLESS_TASK_VISIBILITY_TIMEOUT", 60 * 60)
if _VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "PITCHLESS_TASK_VISIBILITY_TIMEOUT must be longer than PITCHLESS_TASK_TIME_LIMIT"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    # Workers look for tasks whose worker died every few seconds (at most 10, sooner for short
    # timeouts), instead of kombu's default of about 100: such a task comes back soon after its
    # visibility timeout. One look is one indexed Redis query.
    "unacked_restore_interval": max(1, min(10, _VISIBILITY_TIMEOUT // 6)),
    "unacked_restore_throttle": 1,
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
}
# A worker started before Redis keeps trying instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queuing happens after a commit, inside a request: a broker that is down must cost the request
# about a second, not hang it (the task is then logged as lost; see docs/architecture.md).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Workers log through LOGGING above (plain or JSON), like the web processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
#: Run by ``celery -A pitchless.config beat``; ``manage.py audits_cleanup`` does the same job.
CELERY_BEAT_SCHEDULE = {
    "audits-cleanup": {"task": "pitchless.audits.tasks.cleanup_audits_task", "schedule": 3600.0},
    # ``manage.py exchange_digest`` and ``manage.py exchange_expire`` do the same jobs.
    "exchange-digest": {"task": "pitchless.exchange.tasks.send_digests_task", "schedule": 86400.0},
    "exchange-expire": {
        "task": "pitchless.exchange.tasks.expire_listings_task",
        "schedule": 3600.0,
    },
    "network-rescore": {
        "task": "pitchless.network.tasks.rescore_unchecked_task",
        "schedule": 900.0,
    },
    # ``manage.py network_maintenance`` does the same job.
    "network-maintenance": {
        "task": "pitchless.network.tasks.network_maintenance_task",
        "schedule": 3600.0,
    },
}

# --- The Exchange -----------------------------------------------------------------------------
#: Days a published listing stays up before it expires (renewing starts the count again).
PITCHLESS_LISTING_DAYS = _env_int("PITCHLESS_LISTING_DAYS", 30)
#: Hours after publication (or the last renewal) before a listing may be renewed.
PITCHLESS_LISTING_RENEW_AFTER_HOURS = _env_int("PITCHLESS_LISTING_RENEW_AFTER_HOURS", 48)
#: Days before expiry when the owner is warned by e-mail.
PITCHLESS_LISTING_WARN_DAYS = _env_int("PITCHLESS_LISTING_WARN_DAYS", 3)
#: Most listings one member may have published at once.
PITCHLESS_MAX_ACTIVE_LISTINGS = _env_int("PITCHLESS_MAX_ACTIVE_LISTINGS", 20)
#: A request closes by itself once it has received this many proposals.
PITCHLESS_REQUEST_MAX_PROPOSALS = _env_int("PITCHLESS_REQUEST_MAX_PROPOSALS", 25)
#: Flags from this many members hide a listing at once and send it to the moderation queue.
PITCHLESS_LISTING_FLAGS_TO_HIDE = _env_int("PITCHLESS_LISTING_FLAGS_TO_HIDE", 3)
#: Days after which a review can no longer be edited.
PITCHLESS_REVIEW_EDIT_DAYS = _env_int("PITCHLESS_REVIEW_EDIT_DAYS", 14)

# --- Audit my LinkedIn inbox ------------------------------------------------------------------
#: Where uploads and reports live, one folder per audit run.
PITCHLESS_AUDIT_DIR = VAR_DIR / "audits"
#: Largest export accepted by the upload page, in bytes (checked before the file is read).
PITCHLESS_AUDIT_MAX_UPLOAD_BYTES = _env_int("PITCHLESS_AUDIT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
#: Hours before reports a member did not keep are deleted by ``audits_cleanup``.
PITCHLESS_AUDIT_RETENTION_HOURS = _env_int("PITCHLESS_AUDIT_RETENTION_HOURS", 24)
