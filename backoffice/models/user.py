"""Users: staff who sign in to /admin, and customer admins and guests who use the portal."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from backoffice.models.role import Role
from backoffice.models.roles import LANGUAGES
from backoffice.models.base import Base, Timestamps, prefix_index
from backoffice.models.history import BOOKKEEPING, Tracked, track
from backoffice.models.versioned import Versioned


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class User(UserMixin, Versioned, Timestamps, Base):
    __tablename__ = "user"
    # Written by sign-in, password and session changes, none of which edits what the user form shows.
    unversioned = frozenset({"last_login_at", "session_version", "password_hash", "must_change_password"})
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(f"language IN ({_in(LANGUAGES)})", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    # (issue 14) a role of the role table, by its code; its permissions come with the user (``role_record``)
    role: Mapped[str] = mapped_column(String(32), ForeignKey("role.code", onupdate="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_mime: Mapped[str | None] = mapped_column(String(32))
    # Bumped to end every session of this user (password change, deactivation, "sign out everywhere");
    # it is part of the id Flask-Login keeps in the session and the remember-me cookie (see get_id).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    role_record: Mapped[Role] = relationship(foreign_keys=[role], lazy="joined", innerjoin=True, viewonly=True)

    def get_id(self) -> str:  # Flask-Login: "<id>:<session_version>", checked by the user loader
        return f"{self.id}:{self.session_version or 0}"

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return bool(self.active)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return ((self.first_name[:1] + self.last_name[:1]) or self.email[:1]).upper()

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


track(
    User,
    Tracked(
        "user",
        name=lambda u: u.full_name or u.email,
        secrets={"password_hash": "password", "photo": "photo"},
        ignore=BOOKKEEPING | {"photo_mime"},
        personal=frozenset({"first_name", "last_name", "email"}),
    ),
)

# The customer-admin picker searches users by name or e-mail as you type (pg_trgm on PostgreSQL).
for _column in ("first_name", "last_name", "email"):
    Index(
        f"ix_user_{_column}_trgm",
        getattr(User, _column),
        postgresql_using="gin",
        postgresql_ops={_column: "gin_trgm_ops"},
    )
# Search words of one or two letters match the start of a name or the e-mail (issue 12).
prefix_index("ix_user_first_name_prefix", User.first_name)
prefix_index("ix_user_last_name_prefix", User.last_name)
prefix_index("ix_user_email_prefix", User.email, normalized=True)
Index("ix_user_role_name", User.role, User.last_name, User.first_name, User.id)
# The users list's default order (last name, first name; the id breaks ties): page 1 walks it (issue 12).
Index("ix_user_name", User.last_name, User.first_name, User.id)
