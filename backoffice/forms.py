"""The base classes of every form in the app: one place for the checks every field gets.

- A NUL character (\\0) is refused beside its field: PostgreSQL can't store one in text, and SQLite would
  store what PostgreSQL later can't restore. Checked on the raw submitted values, so no validator of a
  single field can forget it.

`Form` is the base of the app's own forms (Flask-WTF, CSRF); `AdminForm` is the base of the forms
Flask-Admin scaffolds (`SecureModelView.form_base_class`). tests/test_fuzz_forms.py checks that every
form class in the app derives from one of them.
"""

from __future__ import annotations

from flask_admin.form import BaseForm as FlaskAdminBaseForm
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

NUL_MESSAGE = _l("This field can't contain a NUL character (\\0).")


def has_nul(field) -> bool:
    return any(isinstance(value, str) and "\x00" in value for value in (field.raw_data or ()))


class RefuseNulMixin:
    """Refuses a NUL character in any submitted field, after the field's own validators ran."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            if has_nul(field):
                # A plain str: Flask-Admin's templates show only errors that are str instances.
                field.errors = [*field.errors, str(NUL_MESSAGE)]
                valid = False
        return valid


class Form(RefuseNulMixin, FlaskForm):
    """The base of every form of the app's own pages and dialogs."""


class AdminForm(RefuseNulMixin, FlaskAdminBaseForm):
    """The base of Flask-Admin's scaffolded forms (set as SecureModelView.form_base_class)."""


PAGE_MAX = 10**6


def page_number(value) -> int:
    """A 1-based page number from a query string: anything that isn't one (text, negative, 10,000 digits,
    a number past any real page) is page 1 or the last page we'd ever serve, never an error."""
    text = str(value or "")
    if not text.isascii() or not text.isdigit():
        return 1
    digits = text.lstrip("0")
    if len(digits) > len(str(PAGE_MAX)):
        return PAGE_MAX
    return max(1, min(int(digits or "0"), PAGE_MAX))
