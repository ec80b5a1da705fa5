"""The permission catalogue and the roles: the one place that says who may do what.

Views and services ask ``can(user, "customers.edit")``; nothing else compares role names. The few rules
about particular roles (a customer admin is chosen among guests; system administrators must use two-factor
sign-in; someone must stay able to manage users) use the named predicates and role names below, so a roles
editor knows which roles the code relies on (``BUILT_IN_ROLES``) and can't silently break those rules.

It lives below the services (which need it for their rules) and the views (which ask ``can``); it imports
nothing from the application.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LANGUAGES = {"en": "English", "sv": "Svenska"}

PERMISSIONS = {
    "admin.access": _l("Open the back office"),
    "organizations.view": _l("View organizations"),
    "organizations.create": _l("Create organizations"),
    "organizations.edit": _l("Edit organizations"),
    "organizations.delete": _l("Delete and recover organizations"),
    "organizations.purge": _l("Permanently delete organizations"),
    "customers.view": _l("View customers"),
    "customers.create": _l("Create customers"),
    "customers.edit": _l("Edit customers"),
    "customers.delete": _l("Delete and recover customers"),
    "customers.purge": _l("Permanently delete customers"),
    "customers.change_number": _l("Change a customer's customer number after creation"),
    "customers.export": _l("Download customers as CSV"),
    "customers.upload": _l("Add many customers at once and import registers"),  # (issue 13)
    "customers.share_views": _l("Share saved views of the customers list with everyone"),  # (issue 11, views)
    "groups.view": _l("View customer groups"),  # (issue 11, groups)
    "groups.edit": _l("Create, edit, order and delete customer groups and change their members"),
    "users.view": _l("View users"),
    "users.create": _l("Create users"),
    "users.edit": _l("Edit users and set their passwords"),
    "users.delete": _l("Delete users"),
    "settings.edit": _l("Change register settings"),
    "audit.view": _l("View the audit log of every change"),
    "history.restore": _l("Restore a previous value from a record's history"),
    "history.delete_any_note": _l("Delete anyone's note from a record's history"),
    "portal.access": _l("Use the customer portal"),
}

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
}

ROLES: dict[str, frozenset[str]] = {
    "system-admin": frozenset(PERMISSIONS) - {"portal.access"},
    "editor": frozenset(_VIEW | _EDIT),
    "staff": frozenset(_VIEW),
    "customer-admin": frozenset({"portal.access"}),
    "guest": frozenset(),
}

ROLE_LABELS = {
    "system-admin": _l("System administrator"),
    "editor": _l("Editor"),
    "staff": _l("Staff"),
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


def roles_with(permission: str) -> tuple[str, ...]:
    """The roles that hold ``permission`` (for queries: ``User.role.in_(roles_with("admin.access"))``)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return tuple(sorted(role for role, permissions in ROLES.items() if permission in permissions))


def is_system_admin(user) -> bool:
    return getattr(user, "role", None) == ADMIN_ROLE


def is_guest(user) -> bool:
    """A user who may sign in but holds no role in the back office or the portal yet."""
    return getattr(user, "role", None) == GUEST_ROLE


def is_customer_admin(user) -> bool:
    return getattr(user, "role", None) == CUSTOMER_ADMIN_ROLE


def can(user, permission: str, obj=None) -> bool:
    """True when ``user`` holds ``permission`` (``obj`` is for object-level rules later)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLES.get(user.role, frozenset())
