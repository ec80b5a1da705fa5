"""Custom fields of the customer register (seed 001): the system administrator defines them, the values
live on the customer (``Customer.custom_values``, a JSON object keyed by the definition's id as a string).

A definition is never deleted while a customer has a value in it (services/custom_fields.py); archiving
hides it from forms, the card and the export and keeps the values. The values' rules (by type, required)
are the service's ``clean_values``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, Timestamps
from backoffice.models.history import Tracked, track
from backoffice.models.versioned import Versioned

FIELD_TYPES = ("text", "number", "date", "yesno", "choice")
_TYPE_LIST = ", ".join(f"'{t}'" for t in FIELD_TYPES)


class CustomFieldDefinition(Versioned, Timestamps, Base):
    __tablename__ = "custom_field_definition"
    __table_args__ = (
        CheckConstraint("trim(label) <> ''", name="label_not_empty"),
        CheckConstraint(f"type IN ({_TYPE_LIST})", name="type_known"),
        CheckConstraint("type = 'choice' OR options IS NULL", name="options_only_choice"),
        # an unticked yes/no field means No: it always has an answer, so it can't be "required"
        CheckConstraint("type <> 'yesno' OR NOT required", name="yesno_not_required"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100), unique=True)
    # (the column is "type"; the attribute has its own name, so History labels it apart from a customer's type)
    field_type: Mapped[str] = mapped_column("type", String(16))
    # The options of a choice field, in order (a JSON list of strings); NULL for every other type.
    options: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def key(self) -> str:
        """The key of this field's value in ``Customer.custom_values``."""
        return str(self.id)

    @property
    def field_name(self) -> str:
        """The form field's name (and the ``field`` of a ServiceError about its value)."""
        return f"custom_{self.id}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __str__(self) -> str:
        return self.label


# --- how History records a customer's values: one change per field, named by the definition's label ----


def custom_value_changes(session, old, new) -> list[dict]:
    """``Customer.custom_values`` changed from ``old`` to ``new`` (dicts or None): one change per field,
    {"field": "custom_<id>", "label": <the definition's label now>, "old": …, "new": …}. A yes/no field
    without a value reads No."""
    old, new = old or {}, new or {}
    keys = sorted(set(old) | set(new), key=lambda k: (len(k), k))
    changes = []
    definitions = {}
    for key in keys:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        definition = definitions.get(key)
        if definition is None and key.isdigit():
            definition = definitions[key] = session.get(CustomFieldDefinition, int(key))
        if definition is not None and definition.field_type == "yesno":
            before, after = bool(before), bool(after)
            if before == after:
                continue
        changes.append({
            "field": f"custom_{key}",
            "label": definition.label if definition is not None else f"#{key}",
            "old": before,
            "new": after,
        })
    return changes


track(CustomFieldDefinition, Tracked("custom_field", name=lambda d: d.label))
