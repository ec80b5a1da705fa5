"""Configuration read from the environment, with safe defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/ (mode 600)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return [item.strip().lower() for item in value.split(",") if item.strip()]


def trusted_hosts(base_url: str | None, configured: list[str] | None = None) -> list[str]:
    """The hosts the app answers for: TRUSTED_HOSTS when set, else BASE_URL's host plus 127.0.0.1 and
    localhost (so `make run`, the test client and the browser tests work). A leading dot allows subdomains
    (".example.com"); ports do not count."""
    if configured:
        return list(configured)
    from urllib.parse import urlsplit

    host = (urlsplit(base_url or "").hostname or "").lower()
    return [h for h in dict.fromkeys([host, "127.0.0.1", "localhost"]) if h]


def from_environment(instance_path: Path) -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'backoffice.db'}"
    redis_url = os.environ.get("REDIS_URL")
    secure_cookies = _flag("SESSION_COOKIE_SECURE")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": redis_url,
        # Sign-in throttling (Flask-Limiter): in memory per process by default, shared in Redis when REDIS_URL is set.
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "backoffice"),
        # If Redis is unreachable, keep throttling per process instead of failing sign-in with a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_LIMIT_PER_EMAIL": os.environ.get("LOGIN_LIMIT_PER_EMAIL", "5 per minute"),
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "20 per minute"),
        # Behind a reverse proxy that sets X-Forwarded-*: TRUST_PROXY=1 (ProxyFix, one hop).
        "TRUST_PROXY": _flag("TRUST_PROXY"),
        # The Host (X-Forwarded-Host behind TRUST_PROXY) a request may name; others get a 400.
        # None: derived from BASE_URL (see trusted_hosts). Checked by backoffice/security.py.
        "ALLOWED_HOSTS": _list("TRUSTED_HOSTS"),
        # Strict-Transport-Security on HTTPS responses; 0 sends none.
        "HSTS_SECONDS": int(os.environ.get("HSTS_SECONDS") or 31536000),
        "HSTS_INCLUDE_SUBDOMAINS": _flag("HSTS_INCLUDE_SUBDOMAINS"),
        # Cookies are always Secure when the request came over HTTPS (see auth/sessions.py);
        # SESSION_COOKIE_SECURE=1 forces it (also for the remember-me cookie).
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "IDLE_TIMEOUT_MINUTES": int(os.environ.get("IDLE_TIMEOUT_MINUTES", "60")),
        # Absolute lifetimes (auth/sessions.py): a session, and a "Keep me signed in" sign-in, from the sign-in on.
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")),
        "REMEMBER_DAYS": int(os.environ.get("REMEMBER_DAYS", "30")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes", "on"),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "backoffice@localhost",
        # Where links in e-mails point (the address users open the app at).
        "BASE_URL": os.environ.get("BASE_URL") or "http://127.0.0.1:5000",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # werkzeug's strong default (scrypt); tests choose a cheap method.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "PHOTO_MAX_BYTES": 2 * 1024 * 1024,
        # (issue 13) the largest register file an import takes (the one request allowed above 8 MB)
        "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_MB") or 50) * 1024 * 1024,
        # (issue 13) the background queue (backoffice/infra/queue.py): Redis when REDIS_URL is set, else this
        # SQLite file; QUEUE_IMMEDIATE runs each task when it is enqueued (the test suite).
        "QUEUE_FILE": os.environ.get("QUEUE_FILE") or str(instance_path / "queue.sqlite3"),
        "QUEUE_IMMEDIATE": False,
        # A running import whose worker has not beaten for this many seconds is shown as failed; a queued one
        # waiting longer is shown as waiting for a worker.
        "IMPORT_HEARTBEAT_TIMEOUT": int(os.environ.get("IMPORT_HEARTBEAT_TIMEOUT") or 120),
    }
