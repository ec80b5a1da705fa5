"""The staff's notifications: the bell in the top bar opens this list."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _

from backoffice.admin.base import PlainConfirmForm, SecureBaseView
from backoffice.extensions import db
from backoffice.parsers import Page, accepts, arg
from backoffice.services import notifications as service
from backoffice.saving import run_service




class NotificationsView(SecureBaseView):
    endpoint_permissions = {"index": "admin.access", "read": "admin.access", "read_all": "admin.access"}

    @expose("/")
    @accepts(page=Page())
    def index(self):
        page = arg("page")
        items = service.list_for(db.session, self.actor, limit=service.PAGE_SIZE, offset=(page - 1) * service.PAGE_SIZE)
        total = service.total_count(db.session, self.actor)
        return self.render(
            "admin/notifications.html",
            items=items,
            page=page,
            total=total,
            page_size=service.PAGE_SIZE,
            unread=service.unread_count(db.session, self.actor),
            form=PlainConfirmForm(),
        )

    @expose("/<int:notification_id>/read", methods=("POST",))
    @accepts(page=Page())
    def read(self, notification_id: int):
        run_service(PlainConfirmForm(), lambda: service.mark_read(db.session, self.actor, notification_id))  # (a refusal is flashed)
        return redirect(url_for(".index", page=arg("page") if arg("page") > 1 else None))

    @expose("/read-all", methods=("POST",))
    @accepts()
    def read_all(self):
        marked = run_service(PlainConfirmForm(), lambda: service.mark_all_read(db.session, self.actor))
        if marked.saved:
            flash(_("%(n)d notifications marked as read.", n=marked.value), "success")
        return redirect(url_for(".index"))
