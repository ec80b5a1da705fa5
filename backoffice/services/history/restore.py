"""Restore: set a field back to the value it had before an entry, through the record's own update service
(so every rule of an ordinary edit applies, and the change is recorded like any edit, with a note).

Not exported by the package: it calls the services of the records it restores, which themselves record
into History; importing it from ``backoffice.services.history.restore`` keeps that one way round.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from backoffice.models import Customer, HistoryEntry, Organization, User
from backoffice.services import customers, organizations, users
from backoffice.services.errors import ServiceError
from backoffice.services.history.recorder import with_note
from backoffice.services.history.registry import RESTORABLE, restorable

# record_type -> (model, the update service called as f(session, actor, obj, **{field: old_value})).
RESTORERS = {
    "organization": (Organization, organizations.update_organization),
    "user": (User, users.update_user),
    "customer": (Customer, customers.update_customer),
}
assert set(RESTORERS) == set(RESTORABLE), "every restorable record type names its update service"


def restore_value(session, actor, entry: HistoryEntry, field_name: str):
    """Set a field back to the value it had before ``entry``, through the record's own update service."""
    change = next((c for c in entry.changes or [] if c.get("field") == field_name), None)
    if change is None or not restorable(entry, change):
        raise ServiceError(_l("This value can't be restored."))
    model, update = RESTORERS[entry.record_type]
    obj = session.get(model, entry.record_id)
    if obj is None:
        raise ServiceError(_l("The record no longer exists, so the value can't be restored."))
    try:
        with with_note(session, _l("Restored the value from %(when)s", when=entry.occurred_at.strftime("%Y-%m-%d %H:%M UTC"))):
            update(session, actor, obj, **{field_name: change.get("old")})
            session.flush()
    except ServiceError as error:
        raise ServiceError(
            _l("The value can't be restored: %(why)s", why=str(error.message)), error.field
        ) from error
    return obj
