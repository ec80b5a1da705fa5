"""Server-side sessions: one row per sign-in, so each can be ended on its own (ASVS 5.0 §7).

The browser holds secrets, the table only their SHA-256: the session id (in the signed Flask session cookie)
and, for "Keep me signed in", the remember-me token (its own cookie). A row is deleted when its session ends
(sign-out, idle timeout, absolute lifetime, "sign out everywhere", password change, deactivation, restore).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, utcnow


class UserSession(Base):
    __tablename__ = "user_session"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
        CheckConstraint("remember = (remember_hash IS NOT NULL)", name="remember_has_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # sha256 hex of the secret id in the session cookie; the one indexed lookup of every request
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # sha256 hex of the remember-me token (a new one at every sign-in and at every use); NULL without remember-me
    remember_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the absolute end: SESSION_ABSOLUTE_HOURS after sign-in, or REMEMBER_DAYS with remember-me
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(45))
