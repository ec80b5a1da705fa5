"""/admin/settings/: the register settings (one row; services/settings.py). Today: the Security section."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField

from backoffice.admin.base import SecureBaseView
from backoffice.admin.conflicts import VersionField, posted_version, show_conflict
from backoffice.models.roles import can
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.services import settings as service
from backoffice.parsers import accepts
from backoffice.saving import run_service


class SettingsForm(Form):
    version = VersionField()
    require_two_factor_for_admins = BooleanField(
        _l("Require two-factor sign-in for system administrators"),
        description=_l("A system administrator without it is asked to set it up at the next sign-in."),
    )


class SettingsView(SecureBaseView):
    endpoint_permissions = {"index": "settings.edit"}
    visible = True

    def is_accessible(self):
        return can(current_user, "settings.edit")

    @expose("/", methods=("GET", "POST"))
    @accepts()
    def index(self):
        row = run_service(None, lambda: service.get(db.session)).value  # the row exists from here on
        form = SettingsForm(obj=row) if request.method == "GET" else SettingsForm()
        saved = run_service(form, lambda: service.update(
            db.session, self.actor, expected_version=posted_version(form),
            require_two_factor_for_admins=form.require_two_factor_for_admins.data,
        ))
        if saved.saved:
            flash(_("The settings have been saved."), "success")
            return redirect(url_for(".index"))
        if saved.conflict is not None:
            show_conflict(form, saved.conflict, {"require_two_factor_for_admins": service.get(db.session).require_two_factor_for_admins})
        status = saved.status
        return self.render("admin/settings.html", form=form), status
