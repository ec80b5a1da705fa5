"""The customer portal: where customer admins land (they never see /admin).

A customer admin sees their customer account's summary and their notifications.
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from backoffice.models.roles import can
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.parsers import Page, accepts, arg
from backoffice.services import notifications as notification_service
from backoffice.services import sharing
from backoffice.saving import run_service

bp = Blueprint("portal", __name__, url_prefix="/portal")




def _allowed() -> bool:
    return can(current_user, "portal.access") or can(current_user, "admin.access")


@bp.route("/")
@login_required
@accepts(page=Page())
def index():
    if not _allowed():
        return render_template("portal/index.html", no_access=True), 200
    user = current_user._get_current_object()
    customer = sharing.customer_of(db.session, user)
    page = arg("page")
    size = notification_service.PAGE_SIZE
    return render_template(
        "portal/index.html",
        no_access=False,
        is_staff=can(user, "admin.access"),
        customer=customer,
        shared_with=sharing.shared_with(db.session, customer) if customer else [],
        shared_to=sharing.shared_to(db.session, customer) if customer else [],
        items=notification_service.list_for(db.session, user, limit=size, offset=(page - 1) * size),
        unread=notification_service.unread_count(db.session, user),
        total=notification_service.total_count(db.session, user),
        page=page,
        page_size=size,
    )


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
@accepts(page=Page())
def read(notification_id: int):
    if not _allowed():
        abort(403)
    run_service(Form(), lambda: notification_service.mark_read(db.session, current_user, notification_id))  # (a refusal is flashed)
    return redirect(url_for(".index", page=arg("page") if arg("page") > 1 else None))


@bp.route("/notifications/read-all", methods=["POST"])
@accepts()
@login_required
def read_all():
    if not _allowed():
        abort(403)
    marked = run_service(Form(), lambda: notification_service.mark_all_read(db.session, current_user))
    if marked.saved:
        flash(_("%(n)d notifications marked as read.", n=marked.value), "success")
    return redirect(url_for(".index"))
