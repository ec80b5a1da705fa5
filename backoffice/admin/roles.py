"""/admin/roles/ (issue 14): every role and the permissions it holds, grouped by area, for everyone who may open
the users register (``users.view``); the refusal page links here. System administrators (``roles.edit``) add,
edit, duplicate and delete roles in the side panel. Thin: services/roles.py holds every rule."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired

from backoffice.admin.base import PlainConfirmForm, SecureBaseView, record_or_404, redirect_after_post
from backoffice.admin.conflicts import VersionField, posted_version, show_conflict
from backoffice.extensions import db
from backoffice.forms import Form, column_length
from backoffice.models import Role
from backoffice.models.roles import can
from backoffice.parsers import DIALOG, Flag, Id, accepts, arg
from backoffice.saving import run_service
from backoffice.services import roles as service


def _permission_choices():
    return [(p.code, p.label) for _area, _label, permissions in service.permission_choices() for p in permissions]


class RoleForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), column_length(Role.name)])
    description = StringField(_l("Description"), validators=[column_length(Role.description)],
                              description=_l("What the role is for, as the roles page shows it."))
    permissions = SelectMultipleField(_l("Permissions"), choices=_permission_choices)


class RoleEditForm(RoleForm):
    version = VersionField()


class RolesView(SecureBaseView):
    endpoint_permissions = {
        "index": "users.view",
        "new_view": "roles.edit",
        "edit_view": "roles.edit",
        "delete_view": "roles.edit",
    }
    visible = True

    def list_url(self) -> str:
        return url_for(".index")

    @expose("/")
    @accepts()
    def index(self):
        return self.render("admin/roles.html", table=service.role_table(db.session),
                           can_edit=can(current_user, "roles.edit"))

    @expose("/new/", methods=("GET", "POST"))
    @accepts(copy=Id(), panel=Flag(), modal=Flag())
    def new_view(self):
        """A new role; ``?copy=<id>`` starts it from that role ("Duplicate")."""
        form = RoleForm()
        source = record_or_404(Role, arg("copy")) if arg("copy") is not None else None
        if request.method == "GET" and source is not None:
            form.name.data = _("Copy of %(name)s", name=service.label(source))
            form.description.data = source.description
            form.permissions.data = sorted(source.permissions - {service.PORTAL})
        outcome = run_service(form, lambda: service.create_role(
            db.session, self.actor, name=form.name.data, description=form.description.data,
            permissions=form.permissions.data))
        if outcome.saved:
            flash(_("Role %(name)s was created.", name=outcome.value.name), "success")
            return redirect_after_post(url_for(".index"))
        title = _("Duplicate %(name)s", name=service.label(source)) if source is not None else _("Add role")
        return self._panel(form, None, title, _("Create"), outcome.status)

    @expose("/edit/", methods=("GET", "POST"))
    @accepts(id=Id(), panel=Flag(), modal=Flag())
    def edit_view(self):
        role = record_or_404(Role, arg("id"))
        form = RoleEditForm(obj=role) if request.method == "GET" else RoleEditForm()
        if request.method == "GET":
            form.version.data = str(role.version)
            form.permissions.data = sorted(role.permissions)
        outcome = run_service(form, lambda: service.update_role(
            db.session, self.actor, role, name=form.name.data, description=form.description.data,
            permissions=form.permissions.data, expected_version=posted_version(form)))
        if outcome.saved:
            flash(_("Role %(name)s was saved.", name=service.label(role)), "success")
            return redirect_after_post(url_for(".index"))
        if outcome.gone:
            return redirect_after_post(url_for(".index"))
        if outcome.conflict is not None:
            show_conflict(form, outcome.conflict, {"name": role.name, "description": role.description,
                                                   "permissions": sorted(role.permissions)})
        return self._panel(form, role, _("Edit role %(name)s", name=service.label(role)), _("Update"),
                           outcome.status)

    def _panel(self, form, role, title, submit_label, status):
        return self.fragment_or_page(
            "admin/_role_form.html", "admin/role_form_page.html", status,
            form=form, role=role, title=title, submit_label=submit_label,
            areas=service.permission_choices(), editable=role is None or service.editable(role),
            action_url=request.full_path.rstrip("?"), cancel_url=url_for(".index"),
        )

    @expose("/delete/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def delete_view(self):
        role = record_or_404(Role, arg("id"))
        name = str(service.label(role))
        users = service.users_with(db.session, role)
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Delete role %(name)s?", name=name),
            messages=[
                _("A built-in role can't be deleted.") if not service.deletable(role)
                else ngettext("%(num)d user has this role: give them another role first.",
                              "%(num)d users have this role: give them another role first.", users) if users
                else _("Nobody has this role. It will no longer be offered in the users register.")
            ],
            submit_label=_("Delete role"),
            danger=True,
            perform=lambda form: service.delete_role(db.session, self.actor, role)
            and _("Role %(name)s was deleted.", name=name),
        )
