"""A customer's visiting address and e-mail address for messages (seed 001: "Invoice address, Visiting
address and E-mail address"; the invoice address is ``BillingInfo``). One row per kind and customer.

Like billing information they are edited in the customer's form and have no version of their own: a change
bumps the customer's version (models/versioned.py), and History files them on the customer's timeline.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, Timestamps
from backoffice.models.customer import Customer, _customer_name
from backoffice.models.history import BOOKKEEPING, Tracked, track

ADDRESS_KINDS = ("visiting", "email")


class Address(Timestamps, Base):
    __tablename__ = "customer_address"
    __table_args__ = (
        CheckConstraint("kind IN ('visiting', 'email')", name="kind_known"),
        UniqueConstraint("customer_id", "kind", name="uq_customer_address_kind"),
        # an e-mail address has its e-mail; a visiting address at least a street or a city
        CheckConstraint("kind <> 'email' OR (email IS NOT NULL AND email <> '')", name="email_given"),
        CheckConstraint(
            "kind <> 'visiting' OR (coalesce(street, '') <> '' OR coalesce(city, '') <> '')", name="visiting_given"
        ),
    )
    bumps_version_of = "customer"  # (models/versioned.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # visiting
    street: Mapped[str | None] = mapped_column(String(200))
    post_number: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))  # free text for now
    # email
    email: Mapped[str | None] = mapped_column(String(254))

    customer: Mapped[Customer] = relationship()

    @property
    def lines(self) -> list[str]:
        """The address as it is written on an envelope (visiting) or the e-mail address."""
        if self.kind == "email":
            return [self.email or ""]
        place = " ".join(p for p in (self.post_number, self.city) if p)
        return [line for line in (self.street, place, self.country) if line]


def _address_name(address) -> str:
    customer = address.__dict__.get("customer")
    if customer is None and address.customer_id is not None:
        customer = address.customer
    return _customer_name(customer) if customer is not None else f"#{address.customer_id}"


# Filed on the customer's timeline (services/history/registry.TIMELINE_TYPES); "kind" says which address.
track(
    Address,
    Tracked(
        "customer_address",
        name=_address_name,
        personal=frozenset({"email"}),
        ignore=BOOKKEEPING | {"customer_id"},
        file_under=lambda a: ("customer_address", a.customer_id),
        part_of="customer",
    ),
)
