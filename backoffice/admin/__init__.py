"""Flask-Admin wiring: one Admin per app, the sidebar sections and the views in them."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from backoffice.admin.base import deny
from backoffice.admin.contacts import ContactRolesView, CustomerContactsView
from backoffice.admin.location_groups import LocationGroupsView  # (issue 11, fields)
from backoffice.admin.customer_groups import CustomerGroupsView, customer_card as customer_groups_card
from backoffice.admin.custom_fields import CustomFieldsView, card as custom_field_card
from backoffice.admin.customer_export import CustomerExportView
from backoffice.admin.customer_import import CustomerImportView
from backoffice.admin.customer_paste import CustomerPasteView
from backoffice.admin.customer_links import CustomerLinksView, section as customer_links_section
from backoffice.admin.notifications import NotificationsView
from backoffice.admin.saved_views import SavedViewsView, menu as saved_views_menu
from backoffice.admin.shared_accounts import SharedAccountsView
from backoffice.admin.customers import CustomerView
from backoffice.admin.history import AuditLogView
from backoffice.admin.organizations import OrganizationView
from backoffice.admin.users import UserView
from backoffice.admin.roles import RolesView  # (issue 14)
from backoffice.services import customer_scope
from backoffice.admin.assignments import AssignmentsView, customer_card as assigned_card  # (issue 14)
from backoffice.services import roles as roles_service
from backoffice.models.customer import CUSTOMER_LANGUAGES
from backoffice.models.roles import LANGUAGES, ROLE_LABELS, can
from backoffice.extensions import db

from backoffice.security import csp_nonce
from backoffice.models import Customer, Organization, User
from backoffice.parsers import accepts

# Sidebar sections; the names are translated where the sidebar renders them.
SECTIONS = {"CUSTOMERS": _l("CUSTOMERS"), "REGISTERS": _l("REGISTERS"), "SYSTEM": _l("SYSTEM")}


class HomeView(AdminIndexView):
    def is_accessible(self):
        return can(current_user, "admin.access")

    def inaccessible_callback(self, name, **kwargs):
        return deny("admin.access")

    @expose("/")
    @accepts()
    def index(self):
        counts = {}
        if can(current_user, "organizations.view"):
            counts["organizations"] = db.session.scalar(
                select(func.count()).select_from(Organization).where(Organization.deleted_at.is_(None))
            )
        if can(current_user, "customers.view"):
            counts["customers"] = db.session.scalar(
                select(func.count()).select_from(Customer).where(
                    Customer.deleted_at.is_(None), *customer_scope.conditions(current_user._get_current_object()))
            )  # (issue 14: those the user may see)
        if can(current_user, "users.view"):
            counts["users"] = db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True)))
        return self.render("admin/home.html", counts=counts)


def _unread_notifications() -> int:
    """The bell's number: one indexed count, run only where the bell renders."""
    from backoffice.services.notifications import unread_count

    if not current_user.is_authenticated:
        return 0
    return unread_count(db.session, current_user)


def init_admin(app: Flask) -> Admin:
    from backoffice.admin.settings import SettingsView

    admin = Admin(
        name="Backoffice",
        theme=Bootstrap4Theme(base_template="admin/backoffice_base.html", fluid=True),
        index_view=HomeView(name=_l("Home"), url="/admin"),
        csp_nonce_generator=csp_nonce,  # Flask-Admin's own <script> tags carry the response's CSP nonce
    )
    admin.add_view(CustomerView(Customer, db, name=_l("Customers"), category="CUSTOMERS", endpoint="customers"))
    admin.add_view(  # (issue 11, groups) reached from the overview switch on the customers list
        CustomerGroupsView(name=_l("Customer groups"), endpoint="customer_groups", url="customer-groups")
    )
    admin.add_view(
        OrganizationView(Organization, db, name=_l("Organizations"), category="REGISTERS", endpoint="organizations")
    )
    admin.add_view(UserView(User, db, name=_l("Users"), category="REGISTERS", endpoint="users"))
    admin.add_view(  # (issue 14) what each role may do, beside the users
        RolesView(name=_l("Roles and permissions"), category="REGISTERS", endpoint="roles", url="roles")
    )
    # Pages without a sidebar entry: reached from the customers list, the details page and the bell.
    admin.add_view(
        SharedAccountsView(name=_l("Shared accounts"), endpoint="shared_accounts", url="/admin/customers/shared")
    )
    admin.add_view(
        CustomerLinksView(name=_l("Customer links"), endpoint="customer_links", url="/admin/customers/links")
    )
    admin.add_view(  # (issue 11, views) the customers list's saved views
        SavedViewsView(name=_l("Saved views"), endpoint="saved_views", url="/admin/customers/views")
    )
    admin.add_view(
        CustomerExportView(name=_l("Download CSV"), endpoint="customer_export", url="/admin/customers/export")
    )
    admin.add_view(  # (issue 13) seed 003's "Add multiple customers", in the side menu under Customers
        CustomerPasteView(name=_l("Add multiple customers"), category="CUSTOMERS", endpoint="customer_paste",
                          url="/admin/customers/add-many")
    )
    admin.add_view(  # (issue 13) seed 001's "Upload registers"
        CustomerImportView(name=_l("Import customers"), category="CUSTOMERS", endpoint="customer_import",
                           url="/admin/customers/upload")
    )
    admin.add_view(
        CustomerContactsView(name=_l("Contacts"), endpoint="customer_contacts", url="/admin/customers/contacts")
    )
    admin.add_view(  # (issue 14) the customer page's and the list's assigning dialogs
        AssignmentsView(name=_l("Assigned users"), endpoint="assignments", url="/admin/assignments")
    )
    admin.add_view(NotificationsView(name=_l("Notifications"), endpoint="notifications", url="/admin/notifications"))
    admin.add_view(AuditLogView(name=_l("Audit log"), category="SYSTEM", endpoint="audit_log", url="audit-log"))
    admin.add_view(
        ContactRolesView(name=_l("Contact roles"), category="SYSTEM", endpoint="contact_roles", url="contact-roles")
    )
    admin.add_view(  # (issue 11, fields) beside Contact roles
        LocationGroupsView(name=_l("Location groups"), category="SYSTEM", endpoint="location_groups",
                           url="location-groups")
    )
    admin.add_view(SettingsView(name=_l("Settings"), category="SYSTEM", endpoint="settings", url="settings"))
    # (no sidebar entry: linked from the register settings page)
    admin.add_view(CustomFieldsView(name=_l("Custom fields"), endpoint="custom_fields", url="custom-fields"))
    admin.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def admin_helpers():
        def visible_children(category):
            return [c for c in category.get_children() if c.is_accessible() and c.is_visible()]

        def section_name(name):
            return SECTIONS.get(name, name)

        return {
            "visible_children": visible_children,
            "section_name": section_name,
            "role_label": lambda role: roles_service.label_of(db.session, role),
            "config_languages": LANGUAGES,
            "customer_languages": CUSTOMER_LANGUAGES,  # (issue 10, card) what customers and contacts receive mail in
            "can": lambda perm, obj=None: can(current_user, perm, obj),
            "unread_notifications": _unread_notifications,
            "customer_links_section": customer_links_section,
            "custom_field_card": custom_field_card,
            "customer_groups_card": customer_groups_card,  # (issue 11, groups)
            "saved_views_menu": saved_views_menu,  # (issue 11, views)
            "assigned_card": assigned_card,  # (issue 14)
        }

    return admin
