"""Sign in, sign out, profile and own password."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from backoffice.auth import sessions
from backoffice.auth.forms import ChangePasswordForm, LanguageForm, LoginForm, LogoutForm, ProfileForm
from backoffice.models.roles import LANGUAGES, can
from backoffice.services import roles as roles_service
from backoffice.auth import throttle
from backoffice.auth.throttle import throttled
from backoffice.extensions import db
from backoffice.services import history
from backoffice.services import users as user_service
from backoffice.parsers import ReturnUrl, accepts, arg, form_text
from backoffice.saving import run_service

bp = Blueprint("auth", __name__)


def landing_for(user) -> str:
    return url_for("admin.index") if can(user, "admin.access") else url_for("portal.index")


@bp.route("/login", methods=["GET", "POST"])
@accepts(next=ReturnUrl())
@throttled()
def login():
    next_url = arg("next")
    if current_user.is_authenticated:
        throttle.release()
        return redirect(next_url or landing_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        checked = run_service(None, lambda: user_service.authenticate(db.session, form.email.data, form.password.data))
        if checked.error is not None:  # (flashed)
            return render_template(
                "auth/login.html", form=form, language_form=LanguageForm(language=session.get("language"))
            ), 403
        user = checked.value
        if user is not None:
            from backoffice.auth import two_factor  # the second factor, when the user has or needs one

            step = run_service(None, lambda: two_factor.after_password(user, remember=form.remember.data, next_url=next_url))
            if step.value is not None:
                return step.value
            run_service(None, lambda: history.record_security(db.session, "sign_in", user))
            sessions.start(user, remember=form.remember.data)  # a fresh session at sign-in
            throttle.release()  # only failed attempts count
            return redirect(next_url or landing_for(user))
        _record_failed_sign_in(form.email.data)
        flash(_("The e-mail or password is not correct."), "error")
    elif request.method == "POST":
        flash(_("The e-mail or password is not correct."), "error")
    return render_template("auth/login.html", form=form, language_form=LanguageForm(language=session.get("language")))


def _record_failed_sign_in(email: str | None) -> None:
    """The typed e-mail is kept (never the password), filed on the user when the address is one."""
    user = user_service.get_by_email(db.session, email or "")
    run_service(None, lambda: history.record_security(db.session, "sign_in_failed", user, email=email))


@bp.route("/logout", methods=["GET", "POST"])
@accepts()
def logout():
    """POST signs out; GET only asks (a link or a prefetch must not sign anyone out)."""
    form = LogoutForm()
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return render_template("auth/logout.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        run_service(None, lambda: history.record_security(db.session, "sign_out", current_user._get_current_object()))
    sessions.end()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@accepts()
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit() or form.language.data not in LANGUAGES:
        abort(400)
    session["language"] = form.language.data
    if current_user.is_authenticated:
        run_service(None, lambda: user_service.update_user(db.session, current_user, current_user, language=form.language.data))
    return redirect(ReturnUrl().parse(form_text("next")) or url_for("home"))  # (the page's hidden field)


@bp.route("/profile", methods=["GET", "POST"])
@accepts()
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    saved = run_service(form, lambda: user_service.update_user(
        db.session,
        current_user,
        current_user,
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        language=form.language.data,
        timezone=form.timezone.data,
    ))
    if saved.saved:
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html", form=form, password_form=ChangePasswordForm(), role_name=roles_service.label_of(db.session, current_user.role)
    )


@bp.route("/profile/password", methods=["GET", "POST"])
@accepts()
@login_required
def change_password():
    form = ChangePasswordForm()
    changed = run_service(form, lambda: user_service.change_own_password(
        db.session, current_user, form.current_password.data, form.new_password.data
    ))
    if changed.saved:
        sessions.renew(current_user._get_current_object())  # other sessions end, this one stays
        flash(_("Your password has been changed."), "success")
        return redirect(landing_for(current_user))
    return render_template("auth/change_password.html", form=form, forced=current_user.must_change_password)


@bp.route("/users/<int:user_id>/photo")
@accepts()
@login_required
def user_photo(user_id: int):
    from backoffice.models import User

    if user_id != current_user.id and not can(current_user, "users.view") and not can(current_user, "customers.view"):
        abort(403)
    user = db.session.get(User, user_id)
    if user is None or not user.photo:
        abort(404)
    response = photo_response(user.photo, user.photo_mime)
    return response


def photo_response(data: bytes, mime: str):
    from flask import make_response

    response = make_response(data)
    response.headers["Content-Type"] = mime if mime in ("image/png", "image/jpeg") else "application/octet-stream"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
