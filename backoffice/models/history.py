"""History: one table of entries for every record type (seeds 001 "History", 004 "Timeline").

An entry says when (UTC), who (the user, or "system"), what (its kind), which record (type, id and the
display name it had, so entries outlive a permanent delete) and, for a change, each field's previous and
new value. Entries are written by backoffice.services.history only; nothing edits them afterwards except
a note's soft deletion and the anonymisation of a permanently deleted customer.

``track(Model, Tracked(...))`` is how a model says it is recorded: the one registration, called in the
model's own module right below the class (so it exists wherever the model does, with no import to
remember). The recorder (services/history/recorder.py) reads ``TRACKED``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, utcnow

# What happened. Kinds are open-ended (later issues add their own); these are the ones known today.
KINDS = (
    "create",
    "update",
    "delete",  # soft delete
    "recover",
    "purge",  # permanent delete
    "admin_change",
    "archive",  # a custom field's definition hidden (values kept) …
    "unarchive",  # … and shown again
    "share",
    "unshare",
    "group_add",  # a customer joined a customer group (issue 11) …
    "group_remove",  # … and left it
    "import",  # many customers added at once (issue 13): one entry with the counts
    "assign",  # a user assigned to a customer (issue 14) …
    "unassign",  # … and unassigned
    "note",
    "note_deleted",
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "password_changed",
)
SECURITY_KINDS = ("sign_in", "sign_in_failed", "sign_out", "password_changed")

# Fields that change by themselves and say nothing about what a person did.
BOOKKEEPING = frozenset(
    {"id", "created_at", "updated_at", "version", "updated_by_id", "last_login_at", "session_version"}
)


@dataclass(frozen=True)
class Tracked:
    """How one model is recorded."""

    record_type: str
    name: Callable[[object], str]
    ignore: frozenset = BOOKKEEPING
    # attribute -> the field name the entry uses; the entry says only that it changed.
    secrets: dict = field(default_factory=dict)
    # Fields holding personal data of persons, blanked by anonymise_record.
    personal: frozenset = frozenset()
    # attribute -> function(session, value) giving the value as people read it (foreign keys).
    value_labels: dict = field(default_factory=dict)
    # attribute -> function(session, old, new) giving that column's change as several field-level changes
    # (a JSON column of values: the customer's custom fields, one "Label: old → new" each).
    field_changes: dict = field(default_factory=dict)
    # (record_type, record_id) an entry is filed under, when not the object's own.
    file_under: Callable[[object], tuple[str, int]] | None = None
    # A one-to-many collection recorded as one field of its parent (a role's permissions): attribute ->
    # (field name, function(item) -> its value); the change lists the values before and after, sorted.
    collections: dict = field(default_factory=dict)
    # A custom recorder for link rows (shares): function(session, obj, event) -> list of entry rows.
    custom: Callable | None = None
    # The many-to-one relationship to the record this one is part of: deleted with it, no purge entry of its own.
    part_of: str | None = None
    # When set, a permanent delete blanks the personal data in the record's history; the function says
    # whether the record's name is personal too (a private person's): function(obj) -> bool.
    anonymise_on_purge: Callable[[object], bool] | None = None


TRACKED: dict[type, Tracked] = {}


# Records written in bulk (infra/bulk.py), outside the session, by (class, id), until History has described
# them: a label finds them here instead of loading each one again.
WRITTEN_KEY = "bulk_written"


def record_label(model) -> Callable:
    """A value label for a foreign key (``Tracked.value_labels``): the record it names as people read it
    (its ``str``), or "#id" once that record is gone."""

    def label(session, record_id):
        if record_id is None:
            return None
        record = session.info.get(WRITTEN_KEY, {}).get((model, record_id)) or session.get(model, record_id)
        return str(record) if record is not None else f"#{record_id}"

    return label


def track(model: type, spec: Tracked) -> None:
    """Record ``model`` in History; call it in the model's module, right below the class."""
    TRACKED[model] = spec


class HistoryEntry(Base):
    __tablename__ = "history_entry"
    __table_args__ = (
        CheckConstraint("kind <> ''", name="kind_not_empty"),
        CheckConstraint("record_type <> ''", name="record_type_not_empty"),
        # The timeline of one record, newest first (a B-tree is read backwards just as fast).
        Index("ix_history_entry_record", "record_type", "record_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(300), default="system")
    kind: Mapped[str] = mapped_column(String(32))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(Integer)
    record_name: Mapped[str] = mapped_column(String(300), default="")
    # [{"field": name, "old": value, "new": value}]; a secret is {"field": name, "changed": true}.
    changes: Mapped[list | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    note_deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_note(self) -> bool:
        return self.kind == "note"

    def __repr__(self) -> str:
        return f"<HistoryEntry {self.id} {self.kind} {self.record_type}:{self.record_id}>"


def pair_rows(row, *, kinds: tuple[str, str], field: str, customer_name: str, name: str,
              event_name: str) -> list[dict]:
    """The entry of a link row between a customer and something else (a group membership, an assigned user):
    a change of the customer's ``field``, ``name`` added (``kinds[0]``) or removed (``kinds[1]``), on its timeline."""
    if event_name == "create":
        kind, change = kinds[0], {"field": field, "old": None, "new": name}
    else:
        kind, change = kinds[1], {"field": field, "old": name, "new": None}
    return [dict(kind=kind, record_type="customer", record_id=row.customer_id,
                 record_name=customer_name, changes=[change])]
