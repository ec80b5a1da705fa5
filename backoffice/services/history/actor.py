"""Who acted, as History writes it: read from the one channel the services fill.

A service names its actor with ``locking.remember_actor(session, actor)`` (models/versioned.py), and the
recorder reads that same value: the version stamp and the entry can't disagree, and nothing reads a
request. Code acting for someone outside a service uses ``with acting_as(session, user): ...``; CLI commands
and background jobs name nobody, so their entries say "system".
"""

from __future__ import annotations

from contextlib import contextmanager

from backoffice.models import User
from backoffice.models.versioned import ACTOR_KEY, acting_user, remember_actor

SYSTEM = "system"
ANONYMOUS = "anonymous"


def actor_tuple(actor) -> tuple[int | None, str]:
    """(user id, name as written in the entry) for a User, an (id, name) tuple, or None (the system)."""
    if actor is None or not getattr(actor, "is_authenticated", True):
        return (None, SYSTEM)
    if isinstance(actor, tuple):
        return actor
    return (actor.id, (actor.full_name or actor.email) if isinstance(actor, User) else str(actor))


def current_actor(session) -> tuple[int | None, str]:
    return actor_tuple(acting_user(session))


def set_actor(session, actor) -> None:
    """Name the actor of this transaction outside a service (a script, the benchmark)."""
    remember_actor(session, actor)


def clear_actor(session) -> None:
    session.info.pop(ACTOR_KEY, None)


@contextmanager
def acting_as(session, actor):
    previous = session.info.get(ACTOR_KEY)
    remember_actor(session, actor)
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(ACTOR_KEY, None)
        else:
            session.info[ACTOR_KEY] = previous
