"""Password rules and hashing (werkzeug; the method comes from config so tests stay cheap).

``validate`` is the one place a new password is judged (every form and the CLI reach it through the users
service), as Django's validators do: at least 12 characters; not one of the 20,000 most common passwords
(``common-passwords.txt.gz``, Django's list, BSD licence: see ``common-passwords.LICENSE``); not too similar
to the user's own name or e-mail address (Django's UserAttributeSimilarityValidator, 0.7); not a repetition
or a run (``aaaaaaaaaaaa``, ``abcabcabcabc``, ``123456789012``) nor made of fewer than five different characters.
"""

from __future__ import annotations

import gzip
import re
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from backoffice.services.errors import ServiceError

MIN_LENGTH = 12
MAX_LENGTH = 256


MAX_SIMILARITY = 0.7
MIN_DISTINCT = 5
_COMMON_FILE = Path(__file__).resolve().parent.parent / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _is_common(password: str) -> bool:
    lowered = password.lower().strip()
    common = common_passwords()
    # also with the digits and signs people add at either end ("password1234", "!monkey2026")
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    return lowered in common or (len(core) >= 4 and core in common)


def _is_repetitive(password: str) -> bool:
    lowered = password.lower()
    if len(set(lowered)) < MIN_DISTINCT:
        return True
    if re.fullmatch(r"(.{1,%d}?)\1+" % max(1, len(lowered) // 2), lowered, flags=re.DOTALL):
        return True
    steps = {ord(b) - ord(a) for a, b in zip(lowered, lowered[1:])}
    if lowered.isdigit():  # 123456789012: a run of digits wraps round from 9 to 0
        steps = {step % 10 for step in steps}
        return len(steps) == 1 and next(iter(steps)) in (1, 9)
    return len(steps) == 1 and abs(next(iter(steps))) <= 1  # abcdefghijkl, 987654321098 would be caught above


def _exceeds_length_ratio(password: str, value: str) -> bool:
    """Django's shortcut: a password far longer than the value can't be too similar to it."""
    return len(password) >= 10 * len(value) and len(value) < MAX_SIMILARITY / 2 * len(password)


def _too_similar(password: str, user_inputs) -> bool:
    lowered = password.lower()
    for value in user_inputs:
        if not value or not isinstance(value, str):
            continue
        value = value.lower()
        for part in {value, *re.split(r"\W+", value)}:
            if len(part) < 3 or _exceeds_length_ratio(lowered, part):
                continue
            if part in lowered and len(part) >= len(lowered) * MAX_SIMILARITY / 2:
                return True
            matcher = SequenceMatcher(a=lowered, b=part)
            if matcher.quick_ratio() >= MAX_SIMILARITY and matcher.ratio() >= MAX_SIMILARITY:
                return True
    return False


def validate(password: str | None, field: str = "password", user_inputs=()) -> str:
    """The password if it is good enough, else ServiceError beside ``field``.

    ``user_inputs``: the user's own first name, last name and e-mail address (none may be guessable from it).
    """
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ServiceError(_l("The password must be at least %(n)d characters.", n=MIN_LENGTH), field)
    if len(password) > MAX_LENGTH:
        raise ServiceError(_l("The password must be at most %(n)d characters.", n=MAX_LENGTH), field)
    if "\x00" in password:
        raise ServiceError(_l("The password contains a character that is not allowed."), field)
    if _is_repetitive(password):
        raise ServiceError(
            _l("The password is too easy to guess: it repeats characters or a pattern. Choose a less regular one."),
            field,
        )
    if _is_common(password):
        raise ServiceError(_l("This password is one of the most common ones. Choose a less common one."), field)
    if _too_similar(password, user_inputs):
        raise ServiceError(_l("The password is too similar to the name or e-mail address. Choose another one."), field)
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
