"""Personal data in History: blanked when the record it is about is permanently deleted (seed 001)."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from backoffice.models import HistoryEntry
from backoffice.services.history.registry import TRACKED, timeline_types

REMOVED = "[removed]"
# A tracked record type whose personal fields include these is about a person: its entries' titles are names.
PERSON_NAME_FIELDS = frozenset({"first_name", "last_name"})

_EMAIL_RE = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_PHONE_RE = re.compile(r"\+?\d[\d\s\-()]{6,}\d")


def _scrub_text(text):
    if not isinstance(text, str):
        return text
    return _PHONE_RE.sub(REMOVED, _EMAIL_RE.sub(REMOVED, text))


def anonymise_record(session, record_type: str, record_id: int, *, scrub_name: bool = False) -> int:
    """Blank the personal data of persons (names, e-mails, phones) in one record's entries.

    What happened, when and by whom stays, and so does an organization's name. Returns how many
    entries changed. Called by the recorder when a record whose model says ``anonymise_on_purge`` is permanently deleted.
    """
    types = timeline_types(record_type)
    personal: dict[str, frozenset] = {}
    for spec in TRACKED.values():
        if spec.record_type in types:
            personal[spec.record_type] = personal.get(spec.record_type, frozenset()) | spec.personal
    conn = session.connection()
    table = HistoryEntry.__table__
    rows = conn.execute(
        select(table.c.id, table.c.record_type, table.c.changes, table.c.note, table.c.record_name).where(
            table.c.record_type.in_(types), table.c.record_id == record_id
        )
    ).all()
    count = 0
    for row in rows:
        fields = personal.get(row.record_type, frozenset())
        new_changes = None
        if row.changes:
            new_changes = []
            for change in row.changes:
                change = dict(change)
                if change.get("field") in fields:
                    for key in ("old", "new", "old_label", "new_label"):
                        if change.get(key) is not None:
                            change[key] = REMOVED
                else:
                    for key in ("old", "new", "old_label", "new_label"):
                        if isinstance(change.get(key), str) and _EMAIL_RE.search(change[key]):
                            change[key] = _scrub_text(change[key])
                new_changes.append(change)
        values = {"changes": new_changes, "note": _scrub_text(row.note)}
        # The title of an entry about a person (a contact: "Anna Berg (Bergdata AB)") is a name too.
        names_a_person = bool(fields & PERSON_NAME_FIELDS)
        if scrub_name or names_a_person:
            values["record_name"] = REMOVED if names_a_person else f"#{record_id}"
        if values["changes"] != row.changes or values["note"] != row.note or values.get("record_name", row.record_name) != row.record_name:
            conn.execute(update(table).where(table.c.id == row.id).values(**values))
            count += 1
    return count
