"""The roles and what each may do (issue 14), from the role table (models/role.py): the roles page shows every
role's permissions to everyone who may open the users register, so staff can see why they can't do something;
the users register offers the staff roles; system administrators (``roles.edit``) create, edit, duplicate and
delete roles here.

The rules of the roles editor live here: a built-in role keeps its name and can't be deleted; guest and customer
admin are the system's (the customer services give them) and are not edited; the customer portal is the customer
admin role's alone; the system administrator role keeps ``roles.edit``; a role users have can't be deleted; and
someone active must stay able to manage users and roles (``MANAGE``, also guarded in services/users.py).

``ensure_built_in`` writes the built-in roles with their seeded permissions into a register that has none (the
migration that made the table seeded them; a test suite that empties every table between tests calls this)."""

from __future__ import annotations

from dataclasses import dataclass

import re
import unicodedata

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import case, func, select

from backoffice.models import Role, RolePermission, User
from backoffice.models.roles import ADMIN_ROLE, PERMISSIONS, ROLE_LABELS, ROLES, Permission, by_area
from backoffice.services import locking
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.validation import check_lengths


@dataclass
class RoleColumn:
    id: int
    code: str
    label: object
    description: str
    users: int  # active and deactivated users who have the role
    permissions: frozenset[str]
    editable: bool
    deletable: bool


@dataclass
class RoleTable:
    roles: list[RoleColumn]
    areas: list[tuple[str, object, list[Permission]]]  # (area, its label, its permissions)


STAFF_BUILT_IN = frozenset({"system-admin", "editor", "staff", "technician"})  # (the users register offers these)


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
    roles = [RoleColumn(id=role.id, code=role.code, label=label(role), description=role.description,
                        users=counts.get(role.code, 0), permissions=role.permissions, editable=editable(role),
                        deletable=deletable(role)) for role in all_roles(session)]
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


# --- the roles editor (roles.edit) ------------------------------------------------------------------------

# Holding both is being able to manage users and roles: the last active user who does can't lose it.
MANAGE = frozenset({"roles.edit", "users.edit"})
PORTAL = "portal.access"
_NAME_TAKEN = _l("Another role already has this name.")
_TAKEN = {"uq_role_name_lower": ("name", _NAME_TAKEN)}
_LAST_MANAGER = _l("Nobody active could manage users and roles any more: at least one active user must keep a "
                   "role that may both edit users and edit roles.")


def editable(role: Role) -> bool:
    """Guest and customer admin are the system's: the customer services give them, and what they may do is fixed."""
    return role.staff


def deletable(role: Role) -> bool:
    return not role.built_in


def permission_choices(role: Role | None = None) -> list[tuple[str, object, list[Permission]]]:
    """The areas and permissions a staff role may be given (the customer portal is the customer admin's)."""
    return [(area, label, [p for p in permissions if p.code != PORTAL]) for area, label, permissions in by_area()]


def managers(session, *, without: Role | None = None, granting: frozenset[str] | None = None) -> int:
    """How many active users hold every permission of MANAGE: as the roles are, or with ``without`` granting
    ``granting`` instead."""
    holders = select(RolePermission.role_id).where(RolePermission.permission.in_(MANAGE)).group_by(
        RolePermission.role_id).having(func.count() == len(MANAGE))
    query = select(func.count()).select_from(User).join(Role, Role.code == User.role).where(User.active.is_(True))
    if without is None:
        return session.scalar(query.where(Role.id.in_(holders)))
    others = session.scalar(query.where(Role.id.in_(holders), Role.id != without.id))
    if MANAGE <= granting:
        others += session.scalar(query.where(Role.id == without.id))
    return others


def _clean(session, role: Role | None, name, description, permissions) -> tuple[str, str, frozenset[str]]:
    name = (name or "").strip()
    description = (description or "").strip()
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    check_lengths(Role, {"name": name, "description": description})
    taken = session.scalar(select(Role.id).where(func.lower(Role.name) == name.lower()))
    if taken is not None and (role is None or taken != role.id):
        raise ServiceError(_NAME_TAKEN, "name")
    wanted = frozenset(permissions or ())
    unknown = sorted(wanted - set(PERMISSIONS))
    if unknown:
        raise ServiceError(_l("There is no permission %(code)s.", code=unknown[0]), "permissions")
    if PORTAL in wanted:
        raise ServiceError(_l("Only the customer admin role may use the customer portal."), "permissions")
    if wanted and "admin.access" not in wanted:
        raise ServiceError(_l("Every other permission of the back office needs Open the back office: tick it too."),
                           "permissions")
    return name, description, wanted


def _code_for(session, name: str) -> str:
    """A new role's code, made from its name once (it stays when the role is renamed): "Read-only auditor" is
    read-only-auditor, then -2, -3 … while taken."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:28].strip("-") or "role"
    taken = set(session.scalars(select(Role.code).where(Role.code.like(f"{base}%"))))
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}-{number}"
    return code


def _grant(role: Role, wanted: frozenset[str]) -> None:
    """Change the role's grants to ``wanted`` in place (History records the collection's change once)."""
    for grant in [g for g in role.grants if g.permission not in wanted]:
        role.grants.remove(grant)
    have = {g.permission for g in role.grants}
    for permission in sorted(wanted - have):
        role.grants.append(RolePermission(permission=permission))


def create_role(session, actor: User | None, *, name, description="", permissions=()) -> Role:
    locking.remember_actor(session, actor)
    name, description, wanted = _clean(session, None, name, description, permissions)
    role = Role(code=_code_for(session, name), name=name, description=description, built_in=False, staff=True)
    _grant(role, wanted)
    with unique_guard(session, _TAKEN):
        session.add(role)
    return role


def update_role(session, actor: User | None, role: Role, *, name, description, permissions,
                expected_version=None) -> Role:
    locking.check_version(session, actor, role, expected_version)
    if not editable(role):
        raise ServiceError(_l("The system gives this role and decides what it may do: it can't be edited."))
    with session.no_autoflush:
        name, description, wanted = _clean(session, role, name, description, permissions)
        if role.built_in and name != role.name:
            raise ServiceError(_l("A built-in role keeps its name."), "name")
        if role.code == ADMIN_ROLE and "roles.edit" not in wanted:
            raise ServiceError(_l("The system administrator role always keeps Create, edit and delete roles."),
                               "permissions")
        if MANAGE <= role.permissions and not MANAGE <= wanted and managers(session, without=role, granting=wanted) == 0:
            raise ServiceError(_LAST_MANAGER, "permissions")
    with locking.stale_guard(session, actor, role), unique_guard(session, _TAKEN):
        role.name = name
        role.description = description
        _grant(role, wanted)
    return role


def users_with(session, role: Role) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == role.code))


def delete_role(session, actor: User | None, role: Role) -> str:
    locking.remember_actor(session, actor)
    if not deletable(role):
        raise ServiceError(_l("A built-in role can't be deleted."))
    in_use = users_with(session, role)
    if in_use:
        raise ServiceError(lazy_ngettext("%(num)d user has this role: give them another role first.",
                                         "%(num)d users have this role: give them another role first.", in_use))
    name = role.name
    with locking.stale_guard(session, actor, role):
        session.delete(role)
        session.flush()
    return name
