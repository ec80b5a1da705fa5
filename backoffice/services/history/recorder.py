"""The recorder every write path uses: SQLAlchemy session events turn each flush of a tracked model into
History entries.

They look at what a flush writes for the models in ``TRACKED`` (each model says so with ``track`` beside
its class) and insert their entries through the same connection, inside the same transaction (and the
same savepoint): a change that rolls back leaves no entry, and nothing is committed without its entry.
No service and no view calls the recorder for ordinary create / update / delete / recover / purge /
admin change / share / unshare; they only flush. Who acted comes from the services' actor (actor.py).

Core bulk writes (``session.execute(insert(...), rows)``) are not seen by ORM events; imports write their
entries with ``record_bulk`` (one executemany per call). Manual entries (notes, security events) use
``record``. ``disabled(session)`` switches recording off (the benchmark's baseline, nothing else).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from backoffice.infra import bulk
from backoffice.models import HistoryEntry, User
from backoffice.models.base import utcnow
from backoffice.services.history.actor import ANONYMOUS, actor_tuple, current_actor
from backoffice.services.history.anonymise import anonymise_record
from backoffice.services.history.registry import TRACKED, Tracked

OFF_KEY = "history_off"
NOTE_KEY = "history_note"
DELETED_KEY = "history_deleted_names"


@contextmanager
def disabled(session):
    """Record nothing inside the block (for measuring the recorder's cost only)."""
    session.info[OFF_KEY] = True
    try:
        yield
    finally:
        session.info.pop(OFF_KEY, None)


@contextmanager
def with_note(session, note: str):
    """Entries recorded inside the block carry ``note`` (e.g. "Restored from …")."""
    session.info[NOTE_KEY] = str(note)
    try:
        yield
    finally:
        session.info.pop(NOTE_KEY, None)


# --- values -----------------------------------------------------------------------------------------


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):  # (a choice field's options)
        return [_jsonable(item) for item in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    return str(value)


_COLUMNS: dict[type, tuple[str, ...]] = {}


def _prepare(model: type, spec: Tracked) -> None:
    """Remember the recorded columns, and make setting one load its previous value first
    (``active_history``), so "old" is known even when the object was expired by a commit."""
    mapper = inspect(model)
    keys = tuple(attr.key for attr in mapper.column_attrs if attr.key not in spec.ignore)
    _COLUMNS[model] = keys
    for key in keys:
        if key not in spec.secrets:
            event.listen(getattr(model, key), "set", _noop, active_history=True)


def _noop(target, value, oldvalue, initiator):
    return value


def _changes(session, obj, spec: Tracked, *, created: bool) -> list[dict]:
    # A new object's values are its attribute dict (no history to read: everything set is new).
    state = None if created else inspect(obj)
    values = obj.__dict__
    changes = []
    for key in _COLUMNS[type(obj)]:
        if key in spec.secrets:
            if created:
                if values.get(key) is not None:
                    changes.append({"field": spec.secrets[key], "changed": True})
            elif state.attrs[key].history.has_changes():
                changes.append({"field": spec.secrets[key], "changed": True})
            continue
        expand = spec.field_changes.get(key)
        if expand is not None:
            if created:
                changes.extend(expand(session, None, values.get(key)))
            elif state.attrs[key].history.has_changes():
                history = state.attrs[key].history
                changes.extend(expand(session, history.deleted[0] if history.deleted else None,
                                      history.added[0] if history.added else None))
            continue
        if created:
            old, new = None, values.get(key)
            if new is None or new == "":
                continue
        else:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
        change = {"field": key, "old": _jsonable(old), "new": _jsonable(new)}
        labeller = spec.value_labels.get(key)
        if labeller is not None:
            change["old_label"] = labeller(session, old)
            change["new_label"] = labeller(session, new)
        changes.append(change)
    for key, (name, value_of) in spec.collections.items():
        if created:
            old, new = None, sorted(value_of(item) for item in values.get(key) or ())
            if not new:
                continue
        else:
            history = state.attrs[key].history
            if not history.added and not history.deleted:
                continue
            old = sorted(value_of(item) for item in [*history.unchanged, *history.deleted])
            new = sorted(value_of(item) for item in [*history.unchanged, *history.added])
            if old == new:
                continue
        changes.append({"field": name, "old": old, "new": new})
    return changes


def _kind_for_update(changes: list[dict]) -> str:
    fields = {c["field"]: c for c in changes}
    if "deleted_at" in fields:
        c = fields["deleted_at"]
        if c.get("old") is None and c.get("new") is not None:
            return "delete"
        if c.get("old") is not None and c.get("new") is None:
            return "recover"
    if "archived_at" in fields:  # a custom field's definition (models/custom_field.py)
        c = fields["archived_at"]
        if c.get("old") is None and c.get("new") is not None:
            return "archive"
        if c.get("old") is not None and c.get("new") is None:
            return "unarchive"
    if "password" in fields:
        return "password_changed"
    if "admin_user_id" in fields:
        return "admin_change"
    return "update"


def _where(obj, spec: Tracked) -> tuple[str, int]:
    if spec.file_under is not None:
        return spec.file_under(obj)
    return spec.record_type, getattr(obj, _key_attribute(type(obj)))


_KEYS: dict[type, str] = {}


def _key_attribute(model: type) -> str:
    """The attribute of ``model``'s (first) primary key column."""
    if model not in _KEYS:
        mapper = inspect(model)
        _KEYS[model] = mapper.get_property_by_column(mapper.primary_key[0]).key
    return _KEYS[model]


def _parent_key(obj, relationship: str) -> tuple[type, object]:
    """(the parent's class, its primary key) of ``obj``'s many-to-one ``relationship``, from the foreign key."""
    mapper = inspect(type(obj))
    prop = mapper.relationships[relationship]
    key = tuple(getattr(obj, mapper.get_property_by_column(column).key) for column in prop.local_columns)
    return prop.mapper.class_, key


# --- the session events ----------------------------------------------------------------------------


def _before_flush(session, flush_context, instances):
    """Deleted objects: take their display names while every relation can still load."""
    if session.info.get(OFF_KEY):
        return
    names = {}
    for obj in session.deleted:
        spec = TRACKED.get(type(obj))
        if spec is not None and spec.custom is None:
            names[id(obj)] = spec.name(obj)
    session.info[DELETED_KEY] = names


def _created_rows(session, obj) -> list[dict]:
    """The entries that say ``obj`` was created (none for a model History does not track)."""
    spec = TRACKED.get(type(obj))
    if spec is None:
        return []
    if spec.custom is not None:
        return list(spec.custom(session, obj, "create"))
    record_type, record_id = _where(obj, spec)
    return [dict(kind="create", record_type=record_type, record_id=record_id, record_name=spec.name(obj),
                 changes=_changes(session, obj, spec, created=True) or None)]


def record_created(session, actor, objects: Iterable) -> int:
    """The entries of objects written without the unit of work (infra/bulk.py), as a flush would have
    recorded them: one create entry each, described by the same rules, in one write."""
    if session.info.get(OFF_KEY):
        return 0
    rows = [row for obj in objects for row in _created_rows(session, obj)]
    if rows:
        _insert(session, actor_tuple(actor), rows)
    return len(rows)


def _after_flush(session, flush_context):
    if session.info.get(OFF_KEY):
        return
    deleted_names = session.info.pop(DELETED_KEY, {})
    rows: list[dict] = []
    anonymise: list[tuple[str, int, bool]] = []
    deleted_keys = {(type(o), inspect(o).identity) for o in session.deleted}
    for obj in session.new:
        rows.extend(_created_rows(session, obj))
    for obj in session.dirty:
        spec = TRACKED.get(type(obj))
        if spec is None or spec.custom is not None or obj in session.deleted:
            continue
        changes = _changes(session, obj, spec, created=False)
        if not changes:
            continue
        kind = _kind_for_update(changes)
        if kind in ("delete", "recover"):
            changes = [c for c in changes if c["field"] != "deleted_at"]
        if kind in ("archive", "unarchive"):
            changes = [c for c in changes if c["field"] != "archived_at"]
        record_type, record_id = _where(obj, spec)
        rows.append(
            dict(kind=kind, record_type=record_type, record_id=record_id, record_name=spec.name(obj),
                 changes=changes or None)
        )
    for obj in session.deleted:
        spec = TRACKED.get(type(obj))
        if spec is None:
            continue
        if spec.custom is not None:
            rows.extend(spec.custom(session, obj, "delete"))
            continue
        if spec.part_of is not None and _parent_key(obj, spec.part_of) in deleted_keys:
            continue  # part of its parent's purge
        record_type, record_id = _where(obj, spec)
        rows.append(
            dict(kind="purge", record_type=record_type, record_id=record_id,
                 record_name=deleted_names.get(id(obj)) or f"#{record_id}", changes=None)
        )
        if spec.anonymise_on_purge is not None:
            anonymise.append((record_type, record_id, spec.anonymise_on_purge(obj)))
    if rows:
        _insert(session, current_actor(session), rows, note=session.info.get(NOTE_KEY))
    for record_type, record_id, scrub_name in anonymise:
        anonymise_record(session, record_type, record_id, scrub_name=scrub_name)


def _insert(session, actor: tuple[int | None, str], rows: list[dict], *, note=None) -> None:
    now = utcnow()
    actor_id, actor_name = actor
    for row in rows:
        row.setdefault("occurred_at", now)
        row.setdefault("actor_id", actor_id)
        row.setdefault("actor_name", actor_name)
        row.setdefault("changes", None)
        row.setdefault("note", note)
        row.setdefault("note_deleted_at", None)
        row["record_name"] = (row.get("record_name") or "")[:300]
    session.info[WRITTEN_KEY] = session.info.get(WRITTEN_KEY, 0) + len(rows)
    if len(rows) >= _BULK:  # an import's batch: COPY on PostgreSQL (infra/bulk.py)
        bulk.insert_rows(session, HistoryEntry.__table__, rows)
        return
    # One row (the usual edit) goes as a plain execute, which is cheaper than the executemany path.
    session.connection().execute(_INSERT, rows[0] if len(rows) == 1 else rows)


_BULK = 100


_INSERT = insert(HistoryEntry.__table__)


_installed = False


WRITTEN_KEY = "history_entries_written"


def entries_written(session) -> int:
    """How many entries the recorder has written on this session so far: an import compares it before and
    after a row to tell a row that changed something from one that changed nothing."""
    return session.info.get(WRITTEN_KEY, 0)


def install() -> None:
    """Listen on every Session (once per process), for every model tracked by then (all of them: the
    models are imported before the app is made)."""
    global _installed
    if _installed:
        return
    for model, spec in TRACKED.items():
        _prepare(model, spec)
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    _installed = True


# --- manual entries ----------------------------------------------------------------------------------


def record(session, kind: str, record_type: str, record_id: int | None, record_name: str, *,
           changes: list | None = None, note: str | None = None, actor=...) -> HistoryEntry:
    """One entry written by hand (notes, security events); flushed with the caller's transaction."""
    actor_id, actor_name = current_actor(session) if actor is ... else actor_tuple(actor)
    entry = HistoryEntry(
        occurred_at=utcnow(), actor_id=actor_id, actor_name=actor_name, kind=kind, record_type=record_type,
        record_id=record_id, record_name=(record_name or "")[:300], changes=changes, note=note,
    )
    session.add(entry)
    session.flush()
    return entry


def record_bulk(session, actor, entries: Iterable[dict]) -> int:
    """Many entries in one executemany (imports write their records with Core, which events don't see).

    Each entry: kind, record_type, record_id, record_name, and optionally changes and note.
    """
    if session.info.get(OFF_KEY):
        return 0
    rows = [
        {k: e.get(k) for k in ("kind", "record_type", "record_id", "record_name", "changes", "note")}
        for e in entries
    ]
    if rows:
        _insert(session, actor_tuple(actor), rows)
    return len(rows)


def record_security(session, kind: str, user: User | None, *, email: str | None = None, actor=...) -> None:
    """Sign-in, failed sign-in, sign-out: filed on the user (a failed sign-in keeps the typed e-mail only)."""
    changes = None
    if kind == "sign_in_failed":
        changes = [{"field": "email", "old": None, "new": (email or "")[:254]}]
        actor = (None, ANONYMOUS)  # nobody signed in; the password typed is never kept
    if actor is ...:
        actor = user
    record(
        session, kind, "user", user.id if user is not None else None,
        TRACKED[User].name(user) if user is not None else (email or "")[:254],
        changes=changes, actor=actor,
    )
