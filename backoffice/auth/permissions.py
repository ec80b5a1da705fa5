"""The permission catalogue and the roles: the one place that says who may do what.

Views ask ``can(user, "customers.edit")``; nothing compares role names.
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
    "customers.export": _l("Download customers as CSV"),
    "users.view": _l("View users"),
    "users.create": _l("Create users"),
    "users.edit": _l("Edit users and set their passwords"),
    "users.delete": _l("Delete users"),
    "settings.edit": _l("Change register settings"),
    "audit.view": _l("View the audit log of every change"),
    "history.restore": _l("Restore a previous value from a record's history"),
    "portal.access": _l("Use the customer portal"),
}

_VIEW = {"admin.access", "organizations.view", "customers.view", "users.view"}
_EDIT = {
    "organizations.create",
    "organizations.edit",
    "customers.create",
    "customers.edit",
    "customers.export",
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


def can(user, permission: str, obj=None) -> bool:
    """True when ``user`` holds ``permission`` (``obj`` is for object-level rules later)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLES.get(user.role, frozenset())
