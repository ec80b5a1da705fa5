"""Discount letters (seed 001): zero or more short codes on a customer ("Search and select any discount
letters"). One row per (customer, code); the codes in use are suggested as you type (the index on code).

History: each code added or removed is one change on the customer's timeline ("Discount letter: — → A").
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base
from backoffice.models.customer import Customer, _customer_name
from backoffice.models.history import Tracked, track

CODE_MAX = 8
CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class DiscountLetter(Base):
    __tablename__ = "customer_discount_letter"
    __table_args__ = (
        CheckConstraint(
            f"length(code) BETWEEN 1 AND {CODE_MAX} AND trim(code, '{CODE_CHARS}') = ''", name="code_format"
        ),
    )
    bumps_version_of = "customer"  # (models/versioned.py): edited in the customer's form

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX), primary_key=True)

    customer: Mapped[Customer] = relationship()

    def __str__(self) -> str:
        return self.code


Index("ix_customer_discount_letter_code", DiscountLetter.code)


def _rows(session, letter: DiscountLetter, event_name: str) -> list[dict]:
    """One change on the customer: a code added or removed (nothing when the customer itself is purged)."""
    customer = session.get(Customer, letter.customer_id)
    if customer is None or customer in session.deleted:
        return []
    change = {"field": "discount_letter", "old": None, "new": letter.code}
    if event_name == "delete":
        change = {"field": "discount_letter", "old": letter.code, "new": None}
    return [dict(kind="update", record_type="customer", record_id=letter.customer_id,
                 record_name=_customer_name(customer), changes=[change])]


track(DiscountLetter, Tracked("customer", name=lambda d: "", custom=_rows))
