"""Showing a refused save (optimistic locking): the form keeps what the user typed, carries the stored
version so that saving again deliberately overwrites, and notes the stored value under each field
where it differs from the typed one. The rule itself lives in services/locking.py."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import HiddenField

from backoffice.services.errors import ConflictError


class VersionField(HiddenField):
    """The version the form was opened with. Only ever read into the service's ``expected_version``."""


def posted_version(form) -> str:
    """What the browser sent in the hidden field ("" when nothing: the service then refuses the save).

    Read from the raw form data, never from the record the form was built on."""
    raw = getattr(form.version, "raw_data", None) or [""]
    return raw[0]


def _display(field, value) -> str:
    if field.type == "BooleanField":
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return _("(empty)")
    choices = getattr(field, "choices", None)
    if isinstance(value, (list, tuple, set, frozenset)):  # (a multiple choice: the labels of what is chosen)
        labels = {str(choice[0]): choice[1] for choice in choices or ()}
        return ", ".join(str(labels.get(str(item), item)) for item in value) or _("(empty)")
    if choices and not callable(choices):
        for choice in choices:
            key, label = choice[0], choice[1]
            if str(key) == str(value):
                return str(label)
    return str(value)


def _same(field, typed, stored) -> bool:
    if field.type == "BooleanField":
        return bool(typed) == bool(stored)
    if isinstance(stored, (list, tuple, set, frozenset)):
        return sorted(map(str, typed or ())) == sorted(map(str, stored))
    return str(typed if typed is not None else "").strip() == str(stored if stored is not None else "").strip()


def show_conflict(form, error: ConflictError, stored: dict) -> list[str]:
    """Mark ``form`` with the conflict; ``stored`` maps form field names to what is stored now.

    Returns the names of the fields that differ. (The view answers 409 from the save's Outcome.)
    """
    if error.version is None:  # the record is gone: nothing to compare with, nothing to overwrite
        return []
    form.version.data = error.version
    form.version.raw_data = [str(error.version)]
    differing = []
    for name, value in stored.items():
        if name not in form:
            continue
        field = form[name]
        if _same(field, field.data, value):
            continue
        differing.append(name)
        note = Markup('<span class="d-block bo-conflict-now" data-conflict-now="{}">{} {}</span>').format(
            name, _("Now:"), _display(field, value)
        )
        description = field.description
        field.description = Markup("{}{}").format(description, note) if description else note
    return differing
