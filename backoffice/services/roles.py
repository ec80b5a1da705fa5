"""The roles and what each may do (issue 14), from the role table (models/role.py): the roles page shows every
role's permissions to everyone who may open the users register, so staff can see why they can't do something;
the users register offers the staff roles.

``ensure_built_in`` writes the built-in roles with their seeded permissions into a register that has none (the
migration that made the table seeded them; a test suite that empties every table between tests calls this)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import case, func, select

from backoffice.models import Role, RolePermission, User
from backoffice.models.roles import ROLE_LABELS, ROLES, Permission, by_area


@dataclass
class RoleColumn:
    code: str
    label: object
    users: int  # active and deactivated users who have the role
    permissions: frozenset[str]


@dataclass
class RoleTable:
    roles: list[RoleColumn]
    areas: list[tuple[str, object, list[Permission]]]  # (area, its label, its permissions)


STAFF_BUILT_IN = frozenset({"system-admin", "editor", "staff"})  # (the users register offers these)


def label(role: Role):
    """A built-in role by its translated name; one an administrator made by the name it was given."""
    return ROLE_LABELS.get(role.code) or role.name


def label_of(session, code: str):
    """``label`` by a role's code (a built-in role's without a query)."""
    return ROLE_LABELS.get(code) or session.scalar(select(Role.name).where(Role.code == code)) or code


def _in_order():
    """Built-in roles first, in the catalogue's order, then the others by name."""
    order = case({code: number for number, code in enumerate(ROLE_LABELS)}, value=Role.code, else_=len(ROLE_LABELS))
    return select(Role).order_by(order, func.lower(Role.name), Role.id)


def all_roles(session) -> list[Role]:
    return list(session.scalars(_in_order()))


def staff_roles(session) -> list[Role]:
    """The roles the users register offers (guest and customer admin are set by the customer services)."""
    return list(session.scalars(_in_order().where(Role.staff.is_(True))))


def role_table(session) -> RoleTable:
    counts = dict(session.execute(select(User.role, func.count()).group_by(User.role)).all())
    roles = [RoleColumn(code=role.code, label=label(role), users=counts.get(role.code, 0),
                        permissions=role.permissions) for role in all_roles(session)]
    return RoleTable(roles=roles, areas=by_area())


def ensure_built_in(session) -> int:
    """Write each missing built-in role with the permissions it was seeded with; returns how many were missing."""
    present = set(session.scalars(select(Role.code)))
    missing = [code for code in ROLE_LABELS if code not in present]
    for code in missing:
        with force_locale("en"):  # (stored in English, as the migration did; shown translated by ``label``)
            name = str(ROLE_LABELS[code])
        role = Role(code=code, name=name, description="", built_in=True, staff=code in STAFF_BUILT_IN)
        role.grants = [RolePermission(permission=p) for p in sorted(ROLES[code])]
        session.add(role)
    session.flush()
    return len(missing)
