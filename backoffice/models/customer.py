"""Customers (seed 000): the operational account tied to one organization and one customer admin."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, event, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, SoftDelete, Timestamps, prefix_index, utcnow
from backoffice.models.custom_field import custom_value_changes
from backoffice.models.history import BOOKKEEPING, Tracked, record_label, track
from backoffice.models.location_group import LocationGroup
from backoffice.models.organization import Organization
from backoffice.models.user import User
from backoffice.models.versioned import Versioned

STATUSES = ("ACTIVE", "INACTIVE")
TYPES = ("business", "private")
# --- customer language (issue 10, card): the language a customer (its admin, its contacts) receives messages
# in. Its own list, wider than the UI's LANGUAGES (models/roles.py); NULL means English. Defined once here.
CUSTOMER_LANGUAGES = {
    "en": _l("English"),
    "sv": _l("Swedish"),
    "nb": _l("Norwegian Bokmål"),
    "fi": _l("Finnish"),
    "de": _l("German"),
}
CUSTOMER_LANGUAGE_SQL = ", ".join(f"'{code}'" for code in CUSTOMER_LANGUAGES)
# --- end customer language
# --- (issue 11, fields): how the customer pays; NULL means not set. Defined once here (the form, the card,
# the list filter, the export and History read their labels from it).
PAYMENT_METHODS = {
    "invoice": _l("Invoice"),
    "e_invoice": _l("E-invoice"),
    "direct_debit": _l("Direct debit"),
    "card": _l("Card"),
}
PAYMENT_METHOD_SQL = ", ".join(f"'{code}'" for code in PAYMENT_METHODS)
# --- end (issue 11, fields)


class Customer(Versioned, Timestamps, SoftDelete, Base):
    __tablename__ = "customer"
    __table_args__ = (
        CheckConstraint("status IN ('ACTIVE', 'INACTIVE')", name="status_known"),
        CheckConstraint("type IN ('business', 'private')", name="type_known"),
        CheckConstraint("type <> 'business' OR organization_id IS NOT NULL", name="business_has_organization"),
        # (issue 11, private) a business customer has an admin unless deleted; a private one needs none
        CheckConstraint(
            "type <> 'business' OR deleted_at IS NOT NULL OR admin_user_id IS NOT NULL", name="admin_unless_deleted"
        ),
        CheckConstraint(
            "customer_number IS NULL OR (length(customer_number) BETWEEN 1 AND 64"
            " AND trim(customer_number, '0123456789') = '')",
            name="customer_number_digits",
        ),
        # (issue 10, card) the customer's message language
        CheckConstraint(f"language IS NULL OR language IN ({CUSTOMER_LANGUAGE_SQL})", name="language_known"),
        # (issue 11, groups) the customer's own payment terms
        CheckConstraint("payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND 365", name="payment_terms_range"),
        # --- (issue 11, fields) the payment method's codes
        CheckConstraint(f"payment_method IS NULL OR payment_method IN ({PAYMENT_METHOD_SQL})",
                        name="payment_method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16), default="business")
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), unique=True
    )
    admin_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE", index=True)
    customer_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    allow_shared_billing: Mapped[bool] = mapped_column(Boolean, default=False)  # (issue 12: ix_customer_shared_name)
    # --- card fields (issue 10, card): message language (NULL: English) and cost center
    language: Mapped[str | None] = mapped_column(String(8))
    cost_center: Mapped[str | None] = mapped_column(String(50))
    # --- end card fields
    # Values of the custom fields (models/custom_field.py): {"<definition id>": value}; services/custom_fields.py
    custom_values: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # --- (issue 11, groups) its own settings; NULL: inherited from its groups or the register default
    # (models/customer_group.py, services/customer_groups.effective_settings)
    automatic_settlement: Mapped[bool | None] = mapped_column(Boolean)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    # --- end (issue 11, groups)
    # --- (issue 11, fields) payment method (PAYMENT_METHODS; NULL: not set) and location group
    payment_method: Mapped[str | None] = mapped_column(String(16))
    location_group_id: Mapped[int | None] = mapped_column(ForeignKey("location_group.id", ondelete="RESTRICT"))
    # --- end (issue 11, fields)
    # --- (issue 11, private) the one display name: the organization's name (business) or the person's
    # "First Last" (private), stored so the list sorts and searches it by index; kept by the services
    # (services/organizations.py on a rename, services/contacts.py when the person is edited) and set on insert.
    # (issue 12: its sort index is ix_customer_display_name_id, with the id)
    display_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # --- end (issue 11, private)

    # (issue 13) True only while services/customers.create_customer writes the parts (billing, groups) of a
    # customer that arrives deleted from an imported register; not a column.
    arriving_deleted = False
    organization: Mapped[Organization | None] = relationship(lazy="joined", innerjoin=False)
    admin: Mapped[User | None] = relationship(foreign_keys=[admin_user_id])
    location_group: Mapped[LocationGroup | None] = relationship()  # (issue 11, fields)
    billing: Mapped[BillingInfo | None] = relationship(
        back_populates="customer", cascade="all, delete-orphan", uselist=False
    )

    @property
    def is_private(self) -> bool:  # (issue 11, private)
        return self.type == "private"

    @property
    def state(self) -> str:
        """ACTIVE, INACTIVE or DELETED, as the list shows it."""
        return "DELETED" if self.deleted_at else self.status

    def __str__(self) -> str:
        return self.display_name or f"#{self.id}"


class BillingInfo(Timestamps, Base):
    """Where invoices go; when absent, the organization's location information is used.

    It has no version of its own: it is edited in the customer's form, and any change to it bumps the
    customer's version (models/versioned.py), so the one version the form carries covers both."""

    __tablename__ = "billing_info"
    bumps_version_of = "customer"  # (models/versioned.py)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    digital_address: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    post_number: Mapped[str | None] = mapped_column(String(20))
    municipality: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(254))
    responsible_person: Mapped[str | None] = mapped_column(String(200))

    customer: Mapped[Customer] = relationship(back_populates="billing")


