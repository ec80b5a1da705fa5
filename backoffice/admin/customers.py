"""Customers (seed 000): the list everyone lives on, the side-panel form, details, and the
state changes (delete, recover, permanently delete, bulk actions). Rules live in services/customers.py."""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Optional, Regexp

from backoffice.admin import customer_groups as groups_admin  # (issue 11, groups)
from backoffice.admin.base import (MenuItem, PlainConfirmForm, SecureModelView, SoftDeleteViews, TypedDeleteForm, deny,
                                   in_scope)
from backoffice.admin.contacts import customer_tabs
from backoffice.admin import custom_fields
from backoffice.admin.conflicts import VersionField, posted_version
from backoffice.admin.history import HistoryTabMixin
from backoffice.admin.pickers import SEARCH_PARAMS, Picker, PickerField
from backoffice.extensions import db
from backoffice.forms import Form, column_length
from backoffice.models import Address, BillingInfo, Contact, Customer, Organization, User
from backoffice.models.customer import CUSTOMER_LANGUAGES, PAYMENT_METHODS
from backoffice.parsers import DIALOG, Assigned, Choice, Cursor, Flag, Ids, Ref, ReturnUrl, accepts, arg, declared, form_text
from backoffice.saving import Outcome, run_service
from backoffice.services import addresses as address_service
from backoffice.services import assignments as assignments_service  # (issue 14)
from backoffice.services import customer_scope
from backoffice.models.roles import can
from backoffice.services import discount_letters
from backoffice.services import settings as register_settings
from backoffice.services import customer_list
from backoffice.services import location_groups as location_groups_service  # (issue 11, fields)
from backoffice.services import customer_groups as customer_groups_service
from backoffice.services import customers as service
from backoffice.services import contacts as contact_service  # (issue 11, private)
from backoffice.services import numbering
from backoffice.services import sharing
from backoffice.services.errors import ServiceError
from backoffice.services.validation import parse_id


def user_label(user: User) -> str:
    return f"{user.full_name} <{user.email}>"


def org_label(org: Organization) -> str:
    return f"{org.name} ({org.org_number})"


ADMIN_PICKER = Picker(
    User, lambda search, limit: db.session.scalars(service.eligible_admins_query(db.session, search).limit(limit)), user_label
)
ORGANIZATION_PICKER = Picker(
    Organization,
    lambda search, limit: db.session.scalars(service.available_organizations_query(db.session, search).limit(limit)),
    org_label,
)


