"""Customer groups (issue 11, seeds 002 and 003): a name, a description, a place in one global priority
order (1 = highest) and the settings their members inherit unless a customer sets its own.

A customer belongs to any number of groups (``CustomerGroupMember``, one row per pair). A setting left
NULL on a group is "not set by this group": the next group in priority order, else the register default,
decides (services/customer_groups.effective_settings is the one rule). Joining and leaving a group are
filed on the customer's timeline as changes of its field "groups".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, Timestamps, utcnow
from backoffice.models.customer import Customer, _customer_name
from backoffice.models.history import BOOKKEEPING, Tracked, pair_rows, track
from backoffice.models.versioned import Versioned

# The settings a group passes on to its members, in the order they are shown. Each one is a nullable
# column of the same name on CustomerGroup and Customer (NULL: not set there) and a default on
# RegisterSettings (models/settings.py).
INHERITED_SETTINGS = ("automatic_settlement", "payment_terms_days")
PAYMENT_TERMS_MAX = 365
DESCRIPTION_LENGTH = 1000


class CustomerGroup(Versioned, Timestamps, Base):
    __tablename__ = "customer_group"
    __table_args__ = (
        CheckConstraint("trim(name) <> ''", name="name_not_empty"),
        CheckConstraint("priority >= 1", name="priority_positive"),
        CheckConstraint(
            f"payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND {PAYMENT_TERMS_MAX}",
            name="payment_terms_range",
        ),
    )
    # The order is rewritten by moves (services/customer_groups.py): not an edit of the group itself.
    unversioned = frozenset({"priority"})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, unique=True)
    automatic_settlement: Mapped[bool | None] = mapped_column(Boolean)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)

    members: Mapped[list[CustomerGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True
    )

    def __str__(self) -> str:
        return self.name


class CustomerGroupMember(Base):
    """``customer`` is a member of ``group``. Added and removed, never edited."""

    __tablename__ = "customer_group_member"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("customer_group.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer] = relationship()
    group: Mapped[CustomerGroup] = relationship(back_populates="members")


def _member_rows(session, member: CustomerGroupMember, event_name: str) -> list[dict]:
    """Joining or leaving a group is a change of the customer's "groups", on the customer's timeline."""
    group = member.__dict__.get("group") or session.get(CustomerGroup, member.group_id)
    customer = member.__dict__.get("customer") or session.get(Customer, member.customer_id)
    customer_name = _customer_name(customer) if customer is not None else f"#{member.customer_id}"
    return pair_rows(member, kinds=("group_add", "group_remove"), field="groups", customer_name=customer_name,
                     name=group.name if group is not None else f"#{member.group_id}", event_name=event_name)


track(CustomerGroup, Tracked("customer_group", name=lambda g: g.name, ignore=BOOKKEEPING | {"priority"}))
track(CustomerGroupMember, Tracked("customer", name=lambda m: "", custom=_member_rows))
