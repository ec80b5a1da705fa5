"""History: what happened to each record, who did it and when (seeds 001 and 004).

One module per concept:

* ``registry``  which record types and kinds exist, what a timeline shows, what can be restored
  (each model says how it is recorded with ``track`` beside its class, backoffice/models/history.py);
* ``actor``     who acted: read from the actor the services name (``locking.remember_actor``);
* ``recorder``  the session events that write an entry for every flushed change, and manual entries;
* ``timeline``  reading one record's entries;
* ``notes``     notes on a record, and their deletion;
* ``anonymise`` blanking personal data when a record is permanently deleted;
* ``restore``   setting a value back through the record's own service (import it from
  ``backoffice.services.history.restore``: it calls the other services, so the package does not import it).

The labels people read (kinds, record types, fields, values) are presentation: backoffice/admin/history_labels.py.
The names below are the package's public interface (``from backoffice.services import history``).
"""

from backoffice.services.history.actor import ANONYMOUS, SYSTEM, acting_as, clear_actor, current_actor, set_actor
from backoffice.services.history.anonymise import REMOVED, anonymise_record
from backoffice.services.history.notes import add_note, can_delete_note, delete_note
from backoffice.services.history.recorder import (
    OFF_KEY,
    disabled,
    entries_written,
    install,
    record,
    record_bulk,
    record_created,
    record_security,
    with_note,
)
from backoffice.services.history.registry import (
    BOOKKEEPING,
    KIND_GROUPS,
    RESTORABLE,
    TIMELINE_TYPES,
    TRACKED,
    Tracked,
    restorable,
    timeline_types,
    track,
)
from backoffice.services.history.timeline import PAGE_SIZE, timeline

__all__ = [
    "ANONYMOUS", "BOOKKEEPING", "KIND_GROUPS", "OFF_KEY", "PAGE_SIZE", "REMOVED", "RESTORABLE", "SYSTEM",
    "TIMELINE_TYPES", "TRACKED", "Tracked", "acting_as", "add_note", "anonymise_record", "can_delete_note",
    "clear_actor", "current_actor", "delete_note", "disabled", "entries_written", "install", "record", "record_bulk",
    "record_created", "record_security", "restorable", "set_actor", "timeline", "timeline_types", "track", "with_note",
]
