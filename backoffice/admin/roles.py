"""/admin/roles/ (issue 14): every role and the permissions it holds, grouped by area, read-only, for everyone who
may open the users register (``users.view``); the refusal page links here. Thin: services/roles.py."""

from __future__ import annotations

from flask_admin import expose

from backoffice.admin.base import SecureBaseView
from backoffice.extensions import db
from backoffice.parsers import accepts
from backoffice.services import roles as service


class RolesView(SecureBaseView):
    endpoint_permissions = {"index": "users.view"}
    visible = True

    @expose("/")
    @accepts()
    def index(self):
        return self.render("admin/roles.html", table=service.role_table(db.session))
