from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Email, Length, Optional

from backoffice.admin.base import SecureModelView, SoftDeleteViews, status_badge, status_chip
from backoffice.admin.history import HistoryTabMixin
from backoffice.admin.listing import IndexedListMixin
from backoffice.extensions import db
from backoffice.admin import history_labels
from backoffice.models import Organization
from backoffice.parsers import Flag, arg, declared
from backoffice.services import countries, lists, phones
from backoffice.services import organizations as service
from backoffice.services import settings as settings_service


def _status(view, context, model, name):
    return status_chip(model)


def _country(view, context, model, name):
    return countries.name(model.country)


def _phone(view, context, model, name):
    return phones.display(model.phone)


def _org_number(view, context, model, name):
    if model.org_number_valid:
        return model.org_number
    return Markup("{} {}").format(escape(model.org_number), status_badge(_("Fails validation"), "inactive"))


class OrganizationView(IndexedListMixin, HistoryTabMixin, SoftDeleteViews, SecureModelView):
    permission_prefix = "organizations"
    history_record_type = "organization"
    endpoint_permissions = {
        **SecureModelView.endpoint_permissions,
        **SoftDeleteViews.soft_delete_endpoints,
        **HistoryTabMixin.history_endpoints,
    }
    create_label = _l("Add organization")
    edit_label = _l("Edit organization")

    column_list = ("name", "org_number", "municipality", "country", "deleted_at")
    column_sortable_list = ("name", "org_number", "municipality", "country", "deleted_at")
    column_default_sort = [("name", False), ("id", False)]
    # The search box; what it matches is list_search (the customers list's indexed organization matching).
    column_searchable_list = ("name", "org_number_key")
    column_labels = {
        **{name: history_labels.FIELD_LABELS[name] for name in service.FIELDS},
        "deleted_at": _l("Status"),
        "created_at": _l("Created"),
        "updated_at": _l("Updated"),
    }
    column_formatters = {"deleted_at": _status, "country": _country, "org_number": _org_number}
    column_details_list = (*service.FIELDS, "deleted_at", "created_at", "updated_at")
    column_formatters_detail = {"deleted_at": _status, "country": _country, "phone": _phone, "org_number": _org_number}
    form_columns = service.FIELDS
    form_overrides = {"email": EmailField, "country": SelectField}
    # The list's filter "Numbers that fail validation" (?failing=1): organization numbers kept from before
    # their country's rule that fail it (org_number_valid, derived on every write).
    query_params = {
        **SecureModelView.query_params,
        "index_view": {**SecureModelView.query_params["index_view"], "failing": Flag()},
        "export": {**SecureModelView.query_params["export"], "failing": Flag()},
    }
    kept_list_params = ("failing",)
    list_template = "admin/organizations/list.html"
    form_args = {
        "name": {"validators": [DataRequired(), Length(max=200)]},
        "org_number": {
            "validators": [DataRequired(), Length(max=32)],
            "description": _l("Spaces and dashes don't count: 556677-8899 and 5566778899 are the same."),
        },
        "email": {"validators": [Optional(), Email(), Length(max=254)]},
        **{name: {"validators": [Optional(), Length(max=200)]} for name in service.FIELDS[2:] if name != "email"},
        "country": {"validators": [Optional()], "choices": [("", "—")],
                    "description": _l("The organization number is checked for the country (Sweden, Norway, Finland, Germany).")},
        "phone": {"validators": [Optional(), Length(max=50)],
                  "description": _l("Stored in international form; a number without + is read as one of the register's default region.")},
    }

    def prepare_form(self, form, model):
        """The countries named in the reader's language; a new organization starts in the register's region."""
        form.country.choices = [("", "—"), *countries.choices()]
        if model is None and request.method == "GET" and not form.country.data:
            form.country.data = settings_service.default_region(db.session)

    def failing_only(self) -> bool:
        """The list shows only numbers that fail validation (?failing=1 on the list and its export)."""
        return "failing" in (declared(request.endpoint) or {}) and bool(arg("failing"))

    def failing_url(self, on: bool) -> str:
        return self.get_url(".index_view", failing=1) if on else self.get_url(".index_view")

    def get_query(self):
        query = super().get_query()
        return query.filter(Organization.org_number_valid.is_(False)) if self.failing_only() else query

    def get_count_query(self):
        query = super().get_count_query()
        return query.filter(Organization.org_number_valid.is_(False)) if self.failing_only() else query

    def list_narrowed(self) -> bool:
        return self.failing_only()

    def list_search(self, search):
        return lists.organization_search(search)

    def search_placeholder(self):
        return _("Search by name or organization number")

    def get_empty_list_message(self):
        return _("No organizations yet.")

    def service_create(self, form):
        return service.create_organization(db.session, self.actor, **self.form_values(form, service.FIELDS))

    def service_update(self, form, model):
        return service.update_organization(
            db.session,
            self.actor,
            model,
            expected_version=self.expected_version(form),
            **self.form_values(form, service.FIELDS),
        )

    def delete_messages(self, obj):
        from backoffice.services.customers import customer_of_organization

        messages = [_("The organization %(name)s will be marked as deleted and will be unreachable.", name=obj)]
        customer = customer_of_organization(db.session, obj)
        if customer is not None and not customer.is_deleted:
            messages.append(_("Its customer account will be deleted too (its customer admin becomes a guest)."))
        return messages

    def soft_delete(self, obj):
        service.soft_delete_organization(db.session, self.actor, obj)

    def recover(self, obj, form):
        service.recover_organization(db.session, self.actor, obj)

    def purge(self, obj):
        service.purge_organization(db.session, self.actor, obj)

