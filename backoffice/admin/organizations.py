from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length, Optional

from backoffice.admin.base import SecureModelView, SoftDeleteViews, status_chip
from backoffice.admin.history import HistoryTabMixin
from backoffice.extensions import db
from backoffice.admin import history_labels
from backoffice.services import organizations as service


def _status(view, context, model, name):
    return status_chip(model)


class OrganizationView(HistoryTabMixin, SoftDeleteViews, SecureModelView):
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
    column_searchable_list = ("name", "org_number", "org_number_key")
    column_labels = {
        **{name: history_labels.FIELD_LABELS[name] for name in service.FIELDS},
        "deleted_at": _l("Status"),
        "created_at": _l("Created"),
        "updated_at": _l("Updated"),
    }
    column_formatters = {"deleted_at": _status}
    column_details_list = (*service.FIELDS, "deleted_at", "created_at", "updated_at")
    column_formatters_detail = {"deleted_at": _status}
    form_columns = service.FIELDS
    form_overrides = {"email": EmailField}
    form_args = {
        "name": {"validators": [DataRequired(), Length(max=200)]},
        "org_number": {
            "validators": [DataRequired(), Length(max=32)],
            "description": _l("Spaces and dashes don't count: 556677-8899 and 5566778899 are the same."),
        },
        "email": {"validators": [Optional(), Email(), Length(max=254)]},
        **{name: {"validators": [Optional(), Length(max=200)]} for name in service.FIELDS[2:] if name != "email"},
    }

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

