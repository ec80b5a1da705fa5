"""Assigned users (issue 14, seed 001 "Assign technician"): a customer has zero or more users assigned to it, the
technicians and others who look after it. One row per pair, added and removed, never edited; assigning and
unassigning are filed on the customer's timeline as changes of its field "assigned users". The users told about a
customer (services/assignments.who_is_told) are its assigned ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, utcnow
from backoffice.models.customer import Customer, _customer_name
from backoffice.models.history import Tracked, pair_rows, track
from backoffice.models.user import User


class CustomerAssignment(Base):
    """``user`` is assigned to ``customer``."""

    __tablename__ = "customer_assignment"
    __table_args__ = (
        # "Assigned to me" and (issue 14, later) what a user who sees only assigned customers may open.
        Index("ix_customer_assignment_user_customer", "user_id", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer] = relationship()
    user: Mapped[User] = relationship()


def _assignment_rows(session, row: CustomerAssignment, event_name: str) -> list[dict]:
    """Assigning or unassigning is a change of the customer's "assigned users", on the customer's timeline."""
    user = row.__dict__.get("user") or session.get(User, row.user_id)
    customer = row.__dict__.get("customer") or session.get(Customer, row.customer_id)
    customer_name = _customer_name(customer) if customer is not None else f"#{row.customer_id}"
    return pair_rows(row, kinds=("assign", "unassign"), field="assigned_users", customer_name=customer_name,
                     name=user.full_name if user is not None else f"#{row.user_id}", event_name=event_name)


track(CustomerAssignment, Tracked("customer", name=lambda row: "", custom=_assignment_rows))
