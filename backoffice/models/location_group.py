"""Location groups (issue 11, fields): a short managed list (districts such as North / South / City) a
customer can be placed in; the customers list filters by it. Names are unique (a unique constraint; the service
also refuses one differing only in case — an index on lower(name) is not reflected by SQLite's Alembic
comparison, so tests/test_migrations.py could not check it)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, Timestamps
from backoffice.models.history import Tracked, track
from backoffice.models.versioned import Versioned


class LocationGroup(Versioned, Timestamps, Base):
    __tablename__ = "location_group"
    __table_args__ = (CheckConstraint("trim(name) <> ''", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    def __str__(self) -> str:
        return self.name


track(LocationGroup, Tracked("location_group", name=lambda g: g.name))
