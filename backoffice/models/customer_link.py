"""Links between customers (seeds 001, 004): parent company ↔ subsidiary, partner ↔ partner, other.

One row per pair, whichever side created it: the pair is stored ordered (``low_customer_id`` <
``high_customer_id``) with a unique constraint, so a pair can't be linked twice in either order and a
customer can't be linked to itself. For the parent/subsidiary kind ``parent_customer_id`` says which side
is the parent. A link is added and removed, never edited, so it has no version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, utcnow
from backoffice.models.customer import Customer, _customer_name
from backoffice.models.history import Tracked, track

LINK_KINDS = ("parent", "partner", "other")
NOTE_LENGTH = 200


class CustomerLink(Base):
    __tablename__ = "customer_link"
    __table_args__ = (
        CheckConstraint("low_customer_id < high_customer_id", name="ordered_pair"),
        UniqueConstraint("low_customer_id", "high_customer_id", name="uq_customer_link_pair"),
        CheckConstraint("kind IN ('parent', 'partner', 'other')", name="kind_known"),
        CheckConstraint(
            "(kind = 'parent' AND parent_customer_id IS NOT NULL"
            " AND parent_customer_id IN (low_customer_id, high_customer_id))"
            " OR (kind <> 'parent' AND parent_customer_id IS NULL)",
            name="parent_is_one_side",
        ),
        CheckConstraint("kind = 'other' OR note IS NULL", name="note_only_other"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    low_customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    high_customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_customer_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    low_customer: Mapped[Customer] = relationship(foreign_keys=[low_customer_id])
    high_customer: Mapped[Customer] = relationship(foreign_keys=[high_customer_id])

    def other_id(self, customer_id: int) -> int:
        return self.high_customer_id if customer_id == self.low_customer_id else self.low_customer_id

    def other(self, customer_id: int) -> Customer:
        return self.high_customer if customer_id == self.low_customer_id else self.low_customer

    def relation_of(self, customer_id: int) -> str:
        """What ``customer_id`` is to the other side: parent_of, subsidiary_of, partner or other."""
        if self.kind == "parent":
            return "parent_of" if self.parent_customer_id == customer_id else "subsidiary_of"
        return self.kind


# The History field of each relation, read from the side whose timeline it is on (admin/history_labels.py).
RELATION_FIELDS = {"parent_of": "parent_company_of", "subsidiary_of": "subsidiary_of", "partner": "partner_of",
                   "other": "linked_to"}


def _link_rows(session, link: CustomerLink, event_name: str) -> list[dict]:
    """A link is filed on both customers (as a share is): each timeline names the other one and the
    relation from its own side."""
    kind = "link" if event_name == "create" else "unlink"
    ids = (link.low_customer_id, link.high_customer_id)
    customers = {c.id: c for c in (session.get(Customer, i) for i in ids) if c}
    rows = []
    for own, other in (ids, ids[::-1]):
        own_c, other_c = customers.get(own), customers.get(other)
        field = RELATION_FIELDS[link.relation_of(own)]
        text = (_customer_name(other_c) if other_c else f"#{other}") + (f" — {link.note}" if link.note else "")
        change = {"field": field, "old": None, "new": text}
        if kind == "unlink":
            change = {"field": field, "old": text, "new": None}
        rows.append(dict(kind=kind, record_type="customer", record_id=own,
                         record_name=_customer_name(own_c) if own_c else f"#{own}", changes=[change]))
    return rows


track(CustomerLink, Tracked("customer", name=lambda link: "", custom=_link_rows))