class SharedAccount(Base):
    """``shared_customer`` is shared with ``customer`` for billing."""

    __tablename__ = "shared_account"
    __table_args__ = (
        UniqueConstraint("customer_id", "shared_customer_id", name="uq_shared_account_pair"),
        CheckConstraint("customer_id <> shared_customer_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    shared_customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer] = relationship(foreign_keys=[customer_id])
    shared_customer: Mapped[Customer] = relationship(foreign_keys=[shared_customer_id])


# --- how History records them (models/history.py) -----------------------------------------------


def _customer_name(customer) -> str:
    # (issue 11, private) the stored display name (organization's name, or the private person's name)
    name = customer.__dict__.get("display_name")
    if name:
        return name
    org = customer.__dict__.get("organization")
    if org is None and customer.organization_id is not None:
        org = customer.organization
    return org.name if org is not None else f"#{customer.id}"


def _shared_account_rows(session, link: SharedAccount, event_name: str) -> list[dict]:
    """A share is filed on both customers: each timeline names the other one."""
    kind = "share" if event_name == "create" else "unshare"
    customers = {c.id: c for c in (session.get(Customer, link.customer_id), session.get(Customer, link.shared_customer_id)) if c}
    rows = []
    for own, other in ((link.customer_id, link.shared_customer_id), (link.shared_customer_id, link.customer_id)):
        own_c, other_c = customers.get(own), customers.get(other)
        other_name = _customer_name(other_c) if other_c else f"#{other}"
        change = {"field": "shared_account", "old": None, "new": other_name}
        if kind == "unshare":
            change = {"field": "shared_account", "old": other_name, "new": None}
        rows.append(
            dict(kind=kind, record_type="customer", record_id=own,
                 record_name=_customer_name(own_c) if own_c else f"#{own}", changes=[change])
        )
    return rows


track(
    Customer,
    Tracked(
        "customer",
        name=_customer_name,
        personal=frozenset({"admin_user_id"}),
        ignore=BOOKKEEPING | {"display_name"},  # (issue 11, private) derived: its sources are recorded
        value_labels={"admin_user_id": record_label(User), "organization_id": record_label(Organization),
                      "location_group_id": record_label(LocationGroup)},  # (issue 11, fields)
        field_changes={"custom_values": custom_value_changes},  # one change per custom field, by its label
        # a private customer's name is a person's: blanked too
        anonymise_on_purge=lambda customer: customer.__dict__.get("type") == "private",
    ),
)
track(
    BillingInfo,
    Tracked(
        "billing_info",
        name=lambda b: _customer_name(b.customer) if b.customer is not None else f"#{b.customer_id}",
        personal=frozenset({"email", "phone", "responsible_person"}),
        ignore=BOOKKEEPING | {"customer_id"},
        part_of="customer",
    ),
)
track(SharedAccount, Tracked("customer", name=lambda s: "", custom=_shared_account_rows))

Index("ix_customer_deleted_status", Customer.deleted_at, Customer.status)
# --- (issue 12) one index per sort of the list, on exactly its keys (customer_list.sort_keys), walked forwards
# or backwards: page 1, a keyset page (the row value (k1, k2, id) > (…) an index condition), the last page
# (the reverse order) and a deep page's ids (an index-only OFFSET) read only the rows they show.
# The name sort (and the default); it replaces the single-column ix_customer_display_name.
Index("ix_customer_display_name_id", Customer.display_name, Customer.id)
# The Status sort: the state (deleted or not, then ACTIVE/INACTIVE) as an expression, so no column has to be
# kept in step with deleted_at and status.
Index("ix_customer_state_name", Customer.deleted_at.is_not(None), Customer.status, Customer.display_name, Customer.id)
# The Allow shared billing accounts sort (also the sharing picker's allow_shared_billing = true; it replaces
# ix_customer_allow_shared_billing).
Index("ix_customer_shared_name", Customer.allow_shared_billing, Customer.display_name, Customer.id)
# --- end (issue 12)
# --- (issue 11, fields) the list's payment method and location group filters (each alone is selective
# enough; the status filter then reads the few rows found)
Index("ix_customer_payment_method", Customer.payment_method)
Index("ix_customer_location_group_id", Customer.location_group_id)
# --- end (issue 11, fields)
# --- (issue 11, private) the display name's substring search (pg_trgm GIN on PostgreSQL; plain on SQLite)
Index(
    "ix_customer_display_name_trgm",
    Customer.display_name,
    postgresql_using="gin",
    postgresql_ops={"display_name": "gin_trgm_ops"},
)


@event.listens_for(Customer, "before_insert")
def _display_name_on_insert(mapper, connection, customer: Customer) -> None:
    """A business customer created anywhere (service, demo, factories) is named after its organization."""
    if not customer.display_name and customer.organization is not None:
        customer.display_name = customer.organization.name
# --- end (issue 11, private)
# Substring search of the customers list (pg_trgm GIN on PostgreSQL; a plain index on SQLite).
Index(
    "ix_customer_customer_number_trgm",
    Customer.customer_number,
    postgresql_using="gin",
    postgresql_ops={"customer_number": "gin_trgm_ops"},
)
# Search words of one or two letters match the start of the display name or customer number (issue 12).
prefix_index("ix_customer_display_name_prefix", Customer.display_name)
prefix_index("ix_customer_customer_number_prefix", Customer.customer_number, normalized=True)
