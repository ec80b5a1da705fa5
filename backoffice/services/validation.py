"""Checks of single values shared by several services (each rule in one place)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text

from backoffice.services.errors import ServiceError

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: str | None) -> bool:
    return bool(value) and len(value) <= 254 and bool(_EMAIL_RE.match(value))


def check_email(value: str | None, field: str = "email") -> None:
    if not is_email(value):
        raise ServiceError(_l("Enter a valid e-mail address."), field)


# Control characters (finding 9): a one-line value (a String(n) column; a StringField in a form) may hold
# none of them — CR/LF in a name reached e-mail subjects; a multi-line value (a Text column; a textarea)
# may hold line breaks and tabs only. The one definition of both, used by the services and by the base
# form (backoffice/forms.py).
_ONE_LINE_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MULTI_LINE_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ONE_LINE_MESSAGE = _l("This field can't contain line breaks, tabs or other control characters.")
MULTI_LINE_MESSAGE = _l("This field can't contain control characters.")


def control_character_message(value, one_line: bool = True):
    """The message for a value holding a control character its kind of field refuses, or None."""
    if not isinstance(value, str):
        return None
    if (_ONE_LINE_BAD if one_line else _MULTI_LINE_BAD).search(value):
        return ONE_LINE_MESSAGE if one_line else MULTI_LINE_MESSAGE
    return None


def is_one_line_column(column) -> bool:
    """A String(n) column holds one line; Text (a String subclass) holds several."""
    return isinstance(column.type, String) and not isinstance(column.type, Text)


def check_text(value, field: str, one_line: bool = True) -> None:
    message = control_character_message(value, one_line)
    if message is not None:
        raise ServiceError(message, field)


def check_lengths(model, values: dict) -> None:
    """Refuse a value longer than its column holds (PostgreSQL would fail the flush; SQLite would not),
    or one with a control character its column's kind refuses (one line: String(n); several: Text)."""
    columns = model.__table__.columns
    for name, value in values.items():
        if name not in columns or not isinstance(value, str):
            continue
        column = columns[name]
        length = getattr(column.type, "length", None)
        if length and len(value) > length:
            raise ServiceError(_l("At most %(n)d characters.", n=length), name)
        if isinstance(column.type, String):
            check_text(value, name, one_line=is_one_line_column(column))


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
