"""Organizations: the master record with legal and address data (seed 000)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.models.base import Base, SoftDelete, Timestamps
from backoffice.models.history import BOOKKEEPING, Tracked, track
from backoffice.models.versioned import Versioned


def org_number_key(number: str | None) -> str:
    """What makes two organization numbers the same: spaces and dashes do not count (``org_number_key``)."""
    return re.sub(r"[\s\-‐‑–—]", "", number or "").upper()


class Organization(Versioned, Timestamps, SoftDelete, Base):
    __tablename__ = "organization"
    __table_args__ = (CheckConstraint("org_number_key <> ''", name="org_number_key_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    org_number: Mapped[str] = mapped_column(String(32))
    # The number without spaces and dashes, upper-cased: what uniqueness is about.
    org_number_key: Mapped[str] = mapped_column(String(32), unique=True)
    legal_form: Mapped[str | None] = mapped_column(String(100))
    digital_address: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    post_number: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(100))
    municipality: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))

    def __str__(self) -> str:
        return self.name


track(Organization, Tracked("organization", name=lambda o: o.name, ignore=BOOKKEEPING | {"org_number_key"}))  # (derived)

# Substring search by name or number (customers list, pickers): pg_trgm GIN indexes on PostgreSQL.
Index("ix_organization_name_trgm", Organization.name, postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"})
Index(
    "ix_organization_org_number_key_trgm",
    Organization.org_number_key,
    postgresql_using="gin",
    postgresql_ops={"org_number_key": "gin_trgm_ops"},
)


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
