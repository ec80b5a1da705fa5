"""Organizations: the master record with legal and address data (seed 000)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, SoftDelete, Timestamps
from backoffice.models.versioned import Versioned


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


# Substring search by name or number (customers list, pickers): pg_trgm GIN indexes on PostgreSQL.
Index("ix_organization_name_trgm", Organization.name, postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"})
Index(
    "ix_organization_org_number_key_trgm",
    Organization.org_number_key,
    postgresql_using="gin",
    postgresql_ops={"org_number_key": "gin_trgm_ops"},
)
