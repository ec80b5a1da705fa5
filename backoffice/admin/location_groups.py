"""/admin/location-groups/ (issue 11, fields): the managed list of location groups a customer is placed in,
shaped exactly like the contact roles page (admin/contacts.ContactRolesView): list, add and rename in the side
panel (versioned: a conflict is shown), delete in a named confirmation dialog (refused by the service while
customers are in the group). Each row says how many customers are in the group and links to the customers
list filtered by it. Thin: services/location_groups.py holds the rules."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired

from backoffice.admin.base import PlainConfirmForm, SecureBaseView, record_or_404, redirect_after_post
from backoffice.admin.conflicts import VersionField, posted_version, show_conflict
from backoffice.extensions import db
from backoffice.forms import Form, column_length
from backoffice.models import LocationGroup
from backoffice.models.roles import can
from backoffice.parsers import DIALOG, Flag, Id, accepts, arg
from backoffice.saving import run_service
from backoffice.services import location_groups as service


class LocationGroupForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), column_length(LocationGroup.name)])


class LocationGroupEditForm(LocationGroupForm):
    version = VersionField()


class LocationGroupsView(SecureBaseView):
    """/admin/location-groups/: the managed list of location groups (system administrators, as contact roles)."""

    endpoint_permissions = {
        "index": "settings.edit",
        "new_view": "settings.edit",
        "edit_view": "settings.edit",
        "delete_view": "settings.edit",
    }
    visible = True

    def is_accessible(self):
        return super().is_accessible() and can(current_user, "settings.edit")

    def list_url(self) -> str:
        return url_for(".index")

    @expose("/")
    @accepts()
    def index(self):
        return self.render(
            "admin/location_groups.html", groups=service.location_groups(db.session), usage=service.usage(db.session),
        )

    @expose("/new/", methods=("GET", "POST"))
    @accepts(panel=Flag(), modal=Flag())
    def new_view(self):
        form = LocationGroupForm()
        outcome = run_service(form, lambda: service.create(db.session, self.actor, form.name.data))
        if outcome.saved:
            flash(_("Location group %(name)s was created.", name=outcome.value.name), "success")
            return redirect_after_post(url_for(".index"))
        return self._panel(form, _("Add location group"), _("Create"), outcome.status)

    def _panel(self, form, title, submit_label, status):
        return self.fragment_or_page(
            "admin/_location_group_form.html", "admin/location_group_form_page.html", status,
            form=form, title=title, submit_label=submit_label,
            action_url=request.full_path.rstrip("?"), cancel_url=url_for(".index"),
        )

    @expose("/edit/", methods=("GET", "POST"))
    @accepts(id=Id(), panel=Flag(), modal=Flag())
    def edit_view(self):
        group = record_or_404(LocationGroup, arg("id"))
        form = LocationGroupEditForm(obj=group) if request.method == "GET" else LocationGroupEditForm()
        if request.method == "GET":
            form.version.data = str(group.version)
        outcome = run_service(form, lambda: service.rename(
            db.session, self.actor, group, form.name.data, expected_version=posted_version(form)))
        if outcome.saved:
            flash(_("Location group %(name)s was saved.", name=group.name), "success")
            return redirect_after_post(url_for(".index"))
        if outcome.gone:
            return redirect_after_post(url_for(".index"))
        if outcome.conflict is not None:
            show_conflict(form, outcome.conflict, {"name": group.name})
        return self._panel(form, _("Edit location group"), _("Update"), outcome.status)

    @expose("/delete/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def delete_view(self):
        group = record_or_404(LocationGroup, arg("id"))
        name = group.name
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Delete location group %(name)s?", name=name),
            messages=[_("The location group %(name)s will no longer be offered for customers.", name=name)],
            submit_label=_("Delete location group"),
            danger=True,
            perform=lambda form: service.delete(db.session, self.actor, group)
            and _("Location group %(name)s was deleted.", name=name),
        )
