"""Password rules and hashing (werkzeug; the method comes from config so tests stay cheap)."""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from backoffice.services.errors import ServiceError

MIN_LENGTH = 12
MAX_LENGTH = 256


def validate(password: str | None, field: str = "password") -> str:
    if not password or len(password) < MIN_LENGTH:
        raise ServiceError(_l("The password must be at least %(n)d characters.", n=MIN_LENGTH), field)
    if len(password) > MAX_LENGTH:
        raise ServiceError(_l("The password must be at most %(n)d characters.", n=MAX_LENGTH), field)
    if "\x00" in password:
        raise ServiceError(_l("The password contains a character that is not allowed."), field)
    return password


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def verify(password_hash: str | None, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)


# Compared against when the e-mail is unknown, so the answer takes as long either way.
_DUMMY = None


def dummy_hash() -> str:
    """A hash no password of a real account has (werkzeug's format; computed once, lazily)."""
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password("dummy-password-for-timing")
    return _DUMMY


def dummy_verify(password: str) -> None:
    check_password_hash(dummy_hash(), password)
