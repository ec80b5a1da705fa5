from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError


class ServiceError(Exception):
    """A rule said no. ``message`` is for the user; ``field`` names the form field it belongs beside."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@contextmanager
def unique_guard(session, constraint_fields: dict[str, tuple[str, object]]):
    """Flush inside a savepoint; turn a unique/foreign-key violation into a ServiceError.

    ``constraint_fields`` maps a constraint name (or a column name found in the DB message)
    to ``(field, message)``. Two requests racing past the pre-checks end here, never in a 500.
    """
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        text = str(exc.orig).lower()
        for key, (field, message) in constraint_fields.items():
            if key.lower() in text:
                raise ServiceError(message, field) from exc
        raise


class ConflictError(ServiceError):
    """Someone else saved the record after this form was opened (optimistic locking).

    ``record`` is the record (its attributes read again hold what is stored now), ``changed_by`` the
    user who saved last (None when unknown or deleted), ``changed_at`` when, ``version`` the stored
    version a deliberate second save must carry.
    """

    def __init__(self, message, *, record=None, changed_by=None, changed_at=None, version=None):
        super().__init__(message, None)
        self.record = record
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.version = version
