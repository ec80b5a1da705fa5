"""Two-factor sign-in: a TOTP secret per user and single-use recovery codes (stored hashed).

A row in ``user_two_factor`` with ``enabled_at`` NULL is an enrolment that was started but not yet
confirmed with a first code; two-factor is on for the user once ``enabled_at`` is set.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, utcnow


class UserTwoFactor(Base):
    __tablename__ = "user_two_factor"
    __table_args__ = (
        CheckConstraint("length(secret) >= 16", name="secret_long_enough"),
        CheckConstraint("last_counter IS NULL OR last_counter >= 0", name="last_counter_positive"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    # base32 TOTP secret (RFC 6238, 30-second steps, 6 digits)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The time step of the last code accepted: a code is never accepted twice.
    last_counter: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Base):
    __tablename__ = "recovery_code"
    __table_args__ = (CheckConstraint("length(code_hash) = 64", name="code_hash_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # sha256 hex of the normalised code (the codes are random, 50 bits each: a slow hash adds nothing)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
