"""Settings read from the environment.

Every setting a person may change is listed in the README ("Settings").
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in TRUE_WORDS


def development_secret_key(instance_path: Path) -> str:
    """A key generated once and kept under instance/, so that sessions survive
    restarts in development without anybody having to invent a secret."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def build_config(instance_path: Path) -> dict:
    env = os.environ.get("INCUBATOR_ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'incubator.sqlite'}"
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver; plain postgresql:// would ask for psycopg2.
        database_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)

    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if env != "development":
            raise RuntimeError(f"SECRET_KEY must be set outside development (INCUBATOR_ENV={env}).")
        secret_key = development_secret_key(instance_path)

    secure_cookies = env_flag("SESSION_COOKIE_SECURE", default=False)
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        # Server-side session limits (accounts/sessions.py). "Keep me logged in"
        # makes the cookie outlive the browser and stretches both limits.
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", 120))),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", 12))),
        "REMEMBERED_IDLE_TIMEOUT": timedelta(days=14),
        "REMEMBERED_ABSOLUTE_TIMEOUT": timedelta(days=30),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        # A page left open all afternoon must still submit.
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("SITE_TIMEZONE", "Asia/Shanghai"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": env_flag("RATELIMIT_ENABLED", default=True),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per 15 minutes"),
        # Static files are addressed with a content hash (static_url), so they
        # can be cached for a year: a cheap phone downloads htmx once.
        "SEND_FILE_MAX_AGE_DEFAULT": timedelta(days=365),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 8 * 1024 * 1024)),
        "USERS_PER_PAGE": 20,
        # Accounts unused this long are anonymised by the retention job (PIPL).
        "RETENTION_DAYS": int(os.environ.get("RETENTION_DAYS", 3 * 365)),
        "SITE_NAME": os.environ.get("SITE_NAME", ""),
        # E-mail: off unless SMTP_HOST is set.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 25)),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env_flag("SMTP_STARTTLS"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "incubator@localhost"),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
    }
