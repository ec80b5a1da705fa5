"""Assigned users (issue 14, seed 001 "Assign technician"): who looks after a customer. Those who may be assigned
are the active users whose role can view customers; each one assigned is told in the app and by e-mail, in their
own language ("You have been assigned to customer X"), and told again when unassigned. The customer is not told.
Assigning someone already assigned changes nothing and tells nobody.

``who_is_told(session, customer)`` is the one rule of who gets news about a customer (its assigned users); the
documents issue's orders and error reports extend it there.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from backoffice.models import Customer, Role, RolePermission, User
from backoffice.models.assignment import CustomerAssignment
from backoffice.services import locking
from backoffice.services.errors import ServiceError
from backoffice.services.lists import short_inside, user_matches
from backoffice.services.notifications import notify
from backoffice.services.validation import parse_id

# A user whose role grants one of these may be assigned (a technician sees only the customers assigned to them).
VIEWING = ("customers.view", "customers.view_assigned")


def customer_link(customer: Customer) -> str:
    return f"/admin/customers/details/?id={customer.id}"


def _can_view_customers():
    return exists().where(Role.code == User.role, RolePermission.role_id == Role.id,
                          RolePermission.permission.in_(VIEWING))


def assignable_query(search: str | None = None):
    """The users who may be assigned: active, with a role that can view customers; by name (searched by name or
    e-mail, as the users list matches)."""
    from backoffice.services.customer_list import words

    stmt = select(User).where(User.active.is_(True), _can_view_customers())
    typed = words(search)
    for word in typed:
        stmt = stmt.where(user_matches(word, short_inside(typed)))
    return stmt.order_by(User.last_name, User.first_name, User.id)


def assigned_users(session, customer: Customer) -> list[User]:
    return list(session.scalars(
        select(User).join(CustomerAssignment, CustomerAssignment.user_id == User.id)
        .where(CustomerAssignment.customer_id == customer.id).order_by(User.last_name, User.first_name, User.id)))


def users_with_assignments(session) -> list[User]:
    """The users assigned to at least one customer (the customers list's "Assigned to" offers them)."""
    return list(session.scalars(
        select(User).where(exists().where(CustomerAssignment.user_id == User.id))
        .order_by(User.last_name, User.first_name, User.id)))


def assigned_names(session, customer_ids: list[int]) -> dict[int, list[str]]:
    """customer id -> the full names of its assigned users, by last name (one query for a page of the list)."""
    if not customer_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = session.execute(select(CustomerAssignment.customer_id, User.first_name, User.last_name)
                           .join(User, User.id == CustomerAssignment.user_id)
                           .where(CustomerAssignment.customer_id.in_(customer_ids))
                           .order_by(User.last_name, User.first_name, User.id))
    for customer_id, first, last in rows:
        found.setdefault(customer_id, []).append(f"{first} {last}".strip())
    return found


def who_is_told(session, customer: Customer) -> list[User]:
    """The users told about ``customer`` (its orders, error reports …): its active assigned users."""
    return [user for user in assigned_users(session, customer) if user.active]


def _user(session, value, field: str) -> User:
    user = value if isinstance(value, User) else session.get(User, parse_id(value) or 0)
    if user is None:
        raise ServiceError(_l("This user no longer exists. Choose another one."), field)
    if not user.active or not session.scalar(select(_can_view_customers()).where(User.id == user.id)):
        raise ServiceError(_l("%(name)s can't be assigned: only active users whose role can view customers can.",
                              name=user.full_name), field)
    return user


def _refuse_deleted(customer: Customer, field: str) -> None:
    if customer.is_deleted:
        raise ServiceError(_l("%(name)s is deleted: recover it before assigning anyone.",
                              name=customer.display_name), field)


def _assign(session, customer: Customer, user: User) -> None:
    session.add(CustomerAssignment(customer_id=customer.id, user_id=user.id, customer=customer, user=user))
    notify(session, user, _l("You have been assigned to customer %(name)s.", name=customer.display_name),
           link=customer_link(customer))


def _unassign(session, row: CustomerAssignment) -> None:
    customer, user = row.customer, row.user
    session.delete(row)
    notify(session, user, _l("You are no longer assigned to customer %(name)s.", name=customer.display_name),
           link=customer_link(customer))


def assign_creator(session, customer: Customer, user: User) -> None:
    """The user who made ``customer`` and sees only assigned customers is assigned to it (not told: they know)."""
    session.add(CustomerAssignment(customer_id=customer.id, user_id=user.id, customer=customer, user=user))
    session.flush()


def _rows(session, customer_ids, user_id=None) -> list[CustomerAssignment]:
    stmt = select(CustomerAssignment).where(CustomerAssignment.customer_id.in_(customer_ids))
    if user_id is not None:
        stmt = stmt.where(CustomerAssignment.user_id == user_id)
    return list(session.scalars(stmt))


def set_assigned(session, actor: User | None, customer: Customer, user_ids, field: str = "user_ids") -> tuple[int, int]:
    """Make the customer's assigned users exactly ``user_ids``; returns (how many were assigned, unassigned)."""
    locking.remember_actor(session, actor)
    wanted: dict[int, User] = {}
    for value in user_ids or ():
        user = _user(session, value, field)
        wanted[user.id] = user
    rows = {row.user_id: row for row in _rows(session, [customer.id])}
    added = [user for user_id, user in wanted.items() if user_id not in rows]
    if added:
        _refuse_deleted(customer, field)
    removed = [row for user_id, row in rows.items() if user_id not in wanted]
    for row in removed:
        _unassign(session, row)
    for user in added:
        _assign(session, customer, user)
    session.flush()
    return len(added), len(removed)


def assign(session, actor: User | None, customers: list[Customer], user_value, field: str = "user_id") -> int:
    """Assign one user to each of ``customers`` (a bulk action); returns to how many they were newly assigned."""
    locking.remember_actor(session, actor)
    user = _user(session, user_value, field)
    present = {row.customer_id for row in _rows(session, [c.id for c in customers], user.id)}
    added = 0
    for customer in customers:
        if customer.id in present:
            continue
        _refuse_deleted(customer, field)
        _assign(session, customer, user)
        added += 1
    session.flush()
    return added


def unassign(session, actor: User | None, customers: list[Customer], user_value, field: str = "user_id") -> int:
    """Unassign one user from each of ``customers``; returns from how many they were unassigned."""
    locking.remember_actor(session, actor)
    user = session.get(User, parse_id(user_value) or 0) if not isinstance(user_value, User) else user_value
    if user is None:
        raise ServiceError(_l("This user no longer exists. Choose another one."), field)
    rows = _rows(session, [c.id for c in customers], user.id)
    for row in rows:
        _unassign(session, row)
    session.flush()
    return len(rows)

