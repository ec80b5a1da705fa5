"""Custom fields of the customer register (seed 001): the definitions a system administrator keeps, and the
one rule for their values (``clean_values``), which the customer services call on every path.

A definition has a label (unique), a type (text, number, date, yes/no, choice with options), whether it is
required, and its place in the order. Archiving hides it from the forms, the card and the export and keeps
every value; restoring shows them again. A definition is deleted only while no customer has a value in it.

Values are kept in ``Customer.custom_values``: {"<definition id>": value}, where a text or a choice is the
string, a number its decimal string ("12.5"), a date its ISO date ("2027-03-31"), yes/no ``True`` (an
unticked yes/no field is No and keeps no value). An empty field keeps no key.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backoffice.models import Customer, User
from backoffice.models.base import utcnow
from backoffice.models.custom_field import FIELD_TYPES, CustomFieldDefinition
from backoffice.services import locking
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.validation import check_lengths, check_text

FIELDS = ("label", "type", "required", "options")
TEXT_MAX = 500  # a text value
NUMBER_MAX_DIGITS = 20
OPTION_MAX = 100  # characters of one option
OPTIONS_MAX = 100  # options of one choice field
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_NUMBER_RE = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")
_TRUE = {"1", "y", "yes", "true", "on"}
_FALSE = {"", "0", "n", "no", "false", "off"}
_LABEL_TAKEN = {
    "uq_custom_field_definition_label": ("label", _l("A custom field with this label already exists.")),
    "custom_field_definition.label": ("label", _l("A custom field with this label already exists.")),
}


# --- reading ------------------------------------------------------------------------------------------


def all_definitions(session) -> list[CustomFieldDefinition]:
    """Every definition in order, archived ones included (the custom-fields page)."""
    return list(session.scalars(
        select(CustomFieldDefinition).order_by(CustomFieldDefinition.position, CustomFieldDefinition.id)
    ))


def active_definitions(session) -> list[CustomFieldDefinition]:
    """The definitions the forms, the customer card and the export show, in order."""
    return list(session.scalars(
        select(CustomFieldDefinition).where(CustomFieldDefinition.archived_at.is_(None))
        .order_by(CustomFieldDefinition.position, CustomFieldDefinition.id)
    ))


def display_value(definition: CustomFieldDefinition, value) -> str | None:
    """A stored value as a person reads it (None: no value); yes/no reads Yes or No."""
    if definition.field_type == "yesno":
        return str(_l("Yes")) if value is True else str(_l("No"))
    if value is None or value == "":
        return None
    return str(value)


def card_rows(session, customer: Customer) -> list[tuple[str, str | None]]:
    """(label, value as read) of every active field, in order: the customer card and the details page."""
    values = customer.custom_values or {}
    return [(d.label, display_value(d, values.get(d.key))) for d in active_definitions(session)]


def values_in_use(session, definition: CustomFieldDefinition) -> int:
    """How many customers (deleted ones too) have a value in this field."""
    return session.scalar(select(func.count()).select_from(Customer).where(_has_value(session, definition.key))) or 0


def _has_value(session, key: str):
    if session.get_bind().dialect.name == "sqlite":
        # (SQLAlchemy's JSON index on SQLite wraps the lookup in JSON_QUOTE, which turns "missing" into 'null')
        return func.json_type(Customer.custom_values, f'$."{key}"').is_not(None)
    return Customer.custom_values[key].is_not(None)


# --- the values' rule (every path that writes a customer calls it) -----------------------------------


def clean_values(session, raw: dict | None, *, existing: dict | None = None, creating: bool | None = None,
                 changed_only: bool = True, definitions: list | None = None) -> dict | None:
    """The custom values to store, from ``raw`` ({definition id (int or str) -> typed value}) and the
    ``existing`` stored ones.

    Each active definition named in ``raw`` is checked by its type and set (an empty value removes it);
    one not named keeps its stored value (when creating, it is empty). A required field must have a value.
    Archived definitions' values are kept untouched whatever ``raw`` says. With ``changed_only`` (the
    default), a value equal to the stored one is kept without checking it again, so an old value that
    today's options no longer offer doesn't block editing the rest of the customer. A refusal is a
    ServiceError beside the field ``custom_<id>``. Returns None when nothing is stored. ``definitions``: every
    definition, when the caller read them once for many customers (an import's batch).
    """
    creating = existing is None if creating is None else creating
    existing = dict(existing or {})
    raw = {str(key): value for key, value in (raw or {}).items()}
    definitions = {d.key: d for d in (definitions if definitions is not None
                                      else session.scalars(select(CustomFieldDefinition)))}
    unknown = set(raw) - set(definitions)
    if unknown:
        raise ValueError(f"not a custom field: {sorted(unknown)}")
    result = dict(existing)
    for key, definition in definitions.items():
        if definition.is_archived:
            continue  # hidden: its values stay as they are
        if key in raw:
            if changed_only and key in existing and _same(definition, raw[key], existing[key]):
                value = existing[key]
            else:
                value = clean_value(definition, raw[key])
        elif creating:
            value = None
        else:
            continue
        if value is None:
            result.pop(key, None)
            if definition.required and (creating or key in raw):
                raise ServiceError(_l("%(field)s is required.", field=definition.label), definition.field_name)
        else:
            result[key] = value
    return result or None


def _same(definition, typed, stored) -> bool:
    if definition.field_type == "yesno":
        return _as_bool(typed) == bool(stored)
    return isinstance(typed, str) and typed.strip() == str(stored)


def _as_bool(value) -> bool | None:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def clean_value(definition: CustomFieldDefinition, value):
    """One typed value as stored (None when empty), or a ServiceError beside its field."""
    field = definition.field_name
    if definition.field_type == "yesno":
        flag = _as_bool(value)
        if flag is None:
            raise ServiceError(_l("Choose yes or no."), field)
        return True if flag else None
    if value is None:
        return None
    if definition.field_type == "number" and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        value = str(value)
    if definition.field_type == "date" and isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise ServiceError(_l("This value can't be read."), field)
    text = value.strip()
    if not text:
        return None
    check_text(text, field)
    if definition.field_type == "text":
        if len(text) > TEXT_MAX:
            raise ServiceError(_l("At most %(n)d characters (you typed %(m)d).", n=TEXT_MAX, m=len(text)), field)
        return text
    if definition.field_type == "number":
        return _number(text, field)
    if definition.field_type == "date":
        return _date(text, field)
    if definition.field_type == "choice":
        if text not in (definition.options or []):
            raise ServiceError(_l("Choose one of the options."), field)
        return text
    raise ValueError(f"unknown custom field type {definition.field_type!r}")


def _number(text: str, field: str) -> str:
    compact = text.replace(" ", "").replace("\u00a0", "")
    if not _NUMBER_RE.match(compact):
        raise ServiceError(_l("Enter a number, for example 12 or 12.5."), field)
    try:
        number = Decimal(compact.replace(",", "."))
    except InvalidOperation:
        raise ServiceError(_l("Enter a number, for example 12 or 12.5."), field) from None
    digits = len(number.as_tuple().digits)
    if digits > NUMBER_MAX_DIGITS:
        raise ServiceError(_l("At most %(n)d digits.", n=NUMBER_MAX_DIGITS), field)
    if number == 0:
        return "0"
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def _date(text: str, field: str) -> str:
    if not _DATE_RE.match(text):
        raise ServiceError(_l("Enter a date as YYYY-MM-DD, for example 2027-03-31."), field)
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ServiceError(_l("This date doesn't exist."), field) from None


# --- the definitions (system administrators) -----------------------------------------------------------


def parse_options(text) -> list[str]:
    """The options as typed in the form: one per line, empty lines dropped."""
    if isinstance(text, (list, tuple)):
        lines = text
    else:
        lines = str(text or "").splitlines()
    return [str(line).strip() for line in lines if str(line).strip()]


def _clean_definition(session, values: dict, own: CustomFieldDefinition | None) -> dict:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a custom field setting: {sorted(unknown)}")
    cleaned = {}
    if "label" in values or own is None:
        label = (values.get("label") or "").strip()
        if not label:
            raise ServiceError(_l("Enter a label."), "label")
        check_lengths(CustomFieldDefinition, {"label": label})
        taken = session.scalar(
            select(CustomFieldDefinition).where(func.lower(CustomFieldDefinition.label) == label.lower())
        )
        if taken is not None and taken is not own:
            raise ServiceError(_l("A custom field with this label already exists."), "label")
        cleaned["label"] = label
    kind = values.get("type", own.field_type if own is not None else None)
    if kind not in FIELD_TYPES:
        raise ServiceError(_l("Choose a type from the list."), "type")
    if own is not None and kind != own.field_type and values_in_use(session, own):
        raise ServiceError(
            _l("The type can't be changed while customers have a value in this field."), "type"
        )
    cleaned["field_type"] = kind
    required = bool(values.get("required", own.required if own is not None else False))
    if required and kind == "yesno":
        raise ServiceError(_l("A yes/no field can't be required: unticked means No."), "required")
    cleaned["required"] = required
    if kind == "choice":
        options = parse_options(values.get("options", own.options if own is not None else None))
        if not options:
            raise ServiceError(_l("Enter at least one option, one per line."), "options")
        if len(options) > OPTIONS_MAX:
            raise ServiceError(_l("At most %(n)d options.", n=OPTIONS_MAX), "options")
        seen = set()
        for option in options:
            check_text(option, "options")
            if len(option) > OPTION_MAX:
                raise ServiceError(_l("An option has at most %(n)d characters.", n=OPTION_MAX), "options")
            if option.lower() in seen:
                raise ServiceError(_l("The option %(option)s is listed twice.", option=option), "options")
            seen.add(option.lower())
        cleaned["options"] = options
    else:
        cleaned["options"] = None
    return cleaned


def create_definition(session, actor: User | None, **values) -> CustomFieldDefinition:
    """A new field, placed last."""
    locking.remember_actor(session, actor)
    cleaned = _clean_definition(session, values, None)
    last = session.scalar(select(func.max(CustomFieldDefinition.position)))
    definition = CustomFieldDefinition(position=(last or 0) + 1, **cleaned)
    with unique_guard(session, _LABEL_TAKEN):
        session.add(definition)
    return definition


def update_definition(session, actor: User | None, definition: CustomFieldDefinition, *,
                      expected_version=None, **values) -> CustomFieldDefinition:
    """Change the label, type (only while no customer has a value), required, options."""
    locking.check_version(session, actor, definition, expected_version)
    cleaned = _clean_definition(session, values, definition)
    with locking.stale_guard(session, actor, definition), unique_guard(session, _LABEL_TAKEN):
        for name, value in cleaned.items():
            if getattr(definition, name) != value:
                setattr(definition, name, value)
    return definition


def move_definition(session, actor: User | None, definition: CustomFieldDefinition, direction: str) -> bool:
    """Swap places with the neighbour above ("up") or below ("down"); False when already first or last."""
    locking.remember_actor(session, actor)
    if direction not in ("up", "down"):
        raise ValueError(direction)
    order = all_definitions(session)
    for index, item in enumerate(order):  # positions made distinct (1, 2, 3, …) before swapping
        if item.position != index + 1:
            item.position = index + 1
    at = order.index(definition)
    other_at = at - 1 if direction == "up" else at + 1
    if other_at < 0 or other_at >= len(order):
        session.flush()
        return False
    other = order[other_at]
    with locking.stale_guard(session, actor, definition):
        definition.position, other.position = other.position, definition.position
        session.flush()
    return True


def archive_definition(session, actor: User | None, definition: CustomFieldDefinition) -> bool:
    """Hide the field from forms, the card and the export; its values are kept. False: already archived."""
    locking.remember_actor(session, actor)
    if definition.is_archived:
        return False
    with locking.stale_guard(session, actor, definition):
        definition.archived_at = utcnow()
        session.flush()
    return True


def restore_definition(session, actor: User | None, definition: CustomFieldDefinition) -> bool:
    """Show an archived field again, with the values it kept. False: it was not archived."""
    locking.remember_actor(session, actor)
    if not definition.is_archived:
        return False
    with locking.stale_guard(session, actor, definition):
        definition.archived_at = None
        session.flush()
    return True


def delete_definition(session, actor: User | None, definition: CustomFieldDefinition) -> str:
    """Delete a field no customer has a value in (otherwise: archive it)."""
    locking.remember_actor(session, actor)
    in_use = values_in_use(session, definition)
    if in_use:
        raise ServiceError(_l(
            "%(n)d customers have a value in %(field)s, so it can't be deleted. Archive it instead: "
            "it is hidden and the values are kept.", n=in_use, field=definition.label,
        ))
    label = definition.label
    with locking.stale_guard(session, actor, definition):
        session.delete(definition)
        session.flush()
    return label