# --- forms -----------------------------------------------------------------------------------------
class CustomerForm(groups_admin.CustomerGroupFields, Form):  # (issue 11, groups: + its groups, own settings)
    organization_id = PickerField(
        _l("Organization"),
        validators=[DataRequired(message=_l("Choose an organization."))],
        placeholder=_l("Choose an organization…"),
        description=_l("Only organizations that are not deleted and have no customer account are listed."),
    )
    admin_user_id = PickerField(
        _l("Customer admin"),
        validators=[DataRequired(message=_l("Choose a customer admin."))],
        placeholder=_l("Choose a customer admin…"),
        description=_l("Only guests who are nobody's customer admin are listed. Type to search by name or e-mail."),
    )
    status = SelectField(_l("Status"), choices=[("ACTIVE", _l("Active")), ("INACTIVE", _l("Inactive"))], default="ACTIVE")
    customer_number = StringField(
        _l("Customer number"),
        validators=[
            Optional(),
            column_length(Customer.customer_number),
            Regexp(r"^[0-9]*$", message=_l("The customer number may contain digits only.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    allow_shared_billing = BooleanField(_l("Allow shared billing accounts"))
    # --- card fields (issue 10, card): language and cost center are shown per the register settings
    language = SelectField(
        _l("Language"),
        choices=[("", _l("Not set (English)"))] + list(CUSTOMER_LANGUAGES.items()),
        default="",
        validate_choice=False,  # the service checks it, beside the field
        description=_l("The language the customer receives messages and e-mails in."),
    )
    cost_center = StringField(_l("Cost center"), validators=[Optional(), column_length(Customer.cost_center)])
    # --- (issue 11, fields): the choices are checked by the service, beside the field
    payment_method = SelectField(_l("Payment method"), choices=[("", _l("Not set"))] + list(PAYMENT_METHODS.items()),
                                 default="", validate_choice=False)
    location_group_id = SelectField(_l("Location group"), choices=[("", _l("Not set"))], default="",
                                    validate_choice=False)
    # --- end (issue 11, fields)
    discount_letters = StringField(
        _l("Discount letters"),
        description=_l("Codes of letters A–Z and digits, at most 8 each, separated by commas; codes in use are suggested."),
        render_kw={"autocomplete": "off", "data-codes": ""},
    )
    has_visiting = HiddenField()  # "1" while the form has a visiting address ("+ Add visiting address")
    visiting_street = StringField(_l("Street address"), validators=[Optional(), column_length(Address.street)])
    visiting_post_number = StringField(_l("Post number"), validators=[Optional(), column_length(Address.post_number)])
    visiting_city = StringField(_l("City"), validators=[Optional(), column_length(Address.city)])
    visiting_country = StringField(_l("Country"), validators=[Optional(), column_length(Address.country)])
    has_mail = HiddenField()  # "1" while the form has an e-mail address for messages ("+ Add mail address")
    mail_email = EmailField(
        _l("E-mail address for messages"), validators=[Optional(), column_length(Address.email)]
    )
    # --- end card fields


ADDRESS_FORM_FIELDS = {
    kind: tuple(address_service.form_field(kind, name) for name in names)
    for kind, names in address_service.FIELDS.items()
}
ADDRESS_FLAGS = {"visiting": "has_visiting", "email": "has_mail"}


def _billing_field(label, name, field_class=StringField, *validators):
    """A billing field; its length is the model column's (the service checks the same one)."""
    return field_class(label, validators=[Optional(), *validators, column_length(getattr(BillingInfo, name))])


class CustomerEditForm(CustomerForm):
    billing_digital_address = _billing_field(_l("Digital address"), "digital_address")
    billing_address = _billing_field(_l("Address"), "address")
    billing_post_number = _billing_field(_l("Post number"), "post_number")
    billing_municipality = _billing_field(_l("Municipality"), "municipality")
    billing_phone = _billing_field(_l("Phone number"), "phone")
    billing_email = _billing_field(_l("E-mail"), "email", EmailField, Email())
    billing_responsible_person = _billing_field(_l("Responsible person"), "responsible_person")
    confirm_unshare = BooleanField(_l("Yes, remove the shared accounts and notify their admins"))
    version = VersionField()  # optimistic locking: compared by the service, never assigned


class ChangeNumberForm(Form):
    customer_number = StringField(
        _l("New customer number"),
        validators=[Optional(), column_length(Customer.customer_number),
                    Regexp(r"^[0-9]*$", message=_l("The customer number may contain digits only."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "autofocus": True},
    )
    version = VersionField()


# --- (issue 11, private) a private customer: its person instead of organization and customer admin (seed 003)
PERSON_FORM_FIELDS = ("email", "first_name", "last_name", "phone")


class _PersonFields:
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter the e-mail address.")),
                                                 column_length(Contact.email)],
                       render_kw={"autocomplete": "off"})
    first_name = StringField(_l("First name"), validators=[DataRequired(message=_l("Enter the first name.")),
                                                           column_length(Contact.first_name)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(message=_l("Enter the last name.")),
                                                         column_length(Contact.last_name)])
    phone = StringField(_l("Phone number"), validators=[Optional(), column_length(Contact.phone)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})


class PrivateCustomerForm(_PersonFields, CustomerForm):
    organization_id = None  # (a private customer has no organization and no customer admin)
    admin_user_id = None


class PrivateCustomerEditForm(_PersonFields, CustomerEditForm):
    organization_id = None
    admin_user_id = None


class ChooseTypeForm(Form):
    """Nothing to fill in: the dialog's two buttons are links (business / private)."""
# --- end (issue 11, private)


class RecoverForm(Form):
    admin_user_id = PickerField(
        _l("Customer admin"),
        validators=[DataRequired(message=_l("Choose a customer admin."))],
        placeholder=_l("Choose a customer admin…"),
        description=_l("Only guests who are nobody's customer admin are listed. Type to search by name or e-mail."),
    )


BILLING_FORM_FIELDS = tuple(f"billing_{name}" for name in service.BILLING_FIELDS)


# --- list cells ------------------------------------------------------------------------------------
def _organization(view, context, model, name):
    # (issue 11, private) the one display name: the organization's, or the private person's
    return numbering.with_number(db.session, model, model.display_name)  # "12345 · Name" per the setting


def _status(view, context, model, name):
    from backoffice.admin.base import status_chip  # the chip of templates/admin/_status.html

    return status_chip(model)


def _administrator(view, context, model, name):
    return model.admin.full_name if model.admin else ""


def _shared(view, context, model, name):
    if model.allow_shared_billing:
        return Markup('<span class="fa fa-check bo-check" role="img" aria-label="{}" title="{}"></span>').format(_("Yes"), _("Yes"))
    return ""


class CustomerView(HistoryTabMixin, SoftDeleteViews, SecureModelView):
    permission_prefix = "customers"
    history_record_type = "customer"
    history_tab_label = _l("Timeline")
    endpoint_permissions = {
        **SecureModelView.endpoint_permissions,
        **SoftDeleteViews.soft_delete_endpoints,
        **HistoryTabMixin.history_endpoints,
        "bulk_delete_view": "delete",
        "admin_search_view": "pick",
        "organization_search_view": "pick",
        "change_number_view": "change_number",
        "discount_letter_search_view": "pick",  # (issue 10, card) the codes in use, as the field suggests them
    }
    list_template = "admin/customers/list.html"
    # The list's filters (issue 11): ?status= (all, active, inactive, deleted) and ?group= (a customer
    # group's id); kept across pages, sort links and the live search, and taken by the CSV export.
    _filter_params = {"status": Choice(*customer_list.STATUSES), "group": Ref()}
    # --- (issue 11) ?customer_type= (business, private), ?payment_method= (a code), ?location_group= (an id)
    _filter_params.update({"customer_type": Choice(*customer_list.CUSTOMER_TYPES),
                           "payment_method": Choice(*PAYMENT_METHODS), "location_group": Ref()})
    _filter_params["assigned"] = Assigned()  # (issue 14) ?assigned=me / none / a user's id
    _filter_params["assigned_column"] = Flag()  # (issue 14) ?assigned_column=1: the optional column Assigned users
    # (issue 12) keyset paging past the first pages: ?after= / ?before= the id of the row at the page's edge,
    # ?last=1 the last page. Only the pager's links carry them: a new search, sort, filter or page size starts
    # from page 1 (the cursor's row may not be in the new list, or not at the same place).
    CURSOR_PARAMS = ("after", "before", "last")
    query_params = {
        **SecureModelView.query_params,
        "index_view": {**SecureModelView.query_params["index_view"], **_filter_params,
                       "after": Cursor(), "before": Cursor(), "last": Flag()},
        "export": {**SecureModelView.query_params["export"], **_filter_params},
        # (issue 11, private) "+ Add customer" asks for the type first: ?type=business / private
        "create_view": {**SecureModelView.query_params["create_view"], "type": Choice("business", "private")},
    }
    FIELD_FILTERS = ("customer_type", "payment_method", "location_group",  # (issue 11) beside status and group
                     "assigned")  # (issue 14)
    kept_list_params = ("status", "group", *FIELD_FILTERS, "assigned_column")
    form = CustomerForm
    create_label = _l("Add customer")
    create_in_panel = True
    column_list = ("organization", "status", "admin", "allow_shared_billing")
    default_sort_column = "organization"  # the list's own order (customer_list: organization name, id)
    column_labels = {
        "organization": _l("Name"),  # (issue 11, private) the display name: organization or person
        "status": _l("Status"),
        "admin": _l("Administrator"),
        "allow_shared_billing": _l("Allow shared billing accounts"),
    }
    column_formatters = {
        "organization": _organization,
        "status": _status,
        "admin": _administrator,
        "allow_shared_billing": _shared,
        "assigned_users": lambda view, context, model, name: view._assigned_names(model),  # (issue 14)
    }

    # --- permissions -------------------------------------------------------------------------
    def _handle_view(self, name, **kwargs):
        if self.endpoint_permissions.get(name) == "pick":
            # The pickers serve the add/edit form and the recover dialog.
            if not any(self.allowed(s) for s in ("create", "edit", "delete")):
                return deny()
            return None
        refused = super()._handle_view(name, **kwargs)
        if refused is None and name == "create_view" and request.method == "GET" and arg("type") is None:
            return self._choose_type()  # (issue 11, private)
        return refused

    def is_action_allowed(self, name):
        needed = {"set_active": "archive", "set_inactive": "archive", "soft_delete": "delete", "export_csv": "export",
                  "assign": "assign", "unassign": "assign"}  # (issue 14)
        if name not in needed:
            return False
        return self.allowed(needed[name])

    def is_editable_row(self, row) -> bool:
        """(issue 14) Edit is offered on the rows the user may change (only assigned ones, for some roles)."""
        return super().is_editable_row(row) and can(current_user, "customers.edit", row)

    # --- (issue 14) the optional column Assigned users: ?assigned_column=1 (the toggle above the list) ---
    def assigned_column_shown(self) -> bool:
        params = declared(request.endpoint) or {}
        return "assigned_column" in params and bool(arg("assigned_column"))

    def shown_columns(self, list_columns):
        if not self.assigned_column_shown():
            return list_columns
        return [*list_columns, ("assigned_users", _("Assigned users"))]

    def assigned_column_url(self) -> str:
        """The list as it is, with the column Assigned users shown or hidden (the other way round)."""
        kept = self._filter_form_hidden(self.list_filter_values()[0])
        kept.pop("assigned_column", None)
        return self.get_url(".index_view", **kept, **({} if self.assigned_column_shown() else {"assigned_column": 1}))

    def _assigned_names(self, row) -> str:
        found = getattr(g, "customer_list_page", None)
        names = getattr(g, "assigned_names", None)
        if names is None:  # one query for the page's rows
            ids = [c.id for c in (found.rows if found is not None else [])]
            names = g.assigned_names = assignments_service.assigned_names(db.session, ids)
        return ", ".join(names.get(row.id, ())) or "—"

    def record_in_scope(self, customer) -> bool:
        """(issue 14) Every endpoint that names a customer finds only one in the user's scope (Flask-Admin's own
        details and edit views too, through get_one): another is not found."""
        return in_scope(self, customer)

    # --- the list: one inner join, indexed sort and search, a fixed number of queries -------------
    def init_search(self):
        return True

    def get_sortable_columns(self):
        return {
            "organization": Customer.display_name,  # (issue 11, private) the stored display name
            "status": Customer.status,
            "allow_shared_billing": Customer.allow_shared_billing,
        }

    def search_placeholder(self):
        return _("Search by name, organization number, customer number or e-mail")

    def get_empty_list_message(self):
        found = getattr(g, "customer_list_page", None)
        if found is not None and found.group_missing:
            return _("This customer group no longer exists.")
        if found is not None and found.location_group_missing:  # (issue 11, fields)
            return _("This location group no longer exists.")
        if self.list_filter_values() != ("all", None) or any(self.field_filter_values().values()):
            return _("No customers match these filters.")
        return _("No customers yet.")

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """The list from services/customer_list.py (search, filters, sort, paging and the count, computed once)."""
        status, group_id = self.list_filter_values()
        found = customer_list.list_page(
            db.session, self.actor, search=search, sort=sort_column, desc=bool(sort_desc),
            page=page or 0, page_size=page_size or self.page_size, status=status, group_id=group_id,
            **self._field_filters(),  # (issue 11: customer type, payment method, location group)
            **self._cursor(),  # (issue 12: keyset paging)
        )
        g.customer_list_page = found  # (the template's chips and "no longer exists" read it)
        return found.count, found.rows

    # --- (issue 12) the pager: page numbers for the first pages, First / Previous / Next / Last past them ---
    def _cursor(self) -> dict:
        params = declared(request.endpoint) or {}
        if request.endpoint is None or not request.endpoint.endswith("index_view") or "after" not in params:
            return {}
        return {"after": arg("after"), "before": arg("before"), "last": bool(arg("last"))}

    def _get_list_extra_args(self):
        """The list's arguments without the cursor: Flask-Admin keeps every other query parameter in its sort,
        page and page size links, and those start the list afresh."""
        args = super()._get_list_extra_args()
        for name in self.CURSOR_PARAMS:
            args.extra_args.pop(name, None)
        return args

    def render(self, template, **kwargs):
        """The list's ``page`` is where the page served is (the last page's number, a fallback to page 1),
        not only what the URL said."""
        found = getattr(g, "customer_list_page", None)
        if template == self.list_template and found is not None and found.page is not None and "page" in kwargs:
            kwargs["page"] = found.page
        return super().render(template, **kwargs)

    def _pager_url(self, page: int | None = None, **cursor) -> str:
        args = self._get_list_extra_args()
        args = args.clone(page=page or None, extra_args={**args.extra_args, **cursor})
        return self._get_list_url(args)

    def keyset_pager(self, num_pages: int | None) -> dict | None:
        """What the customers list's pager shows: the page numbers of the window (the current one marked,
        when known), and First / Previous / Next / Last, each a URL or None (not available here)."""
        found = getattr(g, "customer_list_page", None)
        if found is None:
            return None
        window = customer_list.KEYSET_WINDOW
        current = found.page
        pages = max(1, num_pages or 1)
        numbers = [(n, self._pager_url(n)) for n in range(min(window, pages))]
        previous = next_ = None
        if found.has_previous:
            if current is not None and 0 < current <= window:
                previous = self._pager_url(current - 1)
            elif found.first_id is not None:
                previous = self._pager_url(before=found.first_id)
        if found.has_next:
            if current is not None and current + 1 < window:
                next_ = self._pager_url(current + 1)
            elif found.last_id is not None:
                next_ = self._pager_url(after=found.last_id)
        beyond = found.mode in ("after", "before", "last", "deep") or pages > window
        return {
            "numbers": numbers,
            "current": current,
            "first": self._pager_url(0) if found.has_previous else None,
            "previous": previous,
            "next": next_,
            "last": self._pager_url(last=1) if found.has_next else None,
            "beyond": beyond,  # First and Last are offered (the list is longer than the window)
            "position_known": current is not None,
        }

    # --- the list's filters (issue 11) -----------------------------------------------------------
    STATUS_LABELS = {"all": _l("All"), "active": _l("Active"), "inactive": _l("Inactive"), "deleted": _l("Deleted")}

    def list_filter_values(self) -> tuple[str, int | None]:
        """(status, group id) of this request: "all" and None where not filtered."""
        params = declared(request.endpoint) or {}
        status = (arg("status") if "status" in params else None) or "all"
        group_id = arg("group") if "group" in params else None
        return status, group_id

    # --- (issue 11): the customer type, payment method and location group filters
    TYPE_LABELS = {"business": _l("Business"), "private": _l("Private")}

    def field_filter_values(self) -> dict:
        """{name: value or None} of this request's FIELD_FILTERS (URL names)."""
        params = declared(request.endpoint) or {}
        return {name: (arg(name) if name in params else None) or None for name in self.FIELD_FILTERS}

    def _field_filters(self) -> dict:
        """The same as customer_list.list_page's keyword arguments."""
        values = self.field_filter_values()
        return {"customer_type": values["customer_type"], "payment_method": values["payment_method"],
                "location_group_id": values["location_group"], "assigned": values["assigned"]}

    def _field_filter_bar(self, found) -> dict:
        values = self.field_filter_values()
        location_group = found.location_group if found is not None else None
        chips = []
        if values["customer_type"] is not None:
            chips.append({"text": _("Customer type: %(type)s", type=self.TYPE_LABELS[values["customer_type"]]),
                          "url": self.filter_url(customer_type=None)})
        if values["payment_method"] is not None:
            chips.append({"text": _("Payment method: %(name)s", name=PAYMENT_METHODS[values["payment_method"]]),
                          "url": self.filter_url(payment_method=None)})
        if values["location_group"] is not None:
            label = location_group.name if location_group is not None else _("Unknown location group")
            chips.append({"text": _("Location group: %(name)s", name=label), "url": self.filter_url(location_group=None)})
        # (issue 14) "Assigned to": me, nobody, or one of the users assigned to some customer
        assigned_choices = [("me", _("Assigned to me")), ("none", _("Unassigned"))] + [
            (user.id, user.full_name) for user in assignments_service.users_with_assignments(db.session)]
        if values["assigned"] is not None:
            value = values["assigned"]
            text = dict(assigned_choices[:2]).get(value) or _(
                "Assigned to %(name)s", name=dict(assigned_choices).get(value) or _("an unknown user"))
            chips.append({"text": text, "url": self.filter_url(assigned=None)})
        return {
            "assigned": values["assigned"],
            "assigned_choices": assigned_choices,
            "customer_type": values["customer_type"],
            "customer_types": list(self.TYPE_LABELS.items()),
            "payment_method": values["payment_method"],
            "payment_methods": list(PAYMENT_METHODS.items()),
            "location_group_id": values["location_group"],
            "location_groups": [(grp.id, grp.name) for grp in location_groups_service.location_groups(db.session)],
            "location_group_missing": bool(found is not None and found.location_group_missing),
            "field_chips": chips,
        }
    # --- end (issue 11)

    def filter_url(self, **changes) -> str:
        """The list with this request's search, sort, page size and filters, ``changes`` applied
        (None or "all" removes a filter), from its first page."""
        status, group_id = self.list_filter_values()
        values = {"status": None if status == "all" else status, "group": group_id,
                  **self.field_filter_values(),  # (issue 11)
                  **changes}
        kept = self._filter_form_hidden(status)
        for name in values:
            kept.pop(name, None)
        return self.get_url(".index_view", **kept, **{k: v for k, v in values.items() if v not in (None, "all")})

    def list_filters(self) -> dict:
        """What the filter bar shows: the status pills, the groups dropdown, the active filters as chips."""
        status, group_id = self.list_filter_values()
        found = getattr(g, "customer_list_page", None)
        group = found.group if found is not None else None
        missing = bool(found is not None and found.group_missing)
        chips = []
        if group_id is not None:
            label = group.name if group is not None else _("Unknown group")
            chips.append({"text": _("Group: %(name)s", name=label), "url": self.filter_url(group=None)})
        if status != "all":
            chips.append({"text": _("Status: %(status)s", status=self.STATUS_LABELS[status]),
                          "url": self.filter_url(status=None)})
        fields_bar = self._field_filter_bar(found)  # (issue 11)
        chips += fields_bar.pop("field_chips")
        return {
            **fields_bar,
            "status": status,
            "statuses": [(key, self.STATUS_LABELS[key], self.filter_url(status=key)) for key in customer_list.STATUSES],
            "group_id": group_id,
            "groups": [(grp.id, grp.name) for grp in customer_groups_service.all_groups(db.session)],
            "group_missing": missing,
            "chips": chips,
            "hidden": self._filter_form_hidden(status),
        }

    def _filter_form_hidden(self, status: str) -> dict:
        """Each dropdown's form keeps the search, sort, page size and the other filters (a GET form replaces the
        query; each form skips its own field)."""
        args = self._get_list_extra_args()
        page_size = self.get_safe_page_size(args.page_size)
        hidden = {"search": args.search, "sort": args.sort, "desc": 1 if args.sort_desc else None,
                  "page_size": page_size if page_size != self.page_size else None,
                  "status": None if status == "all" else status,
                  "group": self.list_filter_values()[1],
                  **self.field_filter_values(),  # (issue 11) every filter's form keeps the others (each skips its own)
                  "assigned_column": 1 if self.assigned_column_shown() else None}  # (issue 14)
        return {k: v for k, v in hidden.items() if v is not None}

    # --- row menu exactly per the seed's table ----------------------------------------------------
    def row_menu(self, row, return_url):
        """View, Edit, Manage shared accounts, Delete (active); View, Recover, Permanently delete (deleted)."""
        items = super().row_menu(row, return_url)
        manage = self.manage_shared_url(row)
        if manage:
            before_delete = next((i for i, item in enumerate(items) if item.danger), len(items))
            items.insert(before_delete, MenuItem(_("Manage shared accounts"), manage))
        return items

    def manage_shared_url(self, row) -> str | None:
        if row.deleted_at is not None or not row.allow_shared_billing or not self.allowed("edit"):
            return None
        return url_for("shared_accounts.index", customer_id=row.id)

    def export_url(self, search=None, ids=None, status=None, group=None, **filters) -> str | None:
        if not self.allowed("export"):
            return None
        values = {}
        if search:
            values["search"] = search
        if status and status != "all":
            values["status"] = status
        if group is not None:
            values["group"] = group
        for name in self.FIELD_FILTERS:  # (issue 11)
            if filters.get(name) is not None:
                values[name] = filters[name]
        if ids:
            values["ids"] = list(ids)
        return url_for("customer_export.download", **values)

    # --- pickers (searched on the server; backoffice/admin/pickers.py) ----------------------------
    @expose("/admin-search/")
    @accepts(**SEARCH_PARAMS)
    def admin_search_view(self):
        return ADMIN_PICKER.results(arg("q"))

    @expose("/organization-search/")
    @accepts(**SEARCH_PARAMS)
    def organization_search_view(self):
        return ORGANIZATION_PICKER.results(arg("q"))

    @expose("/discount-letters/")
    @accepts(**SEARCH_PARAMS)
    def discount_letter_search_view(self):
        return jsonify(results=[{"id": c, "text": c} for c in discount_letters.codes_in_use(db.session, arg("q"))])

    def _admin_choices(self, field, keep: User | None = None, candidates: bool = True):
        ADMIN_PICKER.fill(field, self.get_url(".admin_search_view"), keep=keep, candidates=candidates)

    def _organization_choices(self, field, keep: Organization | None = None, candidates: bool = True):
        ORGANIZATION_PICKER.fill(field, self.get_url(".organization_search_view"), keep=keep, candidates=candidates)

    # --- add and edit: the base's save path (SecureModelView.create_view / edit_view); the side panel ---
    created_message = _l("Customer %(name)s was created.")
    updated_message = _l("Customer %(name)s was updated.")
    not_editable_message = _l("A deleted customer can't be edited. Recover it first.")

    def record_name(self, model) -> str:
        return numbering.with_number(db.session, model)

    # --- (issue 11, private) "+ Add customer" asks for the type first -------------------------------
    def _choose_type(self):
        """GET /new/ without ?type=: a small dialog asks business or private (two links, keyboard
        friendly); with it, that type's form (the base's one save path; a POST without it is the business
        form, as before). Answered from _handle_view, so create_view stays the base's."""
        return self.fragment_or_page(
            "admin/customers/_choose_type.html", "admin/customers/choose_type_page.html", 200,
            title=_("Add customer"), cancel_url=self.list_url(),
            business_url=self.get_url(".create_view", type="business", url=self.list_url()),
            private_url=self.get_url(".create_view", type="private", url=self.list_url()),
        )

    @staticmethod
    def _private_form(model=None) -> bool:
        """Whether this form is a private customer's (the edited customer's type, or ?type= on create)."""
        if model is not None:
            return model.type == "private"
        return request.endpoint.endswith("create_view") and arg("type") == "private"
    # --- end (issue 11, private)

    def create_form(self, obj=None):
        base = PrivateCustomerForm if self._private_form() else CustomerForm  # (issue 11, private)
        form = custom_fields.with_custom_fields(base)()  # + one field per custom field
        if request.method != "POST":
            form.language.data = ""
        if service.numbering_is_automatic(db.session):
            form.customer_number.description = _("Leave it empty to get the next customer number.")
        return form

    def edit_form(self, obj=None):
        private = obj is not None and obj.type == "private"  # (issue 11, private)
        form_class = custom_fields.with_custom_fields(PrivateCustomerEditForm if private else CustomerEditForm)
        if request.method == "POST":
            return form_class()
        return form_class(
            **(self._person_values(obj) if private else {  # (issue 11, private)
                "organization_id": str(obj.organization_id or ""),
                "admin_user_id": str(obj.admin_user_id or "")}),
            status=obj.status,
            customer_number=obj.customer_number,
            allow_shared_billing=obj.allow_shared_billing,
            version=obj.version,
            **{f"billing_{n}": getattr(obj.billing, n, None) for n in service.BILLING_FIELDS},
            **self._card_values(obj),
            **custom_fields.prefill(obj),
            **groups_admin.customer_prefill(obj),  # (issue 11, groups)
        )

    def prepare_form(self, form, model):
        groups_admin.fill_customer_form(form, model)  # (issue 11, groups)
        form.location_group_id.choices = [("", _("Not set"))] + [  # (issue 11, fields)
            (str(grp.id), grp.name) for grp in location_groups_service.location_groups(db.session)]
        form.discount_letters.render_kw = {
            **(form.discount_letters.render_kw or {}), "data-search-url": self.get_url(".discount_letter_search_view"),
            "data-no-results": _("No discount letter in use starts like this; type a new one to add it."), "data-add": _("Add"),
        }
        if "organization_id" in form:  # (issue 11, private: a private customer's form has neither)
            # Editing lists only the current (and a posted) choice: no query of the candidates — an anti-join
            # over every organization or guest (issue 12); the combobox searches them as the field is used.
            # The new-customer form lists the first 20 (LIMIT 20 on an index), so it works without JavaScript.
            self._organization_choices(form.organization_id, keep=model.organization if model else None,
                                       candidates=model is None)
            self._admin_choices(form.admin_user_id, keep=model.admin if model else None, candidates=model is None)
        if not self.allowed("archive"):
            # (issue 14) Shown, not editable: the service refuses a changed status from anyone without it.
            form.status.render_kw = {**(form.status.render_kw or {}), "disabled": True}
            form.status.description = _("Setting a customer active or inactive needs the permission “Set customers "
                                        "active or inactive”.")
        if model is not None and not self.allowed("change_number"):
            # Shown, not editable: the service refuses a changed number from anyone without the permission.
            form.customer_number.render_kw = {**(form.customer_number.render_kw or {}), "readonly": True}
            form.customer_number.description = _("Only a system administrator can change the customer number.")

    # --- card fields (issue 10, card): language, cost center, discount letters, visiting and mail address ---
    @staticmethod
    def _card_settings() -> dict:
        row = register_settings.get(db.session)
        return {"show_language": row.show_language, "show_cost_center": row.show_cost_center}

    @staticmethod
    def _card_values(customer: Customer) -> dict:
        """The card fields of the edit form as stored."""
        values = {
            "language": customer.language or "",
            "cost_center": customer.cost_center,
            "payment_method": customer.payment_method or "",  # (issue 11, fields)
            "location_group_id": str(customer.location_group_id or ""),
            "discount_letters": ", ".join(discount_letters.codes_of(db.session, customer)),
        }
        stored = address_service.addresses_of(db.session, customer)
        for kind, names in address_service.FIELDS.items():
            address = stored.get(kind)
            values[ADDRESS_FLAGS[kind]] = "1" if address is not None else ""
            for name in names:
                values[address_service.form_field(kind, name)] = getattr(address, name, None)
        return values

    def _card_changes(self, form) -> dict:
        """What the form posts for the card: fields the settings hide are left as they are."""
        shown = self._card_settings()
        changes = {}
        if shown["show_language"]:
            changes["language"] = form.language.data or None
        if shown["show_cost_center"]:
            changes["cost_center"] = form.cost_center.data
        return changes

    @staticmethod
    def _posted_addresses(form) -> dict:
        """kind -> the typed values while the form has that address, else None (removed)."""
        posted = {}
        for kind, names in address_service.FIELDS.items():
            if form[ADDRESS_FLAGS[kind]].data == "1":
                posted[kind] = {name: form[address_service.form_field(kind, name)].data for name in names}
            else:
                posted[kind] = None
        return posted

    def _save_posted(self, form, save):
        """Without JavaScript "+ Add visiting address" and "Remove" are submit buttons: they show the form
        again with the address added or removed, and save nothing (with JavaScript they act in the page)."""
        adding, removing = form_text("_add_address"), form_text("_remove_address")
        if request.method == "POST" and (adding in ADDRESS_FLAGS or removing in ADDRESS_FLAGS):
            for field in form:
                field.errors = [] if not isinstance(field.errors, dict) else {}
            form._errors = None
            if adding in ADDRESS_FLAGS:
                form[ADDRESS_FLAGS[adding]].data = "1"
            if removing in ADDRESS_FLAGS:
                form[ADDRESS_FLAGS[removing]].data = ""
                for name in ADDRESS_FORM_FIELDS[removing]:
                    form[name].data = ""
            return Outcome(saved=False, submitted=False)
        return super()._save_posted(form, save)
    # --- end card fields

    def render_form(self, form, model, status, message=None):
        """The side panel's form (a fragment with ?panel=1; a page of its own without JavaScript)."""
        return self.fragment_or_page(
            "admin/customers/_form.html",
            "admin/customers/form_page.html",
            status,
            form=form,
            title=self._form_title(form, model),  # (issue 11, private)
            submit_label=_("Create") if model is None else _("Update"),
            add_another=model is None,
            form_error=message,
            action_url=request.full_path.rstrip("?"),
            cancel_url=self.list_url(),
            billing_fields=BILLING_FORM_FIELDS,
            address_fields=ADDRESS_FORM_FIELDS,
            address_flags=ADDRESS_FLAGS,
            **self._card_settings(),
        )

    # --- (issue 11, private)
    @staticmethod
    def _form_title(form, model) -> str:
        if "organization_id" not in form:
            return _("Add private customer") if model is None else _("Edit private customer")
        return _("Add business customer") if model is None else _("Edit customer")

    @staticmethod
    def _person_values(customer: Customer) -> dict:
        person = contact_service.person_of(db.session, customer)
        return {name: getattr(person, name, None) for name in PERSON_FORM_FIELDS}

    @staticmethod
    def _person_posted(form) -> dict:
        """The private form's person ({"customer_type": "private", "person": ...}); nothing for a business."""
        if "organization_id" in form:
            return {}
        return {"person": {name: form[name].data for name in PERSON_FORM_FIELDS}}
    # --- end (issue 11, private)

    @staticmethod
    def _posted_status(form, model=None):
        """The status posted, or (a disabled field is not posted, issue 14: no customers.archive) the customer's
        own, a new one's default."""
        if form.status.name in request.form:
            return form.status.data
        return model.status if model is not None else form.status.default

    def _values(self, form, model=None) -> dict:
        return {
            **({"organization_id": form.organization_id.data, "admin_user_id": form.admin_user_id.data}
               if "organization_id" in form else {}),  # (issue 11, private: a private form has neither)
            "status": self._posted_status(form, model),
            "customer_number": form.customer_number.data,
            "allow_shared_billing": form.allow_shared_billing.data,
            "payment_method": form.payment_method.data or None,  # (issue 11, fields)
            "location_group_id": form.location_group_id.data or None,
        }

    def service_create(self, form):
        private = self._person_posted(form)  # (issue 11, private)
        if private:
            private["customer_type"] = "private"
        return service.create_customer(
            db.session, self.actor, **self._values(form), **self._card_changes(form), **private,
            discount_letters=form.discount_letters.data, addresses=self._posted_addresses(form),
            custom_values=custom_fields.posted(form),
            **groups_admin.customer_posted(form),  # (issue 11, groups)
        )

    def service_update(self, form, model):
        return service.update_customer(
            db.session,
            self.actor,
            model,
            confirm_unshare=form.confirm_unshare.data,
            expected_version=posted_version(form),
            billing={n: form[f"billing_{n}"].data for n in service.BILLING_FIELDS},
            discount_letters=form.discount_letters.data,
            addresses=self._posted_addresses(form),
            custom_values=custom_fields.posted(form),
            **groups_admin.customer_posted(form),  # (issue 11, groups)
            **self._person_posted(form),  # (issue 11, private)
            **self._values(form, model),
            **self._card_changes(form),
        )

    def conflict_values(self, model) -> dict:
        return self._stored_values(model)

    @staticmethod
    def _stored_values(customer: Customer) -> dict:
        """The edit form's fields as stored now (shown beside the typed values after a refused save)."""
        return {
            "organization_id": customer.organization_id,
            "admin_user_id": customer.admin_user_id,
            **(CustomerView._person_values(customer) if customer.type == "private" else {}),  # (issue 11, private)
            "status": customer.status,
            "customer_number": customer.customer_number,
            "allow_shared_billing": customer.allow_shared_billing,
            **{f"billing_{n}": getattr(customer.billing, n, None) for n in service.BILLING_FIELDS},
            "language": customer.language or "",
            "cost_center": customer.cost_center,
            "payment_method": customer.payment_method or "",  # (issue 11, fields)
            "location_group_id": str(customer.location_group_id or ""),
            **custom_fields.prefill(customer),
            **groups_admin.customer_stored(customer),  # (issue 11, groups)
        }

    # --- details -------------------------------------------------------------------------------------
    @expose("/details/")
    @accepts(**DIALOG)
    def details_view(self):
        customer = self.get_one_or_404(arg("id"))
        shared = []
        if customer.allow_shared_billing:
            shared = [link.shared_customer for link in sharing.shared_with(db.session, customer)]
        return self.render(
            "admin/customers/details.html",
            customer=customer,
            org=customer.organization,
            person=customer.admin,
            private_person=contact_service.person_of(db.session, customer) if customer.type == "private" else None,
            billing=customer.billing,
            shared=shared,
            manage_url=self.manage_shared_url(customer),
            menu=self.row_menu(customer, self.list_url()),
            return_url=self.list_url(),
            record_tabs=self.record_tabs(customer, "overview"),
            title_name=numbering.with_number(db.session, customer),
            change_number_url=self.change_number_url(customer),
            card=self.card(customer),
        )

    def card(self, customer: Customer) -> dict:
        """The Overview's sidebar card (issue 10, card): what it shows and where its Edit goes."""
        here = self.get_url(".details_view", id=customer.id)
        edit_url = None
        if self.can_edit and self.is_editable_row(customer):
            edit_url = self.get_url(".edit_view", id=customer.id, url=here)
        return dict(
            edit_url=edit_url,
            codes=discount_letters.codes_of(db.session, customer),
            addresses=address_service.addresses_of(db.session, customer),
            language_label=CUSTOMER_LANGUAGES.get(customer.language or "en"),
            payment_method_label=PAYMENT_METHODS.get(customer.payment_method) if customer.payment_method else None,  # (issue 11, fields)
            **self._card_settings(),
        )

    @expose("/change-number/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def change_number_view(self):
        """Change the customer number after creation (customers.change_number; seed 001)."""
        customer = self.get_one_or_404(arg("id"))
        if customer.is_deleted:
            return self._refuse_state(_("A deleted customer can't be changed. Recover it first."))
        form = ChangeNumberForm() if request.method == "POST" else ChangeNumberForm(
            customer_number=customer.customer_number, version=customer.version
        )
        low, high = numbering.bounds(db.session)
        messages = [
            _("The customer number links this customer to the accounting system; change it there too."),
            str(numbering.length_message(low, high)),
        ]

        def perform(form):
            service.update_customer(
                db.session, self.actor, customer, expected_version=posted_version(form),
                customer_number=form.customer_number.data,
            )
            return _("The customer number of %(name)s was changed.", name=customer.display_name)

        return self.confirm(
            form=form,
            title=_("Change customer number"),
            messages=messages,
            submit_label=_("Change"),
            perform=perform,
        )

    def change_number_url(self, customer) -> str | None:
        if customer.is_deleted or not self.allowed("change_number"):
            return None
        return self.get_url(".change_number_view", id=customer.id, url=self.get_url(".details_view", id=customer.id))

    def record_tabs(self, model, active: str) -> list[dict]:
        """Overview | Contacts | Timeline (seed 004; the Contacts tab is admin/contacts.py)."""
        return customer_tabs(model, active)

    # --- delete, recover, permanently delete ---------------------------------------------------------
    def delete_messages(self, obj):
        return [_("The customer account %(name)s will be marked as deleted and will be unreachable.", name=obj)]

    def purge_messages(self, obj):
        messages = [
            _("The customer account %(name)s will be removed from the database permanently.", name=obj),
        ]
        blockers = service.what_blocks_purge(db.session, obj)
        if blockers:
            messages.append(_("It can't be permanently deleted: %(why)s", why="; ".join(map(str, blockers))))
        messages.append(_("This operation cannot be undone."))
        return messages

    def recover_messages(self, obj):
        messages = [_("Do you want to recover the customer account %(name)s?", name=obj)]
        before = service.previous_admin(db.session, obj)  # who it was, so the same person can be chosen again
        if before is not None:
            messages.append(_("Before it was deleted, its customer admin was %(name)s.", name=user_label(before)))
        if obj.organization is not None and obj.organization.is_deleted:
            messages.append(
                _("The organization %(name)s is deleted. Recover the organization first.", name=obj.organization.name)
            )
        return messages

    def recover_form(self, obj):
        if obj.type == "private":  # (issue 11, private) needs no customer admin
            return PlainConfirmForm()
        form = RecoverForm()
        self._admin_choices(form.admin_user_id)
        return form

    def soft_delete(self, obj):
        service.soft_delete_customer(db.session, self.actor, obj)

    def recover(self, obj, form):
        admin_user_id = form.admin_user_id.data if "admin_user_id" in form else None  # (issue 11, private)
        service.recover_customer(db.session, self.actor, obj, admin_user_id)

    def purge(self, obj):
        service.purge_customer(db.session, self.actor, obj)

    # --- bulk actions ----------------------------------------------------------------------------------
    def _selected(self, ids) -> list[Customer]:
        numbers = [n for n in map(parse_id, ids) if n is not None][:1000]
        if not numbers:
            return []
        stmt = (
            select(Customer)
            .outerjoin(Organization, Organization.id == Customer.organization_id)  # (private ones have none)
            .options(contains_eager(Customer.organization))
            .where(Customer.id.in_(numbers), *customer_scope.conditions(self.actor, change=True))  # (issue 14)
            .order_by(Customer.display_name, Customer.id)
        )
        return list(db.session.scalars(stmt).unique())

    def _apply_to_each(self, customers, perform) -> int:
        """Apply one service call per row; each row succeeds or fails on its own (a refused row is
        flashed with its reason). The caller commits (through run_service). Returns how many were done."""
        done = 0
        for customer in customers:
            name = customer.display_name
            try:
                with db.session.begin_nested():
                    if perform(customer) is not False:
                        done += 1
            except ServiceError as error:
                flash(_("%(name)s: %(why)s", name=name, why=error.message), "error")
        return done

    def _bulk_status(self, ids, status):
        customers = self._selected(ids)
        done = run_service(None, lambda: self._apply_to_each(
            customers, lambda c: service.set_status(db.session, self.actor, c, status)
        )).value or 0
        label = _("active") if status == "ACTIVE" else _("inactive")
        flash(_("%(n)d customer accounts set to %(status)s.", n=done, status=label), "success")

    @action("set_active", _l("Set active"))
    def action_set_active(self, ids):
        self._bulk_status(ids, "ACTIVE")

    @action("set_inactive", _l("Set inactive"))
    def action_set_inactive(self, ids):
        self._bulk_status(ids, "INACTIVE")

    @action("soft_delete", _l("Delete"))
    def action_soft_delete(self, ids):
        numbers = [n for n in map(parse_id, ids) if n is not None]
        return redirect(self.get_url(".bulk_delete_view", ids=numbers, url=ReturnUrl().parse(form_text("url"))))

    @action("assign", _l("Assign…"))  # (issue 14) one user to every selected customer
    def action_assign(self, ids):
        return self._to_assignments(ids, "assign")

    @action("unassign", _l("Unassign…"))
    def action_unassign(self, ids):
        return self._to_assignments(ids, "unassign")

    def _to_assignments(self, ids, mode):
        numbers = [n for n in map(parse_id, ids) if n is not None]
        return redirect(url_for("assignments.bulk_view", ids=numbers, mode=mode,
                                url=ReturnUrl().parse(form_text("url"))))

    @action("export_csv", _l("Download selected as CSV"))
    def action_export_csv(self, ids):
        url = self.export_url(ids=[n for n in map(parse_id, ids) if n is not None])
        if url is None:
            flash(_("The CSV download is not available."), "error")
            return None
        return redirect(url)

    @expose("/bulk-delete/", methods=("GET", "POST"))
    @accepts(ids=Ids(), url=ReturnUrl(), modal=Flag(), panel=Flag())
    def bulk_delete_view(self):
        customers = self._selected(arg("ids") or [])
        if not customers:
            flash(_("Select at least one customer account."), "error")
            return redirect(self.list_url())
        already = [c for c in customers if c.is_deleted]

        def perform(form):
            done = self._apply_to_each(customers, lambda c: service.soft_delete_customer(db.session, self.actor, c))
            return _("%(n)d customer accounts were deleted.", n=done)

        messages = [
            _("These customer accounts will be marked as deleted and will be unreachable:"),
        ]
        if already:
            messages.append(_("%(n)d of them are already deleted and will be left as they are.", n=len(already)))
        return self.confirm(
            form=TypedDeleteForm(),
            title=_("Delete customer accounts"),
            messages=messages,
            submit_label=_("Delete"),
            danger=True,
            confirm_text="DELETE",
            items=[c.display_name for c in customers],
            perform=perform,
        )
