"""Configuration from the environment (and an optional .env file, loaded by app.py)."""

import os
from decimal import Decimal
from pathlib import Path

from marketplace.core.money import PPN_RATE as DEFAULT_PPN_RATE

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 (refused in production)


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def base_url_from_environment():
    """BASE_URL when set; otherwise the address `flask run` serves on this machine.

    `flask run` takes its port from FLASK_RUN_PORT (`make run` sets it from PORT), so `PORT=8000 make run`
    mails links to port 8000. Production refuses to start without BASE_URL (marketplace/__init__.py).
    """
    explicit = os.environ.get("BASE_URL")
    if explicit:  # the same test as the production check
        return explicit
    port = os.environ.get("FLASK_RUN_PORT", "").strip() or "5000"
    return f"http://127.0.0.1:{port}"


def normalise_database_url(url):
    """Point plain postgres:// URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'pasar_sentra.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("id", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 30
    # Server-side lifetimes of a sign-in (accounts/sessions.py): without "remember me" a day, with it 30 days.
    SIGNED_IN_LIFETIME = int(os.environ.get("SIGNED_IN_LIFETIME", 60 * 60 * 24))
    REMEMBER_COOKIE_DURATION = int(os.environ.get("REMEMBER_COOKIE_DURATION", 60 * 60 * 24 * 30))

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_I18N_ENABLED = False  # BaseForm routes WTForms' messages through our own catalogs

    # Our switch, read per request (the Limiter object itself is shared by every app in a process).
    RATE_LIMITS_ENABLED = _bool("RATE_LIMITS_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5 per minute;30 per hour")
    RATELIMIT_RESET = os.environ.get("RATELIMIT_RESET", "5 per minute;30 per hour")
    RATELIMIT_PASSWORD_CHANGE = os.environ.get("RATELIMIT_PASSWORD_CHANGE", "5 per minute;20 per hour")  # per account
    RATELIMIT_PASSWORD_CHANGE_IP = os.environ.get("RATELIMIT_PASSWORD_CHANGE_IP", "10 per minute;50 per hour")
    RATELIMIT_INVITE = os.environ.get("RATELIMIT_INVITE", "20 per hour")
    # Each listing save may decode eight large photos: bounded per user.
    RATELIMIT_UPLOAD = os.environ.get("RATELIMIT_UPLOAD", "60 per hour")

    # Mail: the outbox is always used; the backend decides how `flask send-mail` delivers.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")  # console | smtp
    MAIL_FROM = os.environ.get("MAIL_FROM", "Pasar Sentra <no-reply@pasar-sentra.example.com>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
    SMTP_SSL = _bool("SMTP_SSL", False)
    # 1, 2, 4 … minutes, then every 6 hours: 16 attempts span about two days of SMTP outage.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "16"))
    # In development the mail is also printed right after the commit that wrote it.
    MAIL_ECHO_AFTER_COMMIT = _bool("MAIL_ECHO_AFTER_COMMIT", True)

    # Orders: an unpaid checkout is cancelled (its stock returned) after this many hours; a shipped order the buyer
    # has not confirmed is completed this many days after shipping.
    PAYMENT_DEADLINE_HOURS = int(os.environ.get("PAYMENT_DEADLINE_HOURS", "24"))
    # PPN (VAT) a PKP IKM charges, as a fraction; each order keeps the rate it was charged at.
    PPN_RATE = Decimal(os.environ.get("PPN_RATE", str(DEFAULT_PPN_RATE)))
    AUTO_CONFIRM_DAYS = int(os.environ.get("AUTO_CONFIRM_DAYS", "7"))
    # How long an IKM has, from payment, to decline its share of a sentra order (the share then goes to the others).
    SENTRA_ORDER_DECLINE_HOURS = int(os.environ.get("SENTRA_ORDER_DECLINE_HOURS", "24"))

    # Payments. Bank transfer is always offered; Stripe Checkout too once both keys are set (test-mode keys for
    # development: README). STRIPE_API_BASE points the Stripe library elsewhere (localstripe, in the tests).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    # A webhook signed longer ago than this (seconds) is refused: a replayed old delivery changes nothing.
    STRIPE_WEBHOOK_TOLERANCE = int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE", "300"))
    # The Stripe library retries a failed connection or a 409/5xx answer with the same idempotency key.
    STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))

    # Links in mail are built on this, never on the request's Host header.
    BASE_URL = base_url_from_environment()
    # Host names this app answers to (comma-separated); others get 400. Unset: any (development).
    TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0: none).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24 * 3  # verification and invitation links: 3 days
    RESET_TOKEN_MAX_AGE = 60 * 60  # password reset links: 1 hour

    # Uploaded files (re-encoded photos) live here with the LocalStorage backend.
    UPLOAD_ROOT = os.environ.get("UPLOAD_ROOT", str(INSTANCE_DIR / "uploads"))
    # Request bodies: small on every route; larger only on views marked @accepts_uploads (core/uploads.py).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024))
    MAX_FORM_MEMORY_SIZE = 512 * 1024  # the text fields of any form; files are spooled to disk
    # A transfer proof (a photo or PDF of at most 8 MB) and the form around it.
    MAX_PROOF_REQUEST_BYTES = 8 * 1024 * 1024 + 64 * 1024
    # Eight 8 MB photos and the form around them.
    MAX_UPLOAD_REQUEST_BYTES = int(os.environ.get("MAX_UPLOAD_REQUEST_BYTES", 8 * 1024 * 1024 * 8 + 1024 * 1024))

    PRODUCTION = False


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    MAIL_ECHO_AFTER_COMMIT = False
    PREFERRED_URL_SCHEME = "https"


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite:///:memory:"))
    WTF_CSRF_ENABLED = False
    RATE_LIMITS_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_ECHO_AFTER_COMMIT = False
    SERVER_NAME = None
    SECRET_KEY = "test-secret-key"  # noqa: S105


CONFIG_BY_ENV = {"development": Config, "production": ProductionConfig}
MIN_PRODUCTION_SECRET_BYTES = 32


def config_from_environment():
    """Pick the configuration class named by APP_ENV (development by default); refuse a name we do not know."""
    env = os.environ.get("APP_ENV", "development").strip().lower()
    if env not in CONFIG_BY_ENV:
        # A typo ("prod") must not quietly run the development configuration with its known key.
        known = ", ".join(sorted(CONFIG_BY_ENV))
        raise RuntimeError(f"Unknown APP_ENV {env!r}: use one of {known}.")
    return CONFIG_BY_ENV[env]
