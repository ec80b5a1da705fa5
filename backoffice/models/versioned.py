"""Optimistic locking: a ``version`` per record and who changed it last.

``version`` is SQLAlchemy's ``version_id_col``: every UPDATE (and DELETE) of the row says
``WHERE id = :id AND version = :version_read``, so when two transactions change the same row at the
same instant, the second matches no row and the ORM raises StaleDataError (the services turn it
into a ConflictError). The counter is bumped here, in one place, when a flush changes what the
record *says* (not bookkeeping such as the last sign-in time), so a user signing in does not make
an administrator's open edit form stale. A part edited on its parent's form names the relationship to
that parent in ``bumps_version_of`` (billing information: ``"customer"``), and a change to the part
bumps the parent's version: the form shows both, and carries one version. This module knows no model.

``updated_by_id`` (who) and ``updated_at`` (when) are stamped with the bump, so a refused save can
say who changed the record and when.

Who acts travels one way: a service names its ``actor`` with ``remember_actor(session, actor)`` (every
service does, first thing), and everything that records who acted in that transaction reads it here:
the version stamp and History (services/history/actor.py). Nothing reads a request.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, event, inspect
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from backoffice.models.base import utcnow

ACTOR_KEY = "acting_user"
_BUMPED_KEY = "versioned_bumped"
# Columns whose change is no edit of the record (and never bumps its version).
_ALWAYS_UNVERSIONED = frozenset({"version", "updated_at", "updated_by_id", "created_at"})


class Versioned:
    """Mixin: ``version`` (the optimistic lock) and ``updated_by_id``."""

    # Attribute names a subclass does not version (bookkeeping written outside any edit form).
    unversioned: frozenset[str] = frozenset()

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # version_id_generator=False: the listener below decides when to bump; the ORM still puts the
        # version read into the WHERE clause of every UPDATE and DELETE.
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}


def remember_actor(session: Session, actor) -> None:
    """The services name who acts (a User, or None for the system); what this transaction writes is
    stamped with that user, in the version and in History. Forgotten when the transaction ends."""
    session.info[ACTOR_KEY] = actor


def acting_user(session: Session):
    """The actor the services named for this transaction (None: the system, or nobody named one)."""
    return session.info.get(ACTOR_KEY)


def _acting_user_id(session: Session) -> int | None:
    actor = session.info.get(ACTOR_KEY)
    if isinstance(actor, tuple):  # (id, name), see services/history/actor.py
        return actor[0]
    return getattr(actor, "id", None)


def _content_changed(obj) -> bool:
    state = inspect(obj)
    skip = _ALWAYS_UNVERSIONED | type(obj).unversioned
    for attr in state.mapper.column_attrs:
        if attr.key not in skip and state.attrs[attr.key].history.has_changes():
            return True
    for rel in state.mapper.relationships:
        # many-to-one links (customer.organization = ...) set their foreign key only at flush time
        if rel.key not in skip and not rel.uselist and rel.direction.name == "MANYTOONE":
            if state.attrs[rel.key].history.has_changes():
                return True
    return False


def _bump(session: Session, obj) -> None:
    state = inspect(obj)
    if not state.persistent:
        return
    bumped = session.info.setdefault(_BUMPED_KEY, set())
    if state.key in bumped:  # once per transaction: one save, one new version
        return
    bumped.add(state.key)
    obj.version = (state.committed_state.get("version", obj.version) or 0) + 1
    obj.updated_at = utcnow()
    if not state.attrs.updated_by_id.history.has_changes():
        obj.updated_by_id = _acting_user_id(session)


def _parent(session: Session, obj, relationship: str):
    """The object at the other end of ``obj``'s many-to-one ``relationship``, loaded by its key if not set."""
    parent = getattr(obj, relationship)
    if parent is not None:
        return parent
    mapper = inspect(type(obj))
    prop = mapper.relationships[relationship]
    key = tuple(getattr(obj, mapper.get_property_by_column(column).key) for column in prop.local_columns)
    if any(part is None for part in key):
        return None
    return session.get(prop.mapper.class_, key[0] if len(key) == 1 else key)


@event.listens_for(Session, "before_flush")
def _version_changes(session: Session, flush_context, instances) -> None:
    for obj in session.new:
        if isinstance(obj, Versioned) and obj.updated_by_id is None:
            obj.updated_by_id = _acting_user_id(session)
    for obj in list(session.dirty):
        if not isinstance(obj, Versioned):
            continue
        if _content_changed(obj):
            _bump(session, obj)
        elif session.is_modified(obj, include_collections=False):
            # Bookkeeping only (a sign-in): keep updated_at, the time of the last edit (a column named
            # in the UPDATE, even with its own value, is not given its onupdate default).
            if "updated_at" not in inspect(obj).dict:
                obj.updated_at  # load it  # noqa: B018
            flag_modified(obj, "updated_at")
    for obj in [*session.new, *session.dirty, *session.deleted]:
        relationship = getattr(type(obj), "bumps_version_of", None)
        if relationship and (obj not in session.dirty or session.is_modified(obj)):
            parent = _parent(session, obj, relationship)
            if parent is not None:
                _bump(session, parent)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (savepoints and flushes have a parent)
        session.info.pop(_BUMPED_KEY, None)
        session.info.pop(ACTOR_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_bumps(session: Session, previous_transaction) -> None:
    # A rolled-back savepoint may have undone a bump: bump again rather than not at all.
    session.info.pop(_BUMPED_KEY, None)
