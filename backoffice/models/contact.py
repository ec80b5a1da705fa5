"""A customer's contact persons (seeds 001, 004): at most one primary per customer, a role from a managed
list (``ContactRole``, edited by the system administrator) plus a free-text title."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, Timestamps, prefix_index
from backoffice.models.customer import CUSTOMER_LANGUAGE_SQL, Customer, _customer_name
from backoffice.models.history import BOOKKEEPING, Tracked, record_label, track
from backoffice.models.versioned import Versioned

# A contact receives messages in one of the customer languages (models/customer.CUSTOMER_LANGUAGES).
_LANGUAGE_LIST = CUSTOMER_LANGUAGE_SQL


class ContactRole(Versioned, Timestamps, Base):
    """A role a contact can have ("Invoice recipient", "Technical contact", …)."""

    __tablename__ = "contact_role"
    __table_args__ = (CheckConstraint("trim(name) <> ''", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    def __str__(self) -> str:
        return self.name


class Contact(Versioned, Timestamps, Base):
    __tablename__ = "contact"
    __table_args__ = (
        CheckConstraint("trim(first_name) <> ''", name="first_name_not_empty"),
        CheckConstraint(f"language IS NULL OR language IN ({_LANGUAGE_LIST})", name="language_known"),
        # (issue 11, private) a private customer's person is its primary contact, with an e-mail
        CheckConstraint("NOT is_person OR (is_primary AND email_key IS NOT NULL)", name="person_is_primary"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("contact_role.id", ondelete="RESTRICT"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str | None] = mapped_column(String(8))
    send_service_protocol: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    send_work_orders: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # --- (issue 11, private) the person of a private customer (services/contacts.py: fixed as its primary
    # contact) and its e-mail lowercased, unique among persons (what the import matches on)
    is_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    email_key: Mapped[str | None] = mapped_column(String(254))
    # --- end (issue 11, private)

    customer: Mapped[Customer] = relationship()
    role: Mapped[ContactRole | None] = relationship(lazy="joined")

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def __str__(self) -> str:
        return self.full_name


# At most one primary contact per customer, on both databases.
Index(
    "uq_contact_one_primary",
    Contact.customer_id,
    unique=True,
    sqlite_where=Contact.is_primary == true(),
    postgresql_where=Contact.is_primary == true(),
)

# --- (issue 11, private) one person per private customer; a person's e-mail is unique among persons
Index(
    "uq_contact_one_person",
    Contact.customer_id,
    unique=True,
    sqlite_where=Contact.is_person == true(),
    postgresql_where=Contact.is_person == true(),
)
Index(
    "uq_contact_person_email",
    Contact.email_key,
    unique=True,
    sqlite_where=Contact.is_person == true(),
    postgresql_where=Contact.is_person == true(),
)
# the customers list's search by a person's e-mail (pg_trgm GIN on PostgreSQL; plain on SQLite)
Index("ix_contact_email_key_trgm", Contact.email_key, postgresql_using="gin",
      postgresql_ops={"email_key": "gin_trgm_ops"})
prefix_index("ix_contact_email_key_prefix", Contact.email_key, normalized=True)  # (issue 12: one or two letters)
# --- end (issue 11, private)


def _contact_name(contact) -> str:
    customer = contact.__dict__.get("customer")
    if customer is None and contact.customer_id is not None:
        customer = contact.customer
    owner = _customer_name(customer) if customer is not None else f"#{contact.customer_id}"
    return f"{contact.full_name} ({owner})"


# Filed on the customer's timeline (services/history/registry.TIMELINE_TYPES).
track(
    Contact,
    Tracked(
        "customer_contact",
        name=_contact_name,
        personal=frozenset({"first_name", "last_name", "email", "phone", "title"}),
        ignore=BOOKKEEPING | {"customer_id", "email_key"},  # (email_key: a copy of email)
        value_labels={"role_id": record_label(ContactRole)},
        file_under=lambda c: ("customer_contact", c.customer_id),
        part_of="customer",
    ),
)
track(ContactRole, Tracked("contact_role", name=lambda r: r.name))
