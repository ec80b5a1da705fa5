"""Notes: entries a person writes on a record's timeline; hidden (never erased) by their author or by
someone allowed to delete anyone's note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from backoffice.models import HistoryEntry
from backoffice.models.base import utcnow
from backoffice.models.roles import can
from backoffice.services.errors import ServiceError
from backoffice.services.history.recorder import record
from backoffice.services.validation import check_text

NOTE_MAX = 5000


def add_note(session, actor, record_type: str, record_id: int, record_name: str, text: str) -> HistoryEntry:
    text = (text or "").strip()
    if not text:
        raise ServiceError(_l("Write the note first."), "text")
    if len(text) > NOTE_MAX:
        raise ServiceError(_l("A note can be at most 5000 characters."), "text")
    check_text(text, "text", one_line=False)  # a note is several lines: line breaks and tabs only
    return record(session, "note", record_type, record_id, record_name, note=text, actor=actor)


def can_delete_note(actor, entry: HistoryEntry) -> bool:
    if actor is None or entry.kind != "note" or entry.note_deleted_at is not None:
        return False
    return (entry.actor_id is not None and entry.actor_id == actor.id) or can(actor, "history.delete_any_note")


def delete_note(session, actor, entry: HistoryEntry) -> HistoryEntry:
    """A note's author or a system admin hides the note; the deletion is itself an entry."""
    if entry.kind != "note":
        raise ServiceError(_l("Only a note can be deleted; other entries are kept."))
    if entry.note_deleted_at is not None:
        raise ServiceError(_l("This note is already deleted."))
    if not can_delete_note(actor, entry):
        raise ServiceError(_l("Only the note's author or a system administrator can delete it."))
    entry.note_deleted_at = utcnow()
    return record(
        session, "note_deleted", entry.record_type, entry.record_id, entry.record_name,
        changes=[{"field": "note", "old": f"#{entry.id}", "new": None}], actor=actor,
    )
