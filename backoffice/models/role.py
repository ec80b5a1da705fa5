"""Roles in the database (issue 14): a user's role (``user.role``, a foreign key to ``role.code``) and the
permissions it grants, one row per permission of the catalogue (models/permissions.py).

The built-in roles (system administrator, editor, staff, customer admin, guest) are seeded by the migration that
made this table, with the permissions they had when they were fixed in code (``roles.ROLES``); the code names
them by their ``code`` where a rule is about a role itself (a customer admin is chosen among guests, system
administrators must use two-factor sign-in). ``staff`` roles are the ones the users register offers; guest and
customer admin are set by the customer services. A built-in role can't be deleted; a role a user has can't be
deleted either (the foreign key refuses it too).
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from backoffice.models.base import Base, Timestamps
from backoffice.models.history import Tracked, track
from backoffice.models.permissions import PERMISSIONS
from backoffice.models.versioned import Versioned


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Role(Versioned, Timestamps, Base):
    __tablename__ = "role"
    __table_args__ = (
        CheckConstraint("trim(name) <> ''", name="name_not_empty"),
        CheckConstraint("code <> '' AND code = lower(code)", name="code_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    built_in: Mapped[bool] = mapped_column(Boolean, default=False)
    staff: Mapped[bool] = mapped_column(Boolean, default=True)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:  # (Versioned's, created after both tables: user refers to role)
        return mapped_column(ForeignKey("user.id", ondelete="SET NULL", use_alter=True))

    grants: Mapped[list[RolePermission]] = relationship(
        back_populates="role", cascade="all, delete-orphan", lazy="selectin", order_by="RolePermission.permission"
    )

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(grant.permission for grant in self.grants)

    def __str__(self) -> str:
        return self.name


class RolePermission(Base):
    """One permission a role grants (a permission of the catalogue: the check lists them)."""

    __tablename__ = "role_permission"
    bumps_version_of = "role"  # (models/versioned.py): ticked in the role's form
    __table_args__ = (CheckConstraint(f"permission IN ({_in(PERMISSIONS)})", name="permission_known"),)

    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(64), primary_key=True)

    role: Mapped[Role] = relationship(back_populates="grants")


# Two roles can't share a name whatever its case.
Index("uq_role_name_lower", func.lower(Role.name), unique=True)

track(Role, Tracked("role", name=lambda r: r.name,
                    collections={"grants": ("permissions", lambda grant: grant.permission)}))
