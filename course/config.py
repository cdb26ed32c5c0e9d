"""Configuration: the one place that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _http_url(name: str, default: str) -> str:
    """Read an http(s) URL, refusing anything else at start-up with the variable's name."""
    value = os.environ.get(name, default).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an http:// or https:// URL, got {value!r}")
    return value


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{Path(instance_path) / 'course.sqlite'}")
    # Heroku-style URLs name the old driver; we ship psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings for a running platform; every value can come from the environment."""

    def __init__(self, instance_path: str) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret(instance_path)
        self.SQLALCHEMY_DATABASE_URI = _database_url(instance_path)
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
        self.SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
        self.CONTENT_DIR = os.environ.get("CONTENT_DIR", str(ROOT))
        self.ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "2"))
        self.ARGON2_MEMORY_KIB = int(os.environ.get("ARGON2_MEMORY_KIB", "19456"))
        self.TRUST_PROXY = _flag("TRUST_PROXY", False)
        # A session ends after this long without a request, and this long after login, whatever.
        self.SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
        self.SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
        # A set-password link for a new account works once, within this many hours.
        self.SET_PASSWORD_HOURS = int(os.environ.get("SET_PASSWORD_HOURS", "72"))
        self.API_RATELIMIT = os.environ.get("API_RATELIMIT", "300 per minute")
        self._xapi()

    def _xapi(self) -> None:
        """xAPI: statements queue in the outbox; `xapi send` posts them to the LRS."""
        self.XAPI_ENABLED = _flag("XAPI_ENABLED", True)
        self.XAPI_HOME_PAGE = _http_url("XAPI_HOME_PAGE", "http://127.0.0.1:5000/")
        self.XAPI_ACTOR_EMAIL = _flag("XAPI_ACTOR_EMAIL", False)
        endpoint = os.environ.get("XAPI_LRS_ENDPOINT", "")
        self.XAPI_LRS_ENDPOINT = _http_url("XAPI_LRS_ENDPOINT", "") if endpoint else ""
        self.XAPI_LRS_USERNAME = os.environ.get("XAPI_LRS_USERNAME", "")
        self.XAPI_LRS_PASSWORD = os.environ.get("XAPI_LRS_PASSWORD", "")
        self.XAPI_LRS_TIMEOUT = float(os.environ.get("XAPI_LRS_TIMEOUT", "10"))
        self.XAPI_BATCH_SIZE = int(os.environ.get("XAPI_BATCH_SIZE", "50"))
        self.XAPI_RETRY_SECONDS = float(os.environ.get("XAPI_RETRY_SECONDS", "5"))
        self.XAPI_RETRY_MAX_SECONDS = float(os.environ.get("XAPI_RETRY_MAX_SECONDS", "3600"))
        self.XAPI_SEND_INTERVAL = float(os.environ.get("XAPI_SEND_INTERVAL", "5"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # No pool_pre_ping: course.pool pings only connections that sat idle (one round trip fewer
    # per request on PostgreSQL).
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    RATELIMIT_HEADERS_ENABLED = True
    TESTING = False


def _dev_secret(instance_path: str) -> str:
    """Return a per-install random key kept in the instance folder (local use only)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


def test_overrides(database_url: str) -> dict[str, object]:
    """Return the settings tests run with: a throwaway database, fast hashing."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        # OWASP's Argon2id parameters cost ~50 ms a hash; tests hash hundreds of passwords.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 64,
        "RATELIMIT_STORAGE_URI": "memory://",
        "XAPI_ENABLED": True,
        "XAPI_HOME_PAGE": "https://course.example.org/",
        "XAPI_LRS_ENDPOINT": "",  # the LRS tests point the sender at their own Ralph
    }
