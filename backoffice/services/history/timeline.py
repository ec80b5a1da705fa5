"""Reading History: one record's timeline, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.models import HistoryEntry
from backoffice.services.history.registry import KIND_GROUPS, timeline_types

PAGE_SIZE = 25


def timeline(session, record_type: str, record_id: int, *, group: str | None = None,
             before: int | None = None, limit: int = PAGE_SIZE) -> tuple[list[HistoryEntry], bool]:
    """Entries of one record, newest first; ``before`` is the id of the last entry already shown.

    Returns (entries, more) where ``more`` says whether older entries exist.
    """
    types = timeline_types(record_type)
    query = select(HistoryEntry).where(HistoryEntry.record_id == record_id)
    query = query.where(HistoryEntry.record_type.in_(types)) if len(types) > 1 else query.where(
        HistoryEntry.record_type == types[0]
    )
    if group in KIND_GROUPS:
        query = query.where(HistoryEntry.kind.in_(KIND_GROUPS[group]))
    if before is not None:
        cursor = session.get(HistoryEntry, before)
        if cursor is not None:
            query = query.where(
                (HistoryEntry.occurred_at < cursor.occurred_at)
                | ((HistoryEntry.occurred_at == cursor.occurred_at) & (HistoryEntry.id < cursor.id))
            )
    query = query.order_by(HistoryEntry.occurred_at.desc(), HistoryEntry.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query))
    return rows[:limit], len(rows) > limit
