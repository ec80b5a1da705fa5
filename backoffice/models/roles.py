"""The permission catalogue and the roles: the one place that says who may do what.

Views and services ask ``can(user, "customers.edit")``; nothing else compares role names. The few rules
about particular roles (a customer admin is chosen among guests; system administrators must use two-factor
sign-in; someone must stay able to manage users) use the named predicates and role names below, so a roles
editor knows which roles the code relies on (``BUILT_IN_ROLES``) and can't silently break those rules.

It lives below the services (which need it for their rules) and the views (which ask ``can``). What a role
grants is in the role table (models/role.py, issue 14), which comes with the user; ``ROLES`` here is what the
built-in roles were seeded with. It imports nothing from the application but that model and the catalogue
(models/permissions.py).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import object_session

# The catalogue (re-exported: views and services read it from here with ``can``).
from backoffice.models.permissions import AREAS, BY_CODE, CATALOGUE, PERMISSIONS, Permission, by_area  # noqa: F401
from backoffice.models.role import Role, RolePermission

LANGUAGES = {"en": "English", "sv": "Svenska"}

_VIEW = {"admin.access", "organizations.view", "customers.view", "users.view", "groups.view"}
_EDIT = {
    "organizations.create",
    "organizations.edit",
    "customers.create",
    "customers.edit",
    "customers.export",
    "customers.upload",  # (issue 13) seed 001's Upload
    "groups.edit",
    "customers.share_views",  # (issue 11, views) editors curate the views everyone sees
    "customers.assign",  # (issue 14) seed 001's Assign
    "customers.archive",  # (issue 14) seed 004's Archive, apart from Edit
}

# The built-in roles and the permissions they were seeded with (migration 1b7d3e5f9a20 wrote these into the role
# table; services/roles.ensure_built_in writes them into an empty one). What a role grants is read from the table
# (``can``), never from here.
ROLES: dict[str, frozenset[str]] = {
    "system-admin": frozenset(PERMISSIONS) - {"portal.access", "customers.view_assigned", "customers.edit_assigned"},
    "editor": frozenset(_VIEW | _EDIT),
    "staff": frozenset(_VIEW),
    # (issue 14, seed 001) sees and edits the customers assigned to them, and may upload (a new one is theirs)
    "technician": frozenset({"admin.access", "customers.view_assigned", "customers.edit_assigned",
                             "customers.upload"}),
    "customer-admin": frozenset({"portal.access"}),
    "guest": frozenset(),
}

ROLE_LABELS = {
    "system-admin": _l("System administrator"),
    "editor": _l("Editor"),
    "staff": _l("Staff"),
    "technician": _l("Technician"),  # (issue 14)
    "customer-admin": _l("Customer admin"),
    "guest": _l("Guest"),
}

ADMIN_ROLE = "system-admin"
GUEST_ROLE = "guest"
CUSTOMER_ADMIN_ROLE = "customer-admin"
# Roles the code itself assigns or names in a rule: the customer services turn a guest into a customer
# admin and back; system administrators are the ones two-factor sign-in is required of, and the last
# active one can't be removed. A roles editor may change what these roles may do, not their names.
BUILT_IN_ROLES = frozenset({ADMIN_ROLE, GUEST_ROLE, CUSTOMER_ADMIN_ROLE})


def roles_with(permission: str):
    """The codes of the roles that grant ``permission``, as a subquery (``User.role.in_(roles_with("admin.access"))``)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return select(Role.code).join(RolePermission).where(RolePermission.permission == permission)


def role_name(user):
    """The name of ``user``'s role as people read it: a built-in role's translated label, else the name an
    administrator gave it."""
    label = ROLE_LABELS.get(user.role)
    if label is not None:
        return label
    record = getattr(user, "role_record", None)
    return record.name if record is not None and record.code == user.role else user.role


def is_system_admin(user) -> bool:
    return getattr(user, "role", None) == ADMIN_ROLE


def is_guest(user) -> bool:
    """A user who may sign in but holds no role in the back office or the portal yet."""
    return getattr(user, "role", None) == GUEST_ROLE


def is_customer_admin(user) -> bool:
    return getattr(user, "role", None) == CUSTOMER_ADMIN_ROLE


def permissions_of(user) -> frozenset[str]:
    """What ``user``'s role grants, as the role table has it now: the role loaded with the user (User.role_record,
    fresh in every request), or looked up again when the user's role was changed since."""
    record = getattr(user, "role_record", None)
    if record is not None and record.code == user.role:
        return record.permissions
    session = object_session(user)
    found = session.scalar(select(Role).where(Role.code == user.role)) if session is not None else None
    return found.permissions if found is not None else frozenset()


# (issue 14) "View (only) assigned" and "Edit (only) assigned": a user holding only the scoped permission may use
# what needs the full one, on the customers assigned to them (services/customer_scope.py narrows every query).
SCOPED = {"customers.view": "customers.view_assigned", "customers.edit": "customers.edit_assigned"}


def holds(user, permission: str) -> bool:
    """``permission`` itself is granted to ``user``'s role (no scoped stand-in)."""
    return user is not None and getattr(user, "is_active", False) and permission in permissions_of(user)


def can(user, permission: str, obj=None) -> bool:
    """True when ``user`` holds ``permission``. For customers.view / customers.edit, holding the scoped permission
    (SCOPED) is enough for the endpoint, and for a customer ``obj`` only when it is assigned to ``user``."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    granted = permissions_of(user)
    if permission in granted:
        return True
    scoped = SCOPED.get(permission)
    if scoped is None or scoped not in granted:
        return False
    return obj is None or _assigned(user, obj)


def _assigned(user, customer) -> bool:
    """``customer`` is assigned to ``user`` (models/assignment.py; read by its table, which this module's place
    below the models can't import)."""
    session = object_session(user) or object_session(customer)
    if session is None or getattr(customer, "id", None) is None:
        return False
    table = Role.metadata.tables["customer_assignment"]
    return session.execute(select(table.c.user_id).where(table.c.customer_id == customer.id,
                                                         table.c.user_id == user.id)).first() is not None
