"""Which customers a user may see and change (issue 14, seed 001 "View (only) assigned", "Edit (only) assigned"):
the one query rule every customer read and write goes through.

A role that grants ``customers.view`` sees every customer; one that grants only ``customers.view_assigned`` sees
the customers assigned to the user (models/assignment.py), and every other customer is a 404 for them, by any URL.
``customers.edit`` / ``customers.edit_assigned`` are the same for writes. The system (no actor: the CLI, the demo,
restores) sees and changes everything. Views ask ``visible_or_404`` / ``editable_or_404`` for the customer an
endpoint names; lists, searches, pickers and the export add ``visible(actor)`` to their WHERE (services/
customer_list.conditions does for the list and the export).
"""

from __future__ import annotations

from sqlalchemy import exists, false, select

from backoffice.models import Customer, User
from backoffice.models.assignment import CustomerAssignment
from backoffice.models.roles import SCOPED, holds


def _condition(actor: User | None, permission: str):
    """None (no condition: every customer), the customers assigned to ``actor``, or none at all."""
    if actor is None or holds(actor, permission):
        return None
    if holds(actor, SCOPED[permission]):
        return exists().where(CustomerAssignment.customer_id == Customer.id, CustomerAssignment.user_id == actor.id)
    return false()


def visible(actor: User | None):
    """The WHERE condition of the customers ``actor`` may see (None: all of them)."""
    return _condition(actor, "customers.view")


def editable(actor: User | None):
    """The WHERE condition of the customers ``actor`` may change (None: all of them)."""
    return _condition(actor, "customers.edit")


def conditions(actor: User | None, *, change: bool = False) -> list:
    """``visible`` (and with ``change``, ``editable``) as a list for ``.where(*…)``: empty for every customer."""
    found = [visible(actor), editable(actor) if change else None]
    return [c for c in found if c is not None]


def _allowed(session, actor: User | None, customer: Customer | None, permission: str) -> bool:
    if customer is None:
        return False
    condition = _condition(actor, permission)
    if condition is None:
        return True
    return bool(session.scalar(select(Customer.id).where(Customer.id == customer.id, condition)))


def can_see(session, actor: User | None, customer: Customer | None) -> bool:
    return _allowed(session, actor, customer, "customers.view")


def can_change(session, actor: User | None, customer: Customer | None) -> bool:
    return _allowed(session, actor, customer, "customers.edit")


def sees_only_assigned(actor: User | None) -> bool:
    """A user who may view customers only as their assigned ones (a new customer of theirs is assigned to them)."""
    return actor is not None and not holds(actor, "customers.view") and holds(actor, "customers.view_assigned")
