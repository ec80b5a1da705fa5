"""Organizations: the master record with legal and address data (seed 000)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, String, UniqueConstraint, select, text, true
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.models.base import Base, SoftDelete, Timestamps, prefix_index
from backoffice.models.history import BOOKKEEPING, Tracked, track
from backoffice.models.versioned import Versioned


def org_number_key(number: str | None) -> str:
    """What makes two organization numbers the same: spaces and dashes do not count (``org_number_key``)."""
    return re.sub(r"[\s\-‐‑–—]", "", number or "").upper()


# "NULL or two upper-case letters A-Z", written so SQLite and PostgreSQL read it alike (no regex in SQLite;
# upper() = itself rules out lower case, the byte ranges rule out digits and accented letters).
COUNTRY_CODE_CHECK = (
    "{col} IS NULL OR (length({col}) = 2 AND upper({col}) = {col}"
    " AND substr({col}, 1, 1) BETWEEN 'A' AND 'Z' AND substr({col}, 2, 1) BETWEEN 'A' AND 'Z')"
)


class Organization(Versioned, Timestamps, SoftDelete, Base):
    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint("org_number_key <> ''", name="org_number_key_not_empty"),
        # An ISO 3166-1 alpha-2 code or nothing (two upper-case ASCII letters, the same test on both engines).
        CheckConstraint(COUNTRY_CODE_CHECK.format(col="country"), name="country_code"),
        # One organization per number in a country; organizations without a country are one more
        # "country" (the partial index below), so two with the same number and no country clash too.
        UniqueConstraint("country", "org_number_key", name="uq_organization_country_org_number_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    org_number: Mapped[str] = mapped_column(String(32))
    # The number without spaces and dashes, upper-cased: what uniqueness is about.
    org_number_key: Mapped[str] = mapped_column(String(32))
    # Derived on every write by services/organizations.py (services/org_numbers.py): False for a number
    # its country's rule refuses, kept from before the rule (it is only checked when it is changed);
    # the organizations list filters on it ("Numbers that fail validation").
    org_number_valid: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    legal_form: Mapped[str | None] = mapped_column(String(100))
    digital_address: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    post_number: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(100))
    municipality: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2 ("SE"), services/countries.py
    phone: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))

    def __str__(self) -> str:
        return self.name


track(Organization, Tracked("organization", name=lambda o: o.name, ignore=BOOKKEEPING | {"org_number_key", "org_number_valid"}))  # (derived)

Index(
    "uq_organization_org_number_key_no_country",
    Organization.org_number_key,
    unique=True,
    sqlite_where=text("country IS NULL"),
    postgresql_where=text("country IS NULL"),
)

# Substring search by name or number (customers list, pickers): pg_trgm GIN indexes on PostgreSQL.
Index("ix_organization_name_trgm", Organization.name, postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"})
Index(
    "ix_organization_org_number_key_trgm",
    Organization.org_number_key,
    postgresql_using="gin",
    postgresql_ops={"org_number_key": "gin_trgm_ops"},
)
# A search word of one or two letters matches the start of the name (issue 12; numbers from three characters).
prefix_index("ix_organization_name_prefix", Organization.name)


def lock_organization(session: Session, org_id: int) -> datetime | None:
    """Lock the organization's row until the transaction ends; returns its ``deleted_at`` as committed.

    ``SELECT … FOR UPDATE`` on PostgreSQL: a soft delete and a customer written for the organization
    (created, recovered, moved to it) take this lock, so they run one after the other and the second
    sees what the first committed. SQLite has no row locks (SQLAlchemy leaves FOR UPDATE out) but takes
    one writer at a time: callers lock after their own first write, so the read is in the write transaction.
    """
    return session.execute(
        select(Organization.deleted_at).where(Organization.id == org_id).with_for_update()
    ).scalar_one_or_none()
