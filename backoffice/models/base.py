"""Declarative base with a naming convention, so every constraint has a stable name in migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def prefix_index(name: str, column, *, normalized: bool = False) -> Index:
    """The index a search word of one or two letters uses (services/matching.py, issue 12): on
    ``lower(column)`` (or, ``normalized``, on a column stored lowercased or as a key), with
    ``text_pattern_ops`` on PostgreSQL so that ``LIKE 'ek%'`` is a range scan whatever the database's
    collation; a plain index on SQLite, which the prefix written as a range uses."""
    if normalized:
        return Index(name, column, postgresql_ops={column.key: "text_pattern_ops"})
    label = f"{column.key}_lower"
    return Index(name, func.lower(column).label(label), postgresql_ops={label: "text_pattern_ops"})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamps:
    """created_at / updated_at, kept by the ORM (bookkeeping: never part of history)."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class SoftDelete:
    """A row that is marked deleted stays, with the time it was deleted."""

    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
