"""Customer groups (issue 11): the groups, their one global priority order, their members, and THE rule
of inherited settings (``effective_settings``): a customer's own value if set, else that of its
highest-priority group that sets it, else the register default.

Every function takes (session, actor, …) and flushes; the caller commits. Refusals are ServiceErrors
beside their field. Priorities stay dense and unique (1, 2, 3, … with 1 the highest): a new group goes
last, a move or a delete renumbers.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backoffice.infra import bulk  # (issue 13) memberships of many new customers at once
from backoffice.models import Customer, User
from backoffice.models.customer_group import (
    DESCRIPTION_LENGTH, INHERITED_SETTINGS, CustomerGroup, CustomerGroupMember,
)
from backoffice.services import history, locking
from backoffice.services import settings as settings_service
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.customer_list import like, words
from backoffice.services.validation import check_lengths, check_text, parse_id, search_text

_NAME_TAKEN = _l("A customer group with this name already exists.")
_GUARD = {
    "uq_customer_group_name": ("name", _NAME_TAKEN),
    "customer_group.name": ("name", _NAME_TAKEN),
}
MEMBER_FILTERS = ("all", "active", "inactive")


# --- reading ---------------------------------------------------------------------------------------------


def all_groups(session, search: str | None = None) -> list[CustomerGroup]:
    """The groups in priority order (1 first), matching ``search`` by name or description when given."""
    stmt = select(CustomerGroup).order_by(CustomerGroup.priority, CustomerGroup.id)
    for word in words(search):
        pattern = like(word)
        stmt = stmt.where(CustomerGroup.name.ilike(pattern, escape="\\")
                          | CustomerGroup.description.ilike(pattern, escape="\\"))
    return list(session.scalars(stmt))


def member_counts(session) -> dict[int, int]:
    """{group id -> its members (deleted customers not counted)}."""
    rows = session.execute(
        select(CustomerGroupMember.group_id, func.count())
        .join(Customer, Customer.id == CustomerGroupMember.customer_id)
        .where(Customer.deleted_at.is_(None))
        .group_by(CustomerGroupMember.group_id)
    )
    return {group_id: count for group_id, count in rows}


def members(session, group: CustomerGroup, status: str = "all", actor: User | None = None) -> list[Customer]:
    """The group's members (not deleted) by name; ``status`` all, active or inactive; those ``actor`` may see."""
    from backoffice.models import Organization
    from backoffice.services import customer_scope

    stmt = (
        select(Customer)
        .join(CustomerGroupMember, CustomerGroupMember.customer_id == Customer.id)
        .outerjoin(Organization, Organization.id == Customer.organization_id)
        .where(CustomerGroupMember.group_id == group.id, Customer.deleted_at.is_(None),
               *customer_scope.conditions(actor))  # (issue 14: only assigned ones, for some roles)
        .order_by(Customer.display_name, Customer.id)  # (issue 11, private: private customers too)
    )
    if status == "active":
        stmt = stmt.where(Customer.status == "ACTIVE")
    elif status == "inactive":
        stmt = stmt.where(Customer.status == "INACTIVE")
    return list(session.scalars(stmt))


def member_filter_counts(session, group: CustomerGroup) -> dict[str, int]:
    rows = dict(session.execute(
        select(Customer.status, func.count())
        .join(CustomerGroupMember, CustomerGroupMember.customer_id == Customer.id)
        .where(CustomerGroupMember.group_id == group.id, Customer.deleted_at.is_(None))
        .group_by(Customer.status)
    ).all())
    active, inactive = rows.get("ACTIVE", 0), rows.get("INACTIVE", 0)
    return {"all": active + inactive, "active": active, "inactive": inactive}


def groups_of(session, customer: Customer) -> list[CustomerGroup]:
    """The customer's groups in priority order."""
    return list(session.scalars(
        select(CustomerGroup).join(CustomerGroupMember, CustomerGroupMember.group_id == CustomerGroup.id)
        .where(CustomerGroupMember.customer_id == customer.id)
        .order_by(CustomerGroup.priority, CustomerGroup.id)
    ))


# --- THE inheritance rule ------------------------------------------------------------------------------------


def _resolve(customer: Customer, groups: list[CustomerGroup], defaults) -> dict:
    result = {}
    for name in INHERITED_SETTINGS:
        own = getattr(customer, name)
        if own is not None:
            result[name] = (own, ("customer",))
            continue
        for group in groups:  # in priority order: the first that sets it decides
            value = getattr(group, name)
            if value is not None:
                result[name] = (value, ("group", group))
                break
        else:
            result[name] = (getattr(defaults, name), ("default",))
    return result


