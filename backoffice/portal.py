"""The customer portal: where customer admins land (they never see /admin)."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from backoffice.auth.permissions import can

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@login_required
def index():
    if not can(current_user, "portal.access") and not can(current_user, "admin.access"):
        return render_template("portal/index.html", no_access=True), 200
    return render_template("portal/index.html", no_access=False)
