"""Optimistic locking in the services: the version a form was opened with is compared with the stored
one before anything is written, and a write that loses the race in the database (StaleDataError) ends
the same way: a ConflictError saying who changed the record and when. The version itself is kept by
models/versioned.py; it is never assigned from a form."""

from __future__ import annotations

import re
from contextlib import contextmanager

from flask_babel import LazyString, format_time
from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm.exc import StaleDataError

from backoffice.models import User
from backoffice.models.versioned import remember_actor
from backoffice.services.errors import ConflictError, ServiceError
from backoffice.services.validation import parse_id

__all__ = ["check_version", "conflict", "remember_actor", "stale_guard"]


def _message(changed_by: User | None, changed_at, actor: User | None, gone: bool = False) -> str:
    if gone:
        return _("Someone else deleted this record; your changes were not saved.")
    time = format_time(changed_at, "HH:mm") if changed_at is not None else "?"
    if changed_by is not None and actor is not None and changed_by.id == actor.id:
        return _("You changed this record at %(time)s (in another tab or window); your changes were not saved.",
                 time=time)
    if changed_by is not None:
        return _("%(name)s changed this record at %(time)s; your changes were not saved.",
                 name=changed_by.full_name or changed_by.email, time=time)
    return _("Someone else changed this record at %(time)s; your changes were not saved.", time=time)


def conflict(session, actor: User | None, record) -> ConflictError:
    """A ConflictError for ``record`` with what is stored now (read afresh, outside this session's cache)."""
    model = type(record)
    record_id = inspect(record).identity[0]  # without loading it: the row may be gone
    row = session.execute(
        select(model.version, model.updated_at, model.updated_by_id).where(model.id == record_id)
    ).one_or_none()
    version, changed_at, changed_by_id = row if row is not None else (None, None, None)
    changed_by = session.get(User, changed_by_id) if changed_by_id is not None else None
    return ConflictError(
        LazyString(_message, changed_by, changed_at, actor, row is None),
        record=record,
        changed_by=changed_by,
        changed_at=changed_at,
        version=version,
    )


def check_version(session, actor: User | None, record, expected_version) -> None:
    """Refuse the save when the form was opened on another version than the stored one.

    ``expected_version`` None means the caller carries no form (CLI, demo, bulk actions); anything
    else that is not the stored version (also a missing or malformed one) is a conflict.
    """
    remember_actor(session, actor)
    if expected_version is None:
        return
    expected = parse_id(expected_version)  # versions start at 1; a malformed one is None: a conflict
    if expected is None or expected != record.version:
        raise conflict(session, actor, record)


def _stale_table(exc: StaleDataError) -> str | None:
    match = re.search(r"on table '([^']+)'", str(exc))
    return match.group(1) if match else None


@contextmanager
def stale_guard(session, actor: User | None, record, others: dict | None = None):
    """Two saves of the same row in the same instant: the database lets one through; the other (its
    UPDATE matched no row of the version it read) becomes the same ConflictError as a stale form.

    ``others`` maps another table the operation writes (the user picked as customer admin) to
    ``(field, message)``: losing the race on that row is a refusal beside that field instead.
    """
    try:
        yield
    except StaleDataError as exc:
        if not session.is_active:  # a flush outside a savepoint failed: the transaction must go
            session.rollback()
        table = _stale_table(exc)
        if others and table in others and (record is None or table != record.__table__.name):
            field, message = others[table]
            raise ServiceError(message, field) from exc
        if record is None:
            raise
        raise conflict(session, actor, record) from exc
