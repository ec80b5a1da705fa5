"""Organizations: the master record with legal and address data (seed 000)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, SoftDelete, Timestamps


class Organization(Timestamps, SoftDelete, Base):
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
