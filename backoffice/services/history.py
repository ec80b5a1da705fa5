"""History: the one recorder every write path uses.

Recording is automatic. SQLAlchemy session events look at what a flush writes for the models named in
``TRACKED`` and insert their entries through the same connection, inside the same transaction (and the
same savepoint): a change that rolls back leaves no entry, and nothing is committed without its entry.
No service and no view calls the recorder for ordinary create / update / delete / recover / purge /
admin change / share / unshare; they only flush.

Who acted is set explicitly on the session, never read from a request here:

* the web layer sets it once per request (``set_actor(db.session, current_user)`` in a ``before_request``
  hook, see backoffice/__init__.py);
* code that acts for someone else uses ``with acting_as(session, user): ...``;
* CLI commands and background jobs set nothing, so their entries say "system".

Core bulk writes (``session.execute(insert(...), rows)``) are not seen by ORM events; imports write their
entries with ``record_bulk`` (one executemany per call). Manual entries (notes, security events) use
``record``. ``disabled(session)`` switches recording off (the benchmark's baseline, nothing else).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from backoffice.models import BillingInfo, Customer, HistoryEntry, Organization, SharedAccount, User
from backoffice.models.base import utcnow
from backoffice.models.roles import can
from backoffice.services.errors import ServiceError

SYSTEM = "system"
ANONYMOUS = "anonymous"
REMOVED = "[removed]"
ACTOR_KEY = "history_actor"
OFF_KEY = "history_off"
NOTE_KEY = "history_note"
DELETED_KEY = "history_deleted_names"

# Fields that change by themselves and say nothing about what a person did.
BOOKKEEPING = frozenset(
    {"id", "created_at", "updated_at", "version", "updated_by_id", "last_login_at", "session_version"}
)

# Kind groups offered as timeline filters.
KIND_GROUPS = {
    "changes": ("create", "update", "admin_change", "password_changed"),
    "notes": ("note", "note_deleted"),
    "sharing": ("share", "unshare"),
    "deletion": ("delete", "recover", "purge"),
    "security": ("sign_in", "sign_in_failed", "sign_out", "signed_out_everywhere", "password_changed"),
}
KIND_GROUP_LABELS = {
    "changes": _l("Changes"),
    "notes": _l("Notes"),
    "sharing": _l("Sharing"),
    "deletion": _l("Deletion and recovery"),
    "security": _l("Security"),
}
KIND_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "recover": _l("Recovered"),
    "purge": _l("Permanently deleted"),
    "admin_change": _l("Customer admin changed"),
    "share": _l("Shared"),
    "unshare": _l("Sharing removed"),
    "note": _l("Note"),
    "note_deleted": _l("Note deleted"),
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_out": _l("Signed out"),
    "signed_out_everywhere": _l("Signed out everywhere by an administrator"),
    "password_changed": _l("Password changed"),
}
RECORD_TYPE_LABELS = {
    "customer": _l("Customer"),
    "organization": _l("Organization"),
    "user": _l("User"),
    "billing_info": _l("Billing information"),
}
# The labels of fields as the timeline shows them ("Name: old → new").
FIELD_LABELS = {
    "name": _l("Name"),
    "org_number": _l("Organization number"),
    "legal_form": _l("Legal form"),
    "digital_address": _l("Digital address"),
    "address": _l("Address"),
    "post_number": _l("Post number"),
    "region": _l("Region"),
    "municipality": _l("Municipality"),
    "country": _l("Country"),
    "phone": _l("Phone"),
    "website": _l("Website"),
    "email": _l("E-mail"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "language": _l("Language"),
    "timezone": _l("Time zone"),
    "role": _l("Role"),
    "active": _l("Active"),
    "must_change_password": _l("Must change password"),
    "password": _l("Password"),
    "photo": _l("Photo"),
    "type": _l("Type"),
    "organization_id": _l("Organization"),
    "admin_user_id": _l("Customer admin"),
    "status": _l("Status"),
    "customer_number": _l("Customer number"),
    "allow_shared_billing": _l("Allow shared billing"),
    "responsible_person": _l("Responsible person"),
    "shared_account": _l("Shared account"),
    "deleted_at": _l("Deleted"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ").capitalize()))


# --- the registry of tracked models -------------------------------------------------------------


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
    # (record_type, record_id) an entry is filed under, when not the object's own.
    file_under: Callable[[object], tuple[str, int]] | None = None
    # A custom recorder for link rows (shares): function(session, obj, event) -> list of entry rows.
    custom: Callable | None = None


def _user_label(session, user_id):
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return str(user) if user is not None else f"#{user_id}"


def _organization_label(session, org_id):
    if org_id is None:
        return None
    org = session.get(Organization, org_id)
    return org.name if org is not None else f"#{org_id}"


def _customer_name(customer) -> str:
    org = customer.__dict__.get("organization")
    if org is None and customer.organization_id is not None:
        org = customer.organization
    return org.name if org is not None else f"#{customer.id}"


def _shared_account_rows(session, link: SharedAccount, event_name: str) -> list[dict]:
    """A share is filed on both customers: each timeline names the other one."""
    kind = "share" if event_name == "create" else "unshare"
    customers = {c.id: c for c in (session.get(Customer, link.customer_id), session.get(Customer, link.shared_customer_id)) if c}
    rows = []
    for own, other in ((link.customer_id, link.shared_customer_id), (link.shared_customer_id, link.customer_id)):
        own_c, other_c = customers.get(own), customers.get(other)
        other_name = _customer_name(other_c) if other_c else f"#{other}"
        change = {"field": "shared_account", "old": None, "new": other_name}
        if kind == "unshare":
            change = {"field": "shared_account", "old": other_name, "new": None}
        rows.append(
            dict(kind=kind, record_type="customer", record_id=own,
                 record_name=_customer_name(own_c) if own_c else f"#{own}", changes=[change])
        )
    return rows


TRACKED: dict[type, Tracked] = {
    Organization: Tracked(
        "organization",
        name=lambda o: o.name,
        ignore=BOOKKEEPING | {"org_number_key"},  # derived from org_number
    ),
    User: Tracked(
        "user",
        name=lambda u: u.full_name or u.email,
        secrets={"password_hash": "password", "photo": "photo"},
        ignore=BOOKKEEPING | {"photo_mime"},
        personal=frozenset({"first_name", "last_name", "email"}),
    ),
    Customer: Tracked(
        "customer",
        name=_customer_name,
        personal=frozenset({"admin_user_id"}),
        value_labels={"admin_user_id": _user_label, "organization_id": _organization_label},
    ),
    BillingInfo: Tracked(
        "billing_info",
        name=lambda b: _customer_name(b.customer) if b.customer is not None else f"#{b.customer_id}",
        personal=frozenset({"email", "phone", "responsible_person"}),
        ignore=BOOKKEEPING | {"customer_id"},
    ),
    SharedAccount: Tracked("customer", name=lambda s: "", custom=_shared_account_rows),
}
# The record types one timeline shows: billing information has the customer's id and is part of its card.
TIMELINE_TYPES = {"customer": ("customer", "billing_info")}

# Which service function sets a field back ("Restore this value"), per record type:
# record_type -> (model, "module:function", restorable fields). The function is called as
# f(session, actor, obj, **{field: old_value}) so every rule of an ordinary edit applies.
RESTORERS: dict[str, tuple[type, str, tuple]] = {
    "organization": (
        Organization,
        "backoffice.services.organizations:update_organization",
        (
            "name", "org_number", "legal_form", "digital_address", "address", "post_number", "region",
            "municipality", "country", "phone", "website", "email",
        ),
    ),
    "user": (
        User,
        "backoffice.services.users:update_user",
        ("first_name", "last_name", "email", "language", "role", "active", "timezone"),
    ),
    "customer": (
        Customer,
        "backoffice.services.customers:update_customer",
        ("organization_id", "admin_user_id", "status", "customer_number", "allow_shared_billing"),
    ),
}


def register_restorer(record_type: str, model: type, function_path: str, fields: Iterable[str]) -> None:
    RESTORERS[record_type] = (model, function_path, tuple(fields))


def track(model: type, spec: Tracked) -> None:
    """Later issues add their models here (contacts, links, groups, settings, …)."""
    TRACKED[model] = spec
    if _installed:
        _prepare(model, spec)


# --- who is acting --------------------------------------------------------------------------------


def _actor_tuple(actor) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", True):
        return (None, SYSTEM)
    if isinstance(actor, tuple):
        return actor
    return (actor.id, (actor.full_name or actor.email) if isinstance(actor, User) else str(actor))


def set_actor(session, actor) -> None:
    """The user whose changes this session records (None: the system)."""
    session.info[ACTOR_KEY] = _actor_tuple(actor)


def clear_actor(session) -> None:
    session.info.pop(ACTOR_KEY, None)


@contextmanager
def acting_as(session, actor):
    previous = session.info.get(ACTOR_KEY)
    set_actor(session, actor)
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(ACTOR_KEY, None)
        else:
            session.info[ACTOR_KEY] = previous


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


def _current_actor(session) -> tuple[int | None, str]:
    actor = session.info.get(ACTOR_KEY)
    if actor is None and session.info.get("actor") is not None:  # a User put there by other code
        actor = _actor_tuple(session.info["actor"])
    return actor or (None, SYSTEM)


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
    state = inspect(obj)
    changes = []
    for key in _COLUMNS[type(obj)]:
        if key in spec.secrets:
            if created:
                if state.dict.get(key) is not None:
                    changes.append({"field": spec.secrets[key], "changed": True})
            elif state.attrs[key].history.has_changes():
                changes.append({"field": spec.secrets[key], "changed": True})
            continue
        if created:
            old, new = None, state.dict.get(key)
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
    return changes


def _kind_for_update(changes: list[dict]) -> str:
    fields = {c["field"]: c for c in changes}
    if "deleted_at" in fields:
        c = fields["deleted_at"]
        if c.get("old") is None and c.get("new") is not None:
            return "delete"
        if c.get("old") is not None and c.get("new") is None:
            return "recover"
    if "password" in fields:
        return "password_changed"
    if "admin_user_id" in fields:
        return "admin_change"
    return "update"


def _where(obj, spec: Tracked) -> tuple[str, int]:
    if spec.file_under is not None:
        return spec.file_under(obj)
    return spec.record_type, inspect(type(obj)).primary_key_from_instance(obj)[0]


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


def _after_flush(session, flush_context):
    if session.info.get(OFF_KEY):
        return
    deleted_names = session.info.pop(DELETED_KEY, {})
    rows: list[dict] = []
    purged_customers: list[tuple[int, bool]] = []
    deleted_customer_ids = {c.id for c in session.deleted if isinstance(c, Customer)}
    for obj in session.new:
        spec = TRACKED.get(type(obj))
        if spec is None:
            continue
        if spec.custom is not None:
            rows.extend(spec.custom(session, obj, "create"))
            continue
        record_type, record_id = _where(obj, spec)
        rows.append(
            dict(kind="create", record_type=record_type, record_id=record_id, record_name=spec.name(obj),
                 changes=_changes(session, obj, spec, created=True) or None)
        )
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
        if isinstance(obj, BillingInfo) and obj.customer_id in deleted_customer_ids:
            continue  # part of the customer's purge
        record_type, record_id = _where(obj, spec)
        rows.append(
            dict(kind="purge", record_type=record_type, record_id=record_id,
                 record_name=deleted_names.get(id(obj)) or f"#{record_id}", changes=None)
        )
        if isinstance(obj, Customer):
            purged_customers.append((record_id, obj.__dict__.get("type") == "private"))
    if rows:
        _insert(session, _current_actor(session), rows, note=session.info.get(NOTE_KEY))
    for customer_id, private in purged_customers:
        anonymise_record(session, "customer", customer_id, scrub_name=private)


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
    # One row (the usual edit) goes as a plain execute, which is cheaper than the executemany path.
    session.connection().execute(_INSERT, rows[0] if len(rows) == 1 else rows)


_INSERT = insert(HistoryEntry.__table__)


_installed = False


def install() -> None:
    """Listen on every Session (once per process)."""
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
    actor_id, actor_name = _current_actor(session) if actor is ... else _actor_tuple(actor)
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
        _insert(session, _actor_tuple(actor), rows)
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


# --- reading -------------------------------------------------------------------------------------------


PAGE_SIZE = 25


def timeline_types(record_type: str) -> tuple[str, ...]:
    return TIMELINE_TYPES.get(record_type, (record_type,))


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


# --- notes ----------------------------------------------------------------------------------------------


def add_note(session, actor, record_type: str, record_id: int, record_name: str, text: str) -> HistoryEntry:
    text = (text or "").strip()
    if not text:
        raise ServiceError(_l("Write the note first."), "text")
    if len(text) > 5000:
        raise ServiceError(_l("A note can be at most 5000 characters."), "text")
    from backoffice.services.validation import check_text

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


# --- restore --------------------------------------------------------------------------------------------


def restorable(entry: HistoryEntry, change: dict) -> bool:
    spec = RESTORERS.get(entry.record_type)
    return (
        spec is not None
        and entry.kind in ("update", "admin_change")
        and not change.get("changed")
        and change.get("field") in spec[2]
    )


def restore_value(session, actor, entry: HistoryEntry, field_name: str):
    """Set a field back to the value it had before ``entry``, through the record's own update service."""
    change = next((c for c in entry.changes or [] if c.get("field") == field_name), None)
    if change is None or not restorable(entry, change):
        raise ServiceError(_l("This value can't be restored."))
    model, path, _fields = RESTORERS[entry.record_type]
    obj = session.get(model, entry.record_id)
    if obj is None:
        raise ServiceError(_l("The record no longer exists, so the value can't be restored."))
    module_name, function_name = path.split(":")
    import importlib

    function = getattr(importlib.import_module(module_name), function_name)
    try:
        with with_note(session, _l("Restored the value from %(when)s", when=entry.occurred_at.strftime("%Y-%m-%d %H:%M UTC"))):
            function(session, actor, obj, **{field_name: change.get("old")})
            session.flush()
    except ServiceError as error:
        raise ServiceError(
            _l("The value can't be restored: %(why)s", why=str(error.message)), error.field
        ) from error
    return obj


# --- personal data ----------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_PHONE_RE = re.compile(r"\+?\d[\d\s\-()]{6,}\d")


def _scrub_text(text):
    if not isinstance(text, str):
        return text
    return _PHONE_RE.sub(REMOVED, _EMAIL_RE.sub(REMOVED, text))


def anonymise_record(session, record_type: str, record_id: int, *, scrub_name: bool = False) -> int:
    """Blank the personal data of persons (names, e-mails, phones) in one record's entries.

    What happened, when and by whom stays, and so does an organization's name. Returns how many
    entries changed. Called by the recorder when a customer is permanently deleted.
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
        if scrub_name:
            values["record_name"] = f"#{record_id}"
        if values["changes"] != row.changes or values["note"] != row.note or (scrub_name and row.record_name != values["record_name"]):
            conn.execute(update(table).where(table.c.id == row.id).values(**values))
            count += 1
    return count
