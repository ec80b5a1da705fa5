"""The base classes of every form in the app: one place for the checks every field gets.

- A text field sent as a file part (multipart) is refused beside its field before any validator sees
  it (a validator calling len() on the file got a TypeError: a 500, even on the sign-in page).
- A NUL character (\\0) is refused beside its field: PostgreSQL can't store one in text, and SQLite would
  store what PostgreSQL later can't restore. Checked on the raw submitted values, so no validator of a
  single field can forget it.
- A one-line field (a StringField, as Flask-Admin scaffolds for a String(n) column) refuses every control
  character (CR/LF, tab, ...); a multi-line field (a TextAreaField, for a Text column) refuses all but
  line breaks and tabs. Passwords are not checked (never shown, never put in a header). The characters are
  defined once, in services/validation.py, which the services check too.

- Too long: a text field longer than it may be gets "At most 64 characters (you typed 65)." beside it.
  The page never cuts what was typed or pasted (no maxlength attribute is rendered on any field: the
  browser would drop the 65th digit silently and a wrong number would be saved); the server checks.
  `column_length(Model.column)` is that check for a field stored in a String(n) column. Every other
  `Length(max=...)` of a form (and the one Flask-Admin derives from each String(n) column of a
  scaffolded form) says the same message, once, unless it was given a message of its own.

`Form` is the base of the app's own forms (Flask-WTF, CSRF); `AdminForm` is the base of the forms
Flask-Admin scaffolds (`SecureModelView.form_base_class`). tests/test_fuzz_forms.py checks that every
form class in the app derives from one of them.
"""

from __future__ import annotations

from flask_admin.form import BaseForm as FlaskAdminBaseForm
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import FileField, MultipleFileField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from backoffice.services.validation import control_character_message

NUL_MESSAGE = _l("This field can't contain a NUL character (\\0).")
FILE_PART_MESSAGE = _l("This field takes text, not a file.")


def has_nul(field) -> bool:
    return any(isinstance(value, str) and "\x00" in value for value in (field.raw_data or ()))


def takes_files(field) -> bool:
    return isinstance(field, (FileField, MultipleFileField))


def is_one_line(field) -> bool | None:
    """True for a one-line text field, False for a multi-line one, None for a field not checked."""
    if isinstance(field, TextAreaField):
        return False
    if isinstance(field, PasswordField):
        return None
    if isinstance(field, StringField):
        return True
    return None


TOO_LONG_MESSAGE = _l("At most %(max)d characters (you typed %(length)d).")


class MaxLength(Length):
    """At most ``max`` characters (and at least ``min``, if given), said beside the field."""

    def __init__(self, max: int, min: int = -1, message=None):
        super().__init__(min=min, max=max, message=message)

    def __call__(self, form, field):
        length = len(field.data) if isinstance(field.data, str) else 0
        if self.max != -1 and length > self.max:
            message = self.message if self.message is not None else TOO_LONG_MESSAGE
            raise ValidationError(message % {"min": self.min, "max": self.max, "length": length})
        if self.min != -1 and length < self.min:
            Length(min=self.min)(form, field)  # WTForms' own (translated) "at least" message


def column_length(column, message=None) -> MaxLength:
    """The length check of a field stored in ``column`` (a String(n) model attribute): its n, from the model."""
    length = getattr(getattr(column, "type", None), "length", None)
    if not isinstance(length, int) or length <= 0:
        raise ValueError(f"{column} has no length")
    return MaxLength(max=length, message=message)


def said_once(validators) -> list:
    """A field's validators with each Length(max=...) of no message of its own replaced by MaxLength, and
    only the strictest of several such maxima kept (Flask-Admin adds its own beside form_args')."""
    kept, strictest = [], None
    for validator in validators:
        if type(validator) is Length and validator.max != -1 and validator.message is None:
            if validator.min != -1:
                kept.append(Length(min=validator.min))
            validator = MaxLength(max=validator.max)
        if type(validator) is MaxLength and validator.message is None and validator.min == -1:
            if strictest is not None:
                if validator.max < strictest.max:
                    kept[kept.index(strictest)] = validator
                    strictest = validator
                continue
            strictest = validator
        kept.append(validator)
    return kept


class NoCutMeta:
    """Meta of both base forms: the length checks as above, and no maxlength/minlength attribute rendered."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        validators = getattr(field, "validators", None)
        if validators:
            field.validators = said_once(validators)
        return field

    def render_field(self, field, render_kw):
        return super().render_field(field, {**render_kw, "maxlength": False, "minlength": False})


class RefuseNulMixin:
    """Refuses a file where text is expected (before validation), and a NUL or a control character in
    any submitted field (after the field's own validators ran). Its Meta: too long said, never cut."""

    Meta = NoCutMeta

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        self._file_parts = set()
        formdata = self.meta.wrap_formdata(self, formdata)
        if formdata is not None and hasattr(formdata, "items"):
            text_names = {field.name for field in self if not takes_files(field)}
            kept = MultiDict()
            for key, value in formdata.items(multi=True):
                if key in text_names and not isinstance(value, str):
                    self._file_parts.add(key)  # dropped: to every validator the field is simply missing
                    continue
                kept.add(key, value)
            if self._file_parts:
                formdata = kept
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            message = field_problem(field, field.name in getattr(self, "_file_parts", ()))
            if message is not None:
                # A plain str: Flask-Admin's templates show only errors that are str instances.
                field.errors = [*field.errors, str(message)]
                valid = False
        return valid


def field_problem(field, sent_as_file: bool = False):
    if sent_as_file:
        return FILE_PART_MESSAGE
    if has_nul(field):
        return NUL_MESSAGE
    one_line = is_one_line(field)
    if one_line is None:
        return None
    for value in field.raw_data or ():
        message = control_character_message(value, one_line)
        if message is not None:
            return message
    return None


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