def effective_settings(session, customer: Customer) -> dict[str, tuple]:
    """{setting -> (value, source)}, source ("customer",), ("group", group) or ("default",): the customer's
    own value if set, else that of its highest-priority group that sets it, else the register default."""
    return _resolve(customer, groups_of(session, customer), settings_service.get(session))


def effective_settings_many(session, customers: Iterable[Customer]) -> dict[int, dict[str, tuple]]:
    """``effective_settings`` of several customers with two queries ({customer id -> settings}): lists."""
    customers = list(customers)
    ids = [c.id for c in customers]
    by_customer: dict[int, list[CustomerGroup]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(
            select(CustomerGroupMember.customer_id, CustomerGroup)
            .join(CustomerGroup, CustomerGroup.id == CustomerGroupMember.group_id)
            .where(CustomerGroupMember.customer_id.in_(ids))
            .order_by(CustomerGroup.priority, CustomerGroup.id)
        )
        for customer_id, group in rows:
            by_customer[customer_id].append(group)
    defaults = settings_service.get(session)
    return {c.id: _resolve(c, by_customer[c.id], defaults) for c in customers}


# --- the settings' values ---------------------------------------------------------------------------------------


def clean_automatic_settlement(value, field: str = "automatic_settlement") -> bool | None:
    """None (not set: inherit), True or False; "", "inherit", "on", "off" as a form posts them."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "inherit", "default"):
        return None
    if text in ("on", "1", "true", "yes"):
        return True
    if text in ("off", "0", "false", "no"):
        return False
    raise ServiceError(_l("Choose Inherit, On or Off."), field)


def clean_payment_terms(value, field: str = "payment_terms_days") -> int | None:
    """None (empty: inherit) or whole days 0–365."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return settings_service.check_payment_terms(value, field)


def clean_settings(values: dict) -> dict:
    """The inherited settings named in ``values``, cleaned (a key left out is not changed)."""
    cleaned = {}
    if "automatic_settlement" in values:
        cleaned["automatic_settlement"] = clean_automatic_settlement(values["automatic_settlement"])
    if "payment_terms_days" in values:
        cleaned["payment_terms_days"] = clean_payment_terms(values["payment_terms_days"])
    return cleaned


# --- the groups ---------------------------------------------------------------------------------------------


def _clean_name(session, name, own: CustomerGroup | None) -> str:
    name = (name or "").strip() if isinstance(name, str) or name is None else str(name)
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    check_text(name, "name")
    check_lengths(CustomerGroup, {"name": name})
    taken = session.scalar(select(CustomerGroup).where(func.lower(CustomerGroup.name) == name.lower()))
    if taken is not None and taken is not own:
        raise ServiceError(_NAME_TAKEN, "name")
    return name


def _clean_description(value) -> str | None:
    value = (value or "").strip() or None
    if value is not None:
        check_text(value, "description", one_line=False)
        if len(value) > DESCRIPTION_LENGTH:
            raise ServiceError(_l("At most %(n)d characters (you typed %(m)d).", n=DESCRIPTION_LENGTH,
                                  m=len(value)), "description")
    return value


def create_group(session, actor: User | None, *, name, description=None, **settings) -> CustomerGroup:
    """A new group, placed last in the priority order."""
    locking.remember_actor(session, actor)
    unknown = set(settings) - set(INHERITED_SETTINGS)
    if unknown:
        raise TypeError(sorted(unknown))
    cleaned = clean_settings(settings)
    group = CustomerGroup(name=_clean_name(session, name, None), description=_clean_description(description),
                          priority=(session.scalar(select(func.max(CustomerGroup.priority))) or 0) + 1,
                          **cleaned)
    with unique_guard(session, _GUARD):
        session.add(group)
    return group


def update_group(session, actor: User | None, group: CustomerGroup, *, expected_version=None,
                 **values) -> CustomerGroup:
    """Rename, describe, or change the settings (the names given: name, description and INHERITED_SETTINGS)."""
    unknown = set(values) - {"name", "description", *INHERITED_SETTINGS}
    if unknown:
        raise TypeError(sorted(unknown))
    locking.check_version(session, actor, group, expected_version)
    changes = clean_settings(values)
    if "name" in values:
        changes["name"] = _clean_name(session, values["name"], group)
    if "description" in values:
        changes["description"] = _clean_description(values["description"])
    with locking.stale_guard(session, actor, group), unique_guard(session, _GUARD):
        for name, value in changes.items():
            if getattr(group, name) != value:
                setattr(group, name, value)
    return group


def rename_group(session, actor: User | None, group: CustomerGroup, name, *, expected_version=None) -> CustomerGroup:
    return update_group(session, actor, group, expected_version=expected_version, name=name)


def update_group_settings(session, actor: User | None, group: CustomerGroup, *, expected_version=None,
                          **settings) -> CustomerGroup:
    unknown = set(settings) - set(INHERITED_SETTINGS)
    if unknown:
        raise TypeError(sorted(unknown))
    return update_group(session, actor, group, expected_version=expected_version, **settings)


def _renumber(session, order: list[CustomerGroup]) -> None:
    """Write priorities 1..n in ``order``, in two steps so the unique index never sees a duplicate."""
    if all(g.priority == i + 1 for i, g in enumerate(order)):
        return
    top = max([g.priority for g in order] + [len(order)])
    for i, group in enumerate(order):
        group.priority = top + i + 1
    session.flush()
    for i, group in enumerate(order):
        group.priority = i + 1
    session.flush()


def set_position(session, actor: User | None, group: CustomerGroup, position: int) -> bool:
    """Put the group at ``position`` (1 = highest priority); False when it is there already."""
    locking.remember_actor(session, actor)
    order = all_groups(session)
    if group not in order:
        raise ServiceError(_l("This customer group no longer exists."))
    if isinstance(position, bool) or not isinstance(position, int):
        position = parse_id(position)
        if position is None:
            raise ServiceError(_l("Enter a whole number from 1 to %(max)d.", max=len(order)), "position")
    position = min(max(position, 1), len(order))
    at = order.index(group)
    moved = at != position - 1
    order.remove(group)
    order.insert(position - 1, group)
    with locking.stale_guard(session, actor, group):
        _renumber(session, order)
    if moved:  # the order is no edit of the group (no version), but History says who moved it where
        history.record(session, "update", "customer_group", group.id, group.name,
                       changes=[{"field": "priority", "old": at + 1, "new": position}])
    return moved


def move_group(session, actor: User | None, group: CustomerGroup, direction: str) -> bool:
    """One place up (higher priority) or down; False when already first or last."""
    if direction not in ("up", "down"):
        raise ValueError(direction)
    order = all_groups(session)
    at = order.index(group) if group in order else 0
    target = at if direction == "up" else at + 2  # (positions are 1-based)
    if target < 1 or target > len(order):
        locking.remember_actor(session, actor)
        _renumber(session, order)
        return False
    return set_position(session, actor, group, target)


def delete_group(session, actor: User | None, group: CustomerGroup) -> str:
    """Delete the group; its members leave it (each on its own timeline); the others close the gap."""
    locking.remember_actor(session, actor)
    name = group.name
    for member in list(session.scalars(select(CustomerGroupMember).where(CustomerGroupMember.group_id == group.id))):
        session.delete(member)
    session.flush()
    with locking.stale_guard(session, actor, group):
        session.delete(group)
        session.flush()
    _renumber(session, all_groups(session))
    return name


# --- memberships ------------------------------------------------------------------------------------------------


def _customers(session, customer_ids) -> list[Customer]:
    result = []
    for value in customer_ids or ():
        customer = value if isinstance(value, Customer) else session.get(Customer, parse_id(value) or 0)
        if customer is None:
            raise ServiceError(_l("This customer no longer exists."), "customer_ids")
        if customer not in result:
            result.append(customer)
    return result


def _groups(session, group_ids, field: str = "group_ids") -> list[CustomerGroup]:
    result = []
    for value in group_ids or ():
        group = value if isinstance(value, CustomerGroup) else session.get(CustomerGroup, parse_id(value) or 0)
        if group is None:
            raise ServiceError(_l("This customer group no longer exists. Choose another one."), field)
        if group not in result:
            result.append(group)
    return result


def _refuse_deleted(customer: Customer, field: str) -> None:
    if customer.is_deleted and not customer.arriving_deleted:
        raise ServiceError(
            _l("%(name)s is deleted and can't be added to a group.", name=customer.display_name), field)


def _member_ids(session, group_id: int) -> set[int]:
    return set(session.scalars(
        select(CustomerGroupMember.customer_id).where(CustomerGroupMember.group_id == group_id)))


def add_members(session, actor: User | None, group: CustomerGroup, customer_ids) -> int:
    """Add customers (ids or customers) to the group; returns how many joined (members already: skipped)."""
    from backoffice.services import customer_scope

    locking.remember_actor(session, actor)
    customers = _customers(session, customer_ids)
    if not customers:
        raise ServiceError(_l("Choose at least one customer."), "customer_ids")
    if any(not customer_scope.can_see(session, actor, c) for c in customers):  # (issue 14) not found, for them
        raise ServiceError(_l("This customer no longer exists."), "customer_ids")
    present = _member_ids(session, group.id)
    added = 0
    for customer in customers:
        _refuse_deleted(customer, "customer_ids")
        if customer.id not in present:
            session.add(CustomerGroupMember(customer_id=customer.id, group_id=group.id, customer=customer, group=group))
            added += 1
    session.flush()
    return added


def remove_members(session, actor: User | None, group: CustomerGroup, customer_ids) -> int:
    """Take customers out of the group; returns how many left."""
    locking.remember_actor(session, actor)
    ids = {c.id for c in _customers(session, customer_ids)}
    if not ids:
        raise ServiceError(_l("Choose at least one customer."), "customer_ids")
    rows = list(session.scalars(select(CustomerGroupMember).where(
        CustomerGroupMember.group_id == group.id, CustomerGroupMember.customer_id.in_(ids))))
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def set_memberships(session, actor: User | None, customer: Customer, group_ids, field: str = "group_ids") -> bool:
    """Make the customer's groups exactly ``group_ids`` (replace); False when nothing changed."""
    locking.remember_actor(session, actor)
    wanted = {g.id: g for g in _groups(session, group_ids, field)}
    rows = {row.group_id: row for row in session.scalars(
        select(CustomerGroupMember).where(CustomerGroupMember.customer_id == customer.id))}
    if set(wanted) - set(rows):
        _refuse_deleted(customer, field)
    changed = False
    for group_id, row in rows.items():
        if group_id not in wanted:
            session.delete(row)
            changed = True
    for group_id, group in wanted.items():
        if group_id not in rows:
            session.add(CustomerGroupMember(customer_id=customer.id, group_id=group_id, customer=customer, group=group))
            changed = True
    session.flush()
    return changed


def new_member(customer: Customer, group: CustomerGroup) -> CustomerGroupMember:
    """A membership not yet in any session (an import writing many customers at once), linked to both
    ends without the session's cascades, so History names them without loading either."""
    return bulk.new(CustomerGroupMember, customer_id=customer.id, group_id=group.id, customer=customer, group=group)


def leave_groups(session, actor: User | None, customer: Customer, group_ids) -> int:
    """Take the customer out of some of its groups; returns how many it left."""
    leaving = {g.id for g in _groups(session, group_ids)}
    if not leaving:
        raise ServiceError(_l("Choose at least one group."), "group_ids")
    current = {g.id for g in groups_of(session, customer)}
    set_memberships(session, actor, customer, current - leaving)
    return len(current & leaving)


def candidates(session, group: CustomerGroup, search: str | None, limit: int,
               actor: User | None = None) -> list[Customer]:
    """Customers that may join ``group`` (the picker): not deleted, not members yet, by name, searched as
    the customers list searches."""
    from sqlalchemy.orm import contains_eager

    from backoffice.models import Organization
    from backoffice.services import customer_scope
    from backoffice.services.customer_list import searched

    limit = max(1, min(int(limit), 50))
    stmt = (
        select(Customer).outerjoin(Customer.organization).options(contains_eager(Customer.organization))
        .where(Customer.deleted_at.is_(None),
               Customer.id.not_in(select(CustomerGroupMember.customer_id).where(CustomerGroupMember.group_id == group.id)),
               *customer_scope.conditions(actor))  # (issue 14: among those ``actor`` may see)
        .order_by(Customer.display_name, Customer.id).limit(limit)  # (issue 11, private)
    )
    return list(session.scalars(searched(session, stmt, search_text(search, 100), limit)))


def group_search(session, search: str | None, limit: int) -> list[CustomerGroup]:
    """The picker's candidates: groups by priority, matching the typed text."""
    return all_groups(session, search)[:limit]
