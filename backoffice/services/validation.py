"""Checks of single values shared by several services (each rule in one place)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from backoffice.services.errors import ServiceError

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: str | None) -> bool:
    return bool(value) and len(value) <= 254 and bool(_EMAIL_RE.match(value))


def check_email(value: str | None, field: str = "email") -> None:
    if not is_email(value):
        raise ServiceError(_l("Enter a valid e-mail address."), field)


def check_lengths(model, values: dict) -> None:
    """Refuse a value longer than its column holds (PostgreSQL would fail the flush; SQLite would not)."""
    columns = model.__table__.columns
    for name, value in values.items():
        length = getattr(columns[name].type, "length", None) if name in columns else None
        if length and isinstance(value, str) and len(value) > length:
            raise ServiceError(_l("At most %(n)d characters.", n=length), name)


def search_text(value: str | None, max_length: int = 200) -> str:
    """A search or filter term as a query can use it: NUL dropped (PostgreSQL refuses it in a
    parameter, SQLite would compare it), trimmed, and cut to ``max_length`` characters."""
    return (value or "").replace("\x00", "").strip()[:max_length]


ID_MAX = 2**31 - 1  # an INTEGER primary key on PostgreSQL


def parse_id(value) -> int | None:
    """A database id from user input, or None: ASCII digits only, and a number an INTEGER primary key
    can hold (never int() of 10,000 digits, never a number the database refuses or overflows on)."""
    text = str(value if value is not None else "")
    if not text.isascii() or not text.isdigit() or len(text) > len(str(ID_MAX)):
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None
