"""The shared parsers of query parameters, and the declaration of what each endpoint accepts.

A view reads a query parameter only through ``arg(name)``, which uses the parser its endpoint declared
with ``@accepts(name=parser, ...)``: a value the parser can't read is None (a filter or cursor is then
ignored; a required id is a 404 in the view), never an exception, so never a 500. The declarations are
what tests/test_fuzz_params.py walks: every declared parameter of every endpoint of the URL map gets
hostile values.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from datetime import date

from flask import current_app, request

from backoffice.services.validation import ID_MAX, parse_id, search_text

# The dates a filter may name: far past any real entry, and never near datetime's limits (year 1 or
# 9999 overflowed once a time zone shifted them: an OverflowError, a 500).
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)


class Param:
    """A parser of one query parameter: ``parse(text)`` gives the value or None, never raises."""

    many = False

    def parse(self, text: str | None):
        raise NotImplementedError

    def read(self, values: list[str]):
        if self.many:
            return [v for v in (self.parse(t) for t in values) if v is not None]
        return self.parse(values[0]) if values else None


class Id(Param):
    """A database id (1..2^31-1, ASCII digits)."""

    def parse(self, text):
        return parse_id(text)


class Ids(Id):
    """Repeated ids: None when none was sent; else the valid ones (possibly none, which selects nothing)."""

    many = True

    def read(self, values):
        return super().read(values) if values else None


class Ref(Id):
    """The id of a record a saved or copied link names, which may be gone: missing or empty is None (not
    asked for), text that can't be an id is 0 (names no record), so the view says "no longer exists"
    instead of silently ignoring it."""

    def parse(self, text):
        if text is None or not text.strip():
            return None
        number = parse_id(text)
        return number if number is not None else 0


class Assigned(Param):
    """(issue 14) The customers list's "Assigned to": "me", "none" (nobody), or a user's id; anything else is None
    (no filter)."""

    def parse(self, text):
        if text in ("me", "none"):
            return text
        return parse_id(text)


class Page(Param):
    """A 1-based page number (text, 10,000 digits, a negative number: page 1 or the last page served)."""

    def parse(self, text):
        from backoffice.forms import page_number

        return page_number(text)

    def read(self, values):
        return self.parse(values[0] if values else None)


class Index(Param):
    """A list column's position (Flask-Admin's ?sort=; 0 is the first column), at most three digits."""

    def parse(self, text):
        text = (text or "").strip()
        return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


class Cursor(Id):
    """The id of the last entry shown (keyset paging)."""


class Date(Param):
    """An ISO date (YYYY-MM-DD) between DATE_MIN and DATE_MAX."""

    def parse(self, text):
        text = (text or "").strip()
        if len(text) != 10 or not text.isascii():
            return None
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return day if DATE_MIN <= day <= DATE_MAX else None


class Choice(Param):
    """One of a fixed set of strings."""

    def __init__(self, *choices: str):
        self.choices = frozenset(choices)

    def parse(self, text):
        return text if text in self.choices else None


class Flag(Param):
    """"1" is on; anything else is off."""

    def parse(self, text):
        return text == "1"

    def read(self, values):
        return bool(values) and self.parse(values[0])


class Text(Param):
    """Free text (search, filter): NUL dropped, trimmed, cut to ``max_length``."""

    def __init__(self, max_length: int = 200):
        self.max_length = max_length

    def parse(self, text):
        return search_text(text, self.max_length)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


class ReturnUrl(Param):
    """A return address (``?next=``, ``?url=``): kept only when ``safe_next`` accepts it (a plain path on
    this site), else None, so the view goes to its default page. safe_next stays the one rule."""

    def parse(self, text):

        return safe_next(text)


class ActorFilter(Param):
    """An audit-log actor: "system" or a user id."""

    def parse(self, text):
        return "system" if text == "system" else parse_id(text)


# What a record's confirmation dialog or side panel reads: the record, the return address, and whether
# it was fetched by script as a dialog (?modal=1) or a side panel (?panel=1).
DIALOG = {"id": Id(), "url": ReturnUrl(), "modal": Flag(), "panel": Flag()}


def accepts(**params: Param):
    """Declare the query parameters an endpoint reads (merged with any declared before)."""

    def decorate(fn):
        fn.accepted_params = {**getattr(fn, "accepted_params", {}), **params}
        return fn

    return decorate


def declared(endpoint: str, app=None) -> dict[str, Param] | None:
    """What an endpoint declared (None: nothing declared)."""
    app = app or current_app
    view = app.view_functions.get(endpoint)
    params = getattr(view, "accepted_params", None)
    owner = getattr(view, "__self__", None)  # a Flask-Admin view's bound method: its class may add more
    inherited = getattr(owner, "query_params", {}).get(endpoint.rsplit(".", 1)[-1]) if owner is not None else None
    if params is None and inherited is None:
        return None
    return {**(inherited or {}), **(params or {})}


def arg(name: str):
    """A query parameter of this request through the parser its endpoint declared for it."""
    params = declared(request.endpoint) or {}
    if name not in params:
        raise LookupError(f"{request.endpoint} reads ?{name} without declaring it (backoffice/parsers.py)")
    return params[name].read(request.args.getlist(name))


def form_text(name: str) -> str:
    """A posted form field read before its form validates (the sign-in throttle's e-mail): its text, or ""
    when it is missing or was sent as a file part."""
    value = request.form.get(name)
    return value if isinstance(value, str) else ""


__all__ = ["DIALOG", "ReturnUrl", "form_text", "ID_MAX", "accepts", "arg", "declared", "Id", "Ids", "Cursor", "Index", "Date", "Choice", "Ref", "Flag", "Text",
           "ActorFilter", "Page"]
