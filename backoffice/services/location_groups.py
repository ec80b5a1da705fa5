"""Location groups (issue 11, fields): the managed list a customer's location group is picked from.
Created, renamed (versioned) and deleted by who manages the register settings; a group in use by customers
can't be deleted (the FK is RESTRICT too)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backoffice.models import Customer, LocationGroup, User
from backoffice.services import locking
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.validation import check_lengths, check_text, parse_id

_TAKEN_MESSAGE = _l("A location group with this name already exists.")
_TAKEN = {"uq_location_group_name": ("name", _TAKEN_MESSAGE), "location_group.name": ("name", _TAKEN_MESSAGE)}


def location_groups(session) -> list[LocationGroup]:
    """The list, by name (the form's and the filter's choices)."""
    return list(session.scalars(select(LocationGroup).order_by(func.lower(LocationGroup.name), LocationGroup.id)))


def usage(session) -> dict[int, int]:
    """{location group id: number of customers in it} (the settings page shows it)."""
    rows = session.execute(
        select(Customer.location_group_id, func.count()).where(Customer.location_group_id.is_not(None))
        .group_by(Customer.location_group_id)
    ).all()
    return dict(rows)


def get(session, value) -> LocationGroup | None:
    """The group an id (int or text) names, or None."""
    group_id = value if isinstance(value, int) and not isinstance(value, bool) else parse_id(value)
    if group_id is None or not 0 < group_id < 2**31:
        return None
    return session.get(LocationGroup, group_id)


def check_for_customer(session, value, field: str = "location_group_id") -> int | None:
    """A customer's location group: None (not set) or an existing group's id; else the error beside the field."""
    if value in (None, ""):
        return None
    group = get(session, value)
    if group is None:
        raise ServiceError(_l("Choose a location group from the list."), field)
    return group.id


def _clean_name(name) -> str:
    name = (name.strip() if isinstance(name, str) else "") or ""
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    check_lengths(LocationGroup, {"name": name})
    check_text(name, "name")
    return name


def _refuse_duplicate(session, name: str, own_id: int | None) -> None:
    """Names are unique regardless of case ("north" is "North")."""
    existing = session.scalar(select(LocationGroup).where(func.lower(LocationGroup.name) == name.lower()))
    if existing is not None and existing.id != own_id:
        raise ServiceError(_TAKEN_MESSAGE, "name")


def create(session, actor: User | None, name) -> LocationGroup:
    locking.remember_actor(session, actor)
    name = _clean_name(name)
    _refuse_duplicate(session, name, None)
    group = LocationGroup(name=name)
    with unique_guard(session, _TAKEN):
        session.add(group)
    return group


def rename(session, actor: User | None, group: LocationGroup, name, *, expected_version=None) -> LocationGroup:
    locking.check_version(session, actor, group, expected_version)
    name = _clean_name(name)
    _refuse_duplicate(session, name, group.id)
    with locking.stale_guard(session, actor, group), unique_guard(session, _TAKEN):
        group.name = name
    return group


def delete(session, actor: User | None, group: LocationGroup) -> str:
    """Refused while customers (deleted ones too: they can be recovered) are in the group."""
    locking.remember_actor(session, actor)
    in_use = session.scalar(select(func.count()).select_from(Customer).where(Customer.location_group_id == group.id))
    if in_use:
        raise ServiceError(_l("%(n)d customers are in this location group: move them to another one first.", n=in_use))
    name = group.name
    with locking.stale_guard(session, actor, group):
        session.delete(group)
        session.flush()
    return name


def ensure_defaults(session, actor: User | None = None, names=("North", "South", "City")) -> list[LocationGroup]:
    """The demo's districts (left as they are when present)."""
    locking.remember_actor(session, actor)
    found = []
    for name in names:
        group = session.scalar(select(LocationGroup).where(LocationGroup.name == name))
        if group is None:
            group = LocationGroup(name=name)
            session.add(group)
        found.append(group)
    session.flush()
    return found
