"""The permission catalogue (issue 14): every right the back office and the portal know, each with a label, a
one-line help text and the area it is listed under. ``can`` (models/roles.py) is asked for these codes; the role
table (models/role.py) grants them, and its check lists them. It imports nothing."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


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
    Permission("customers.view_assigned", _l("View assigned customers only"),
               _l("See only the customers assigned to oneself, everywhere: the list, search, export and their pages."),
               "customers"),
    Permission("customers.create", _l("Create customers"),
               _l("Add a business or private customer, one at a time."), "customers"),
    Permission("customers.edit", _l("Edit customers"),
               _l("Change a customer's data, contacts, links and settings."),
               "customers"),
    Permission("customers.edit_assigned", _l("Edit assigned customers only"),
               _l("Change only the customers assigned to oneself, as Edit customers does for every customer."),
               "customers"),
    Permission("customers.archive", _l("Set customers active or inactive"),
               _l("Deactivate a customer (it stays in the register, marked inactive) and activate it again."),
               "customers"),
    Permission("customers.delete", _l("Delete and recover customers"),
               _l("Move a customer to Deleted (it can be recovered) and recover it."), "customers"),
    Permission("customers.purge", _l("Permanently delete customers"),
               _l("Remove a deleted customer for good."), "customers"),
    Permission("customers.change_number", _l("Change a customer's customer number after creation"),
               _l("Give an existing customer another customer number (the number rules still apply)."),
               "customers"),
    Permission("customers.assign", _l("Assign users to customers"),
               _l("Choose who looks after a customer (technicians and others); each one is told."), "customers"),
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
    Permission("roles.edit", _l("Create, edit and delete roles"),
               _l("Define roles and tick the permissions each grants, on the Roles and permissions page."), "users"),
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
