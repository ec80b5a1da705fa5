"""The permission catalogue and the roles: the one place that says who may do what.

Views and services ask ``can(user, "customers.edit")``; nothing else compares role names. The few rules
about particular roles (a customer admin is chosen among guests; system administrators must use two-factor
sign-in; someone must stay able to manage users) use the named predicates and role names below, so a roles
editor knows which roles the code relies on (``BUILT_IN_ROLES``) and can't silently break those rules.

It lives below the services (which need it for their rules) and the views (which ask ``can``); it imports
nothing from the application.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

LANGUAGES = {"en": "English", "sv": "Svenska"}

@dataclass(frozen=True)
class Permission:
    """One right of the catalogue: its code (what ``can`` is asked), a label, a one-line help text that says
    what it lets one do, and the area it is listed under."""

    code: str
    label: object
    help: object
    area: str


AREAS = {
    "general": _l("Back office and portal"),
    "customers": _l("Customers"),
    "organizations": _l("Organizations"),
    "users": _l("Users"),
    "settings": _l("Settings and history"),
}

CATALOGUE: tuple[Permission, ...] = (
    Permission("admin.access", _l("Open the back office"),
               _l("Sign in to the back office at all; every other right of the back office needs this one."), "general"),
    Permission("portal.access", _l("Use the customer portal"),
               _l("Sign in to the customer portal as a customer's admin, never to the back office."), "general"),
    Permission("customers.view", _l("View customers"),
               _l("Open the customers list, search and filter it, and open a customer's page."), "customers"),
    Permission("customers.create", _l("Create customers"),
               _l("Add a business or private customer, one at a time."), "customers"),
    Permission("customers.edit", _l("Edit customers"),
               _l("Change a customer's data, contacts, links and settings, and set it active or inactive."),
               "customers"),
    Permission("customers.delete", _l("Delete and recover customers"),
               _l("Move a customer to Deleted (it can be recovered) and recover it."), "customers"),
    Permission("customers.purge", _l("Permanently delete customers"),
               _l("Remove a deleted customer for good."), "customers"),
    Permission("customers.change_number", _l("Change a customer's customer number after creation"),
               _l("Give an existing customer another customer number (the number rules still apply)."),
               "customers"),
    Permission("customers.export", _l("Download customers as CSV"),
               _l("Download the customers list, as filtered, with every column of the register."), "customers"),
    Permission("customers.upload", _l("Add many customers at once and import registers"),
               _l("Paste lines of customers, upload register files, run dry runs and the command-line import."),
               "customers"),
    Permission("customers.share_views", _l("Share saved views of the customers list with everyone"),
               _l("Save a view of the customers list that every user sees, and change or remove shared views."),
               "customers"),
    Permission("groups.view", _l("View customer groups"),
               _l("Open the customer groups, their settings and their members."), "customers"),
    Permission("groups.edit", _l("Create, edit, order and delete customer groups and change their members"),
               _l("Manage the customer groups and who belongs to them; members inherit a group's settings."),
               "customers"),
    Permission("organizations.view", _l("View organizations"),
               _l("Open the organizations list and an organization's page."), "organizations"),
    Permission("organizations.create", _l("Create organizations"),
               _l("Add an organization with its organization number."), "organizations"),
    Permission("organizations.edit", _l("Edit organizations"),
               _l("Change an organization's name, number and addresses."), "organizations"),
    Permission("organizations.delete", _l("Delete and recover organizations"),
               _l("Move an organization to Deleted (it can be recovered) and recover it."), "organizations"),
    Permission("organizations.purge", _l("Permanently delete organizations"),
               _l("Remove a deleted organization for good."), "organizations"),
    Permission("users.view", _l("View users"),
               _l("Open the users list, a user's page and what each role may do."), "users"),
    Permission("users.create", _l("Create users"),
               _l("Add back-office users, also through an import that names an unknown customer admin."),
               "users"),
    Permission("users.edit", _l("Edit users and set their passwords"),
               _l("Change a user's name, e-mail, role and password, and deactivate a user."), "users"),
    Permission("users.delete", _l("Delete users"),
               _l("Remove a user; one whom other records refer to is deactivated instead."), "users"),
    Permission("settings.edit", _l("Change register settings"),
               _l("Change the register's settings, custom fields, contact roles and location groups."),
               "settings"),
    Permission("audit.view", _l("View the audit log of every change"),
               _l("Read the audit log: every change anyone made, in every register."), "settings"),
    Permission("history.restore", _l("Restore a previous value from a record's history"),
               _l("Put a field back to a value it had, from a record's History tab."), "settings"),
    Permission("history.delete_any_note", _l("Delete anyone's note from a record's history"),
               _l("Delete notes others wrote in a History tab (everyone may delete their own)."), "settings"),
)

PERMISSIONS = {permission.code: permission.label for permission in CATALOGUE}
BY_CODE = {permission.code: permission for permission in CATALOGUE}


def by_area() -> list[tuple[str, object, list[Permission]]]:
    """(area, its label, its permissions in catalogue order) for every area, in AREAS' order."""
    return [(area, label, [p for p in CATALOGUE if p.area == area]) for area, label in AREAS.items()]


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
