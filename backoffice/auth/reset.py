"""Forgotten password: a signed, single-use link by e-mail (through the outbox) that expires within an hour.

- /forgot-password answers the same whether or not the e-mail belongs to an (active) account.
- The token is itsdangerous URLSafeTimedSerializer(SECRET_KEY, salt) over the user id, the user's
  session_version and a fingerprint of the password hash and the e-mail address; max_age is one hour. Setting the
  new password bumps session_version and changes the hash, so the link dies after one use (and when the password
  or the e-mail address changes otherwise).
- The link is built from BASE_URL, never from the Host the request named.
- Known and unknown addresses do the same work (a token is made and signed, the e-mail rendered and written to
  the outbox); for an address without an active account the outbox row is rolled back, so nothing is sent.
- Both endpoints are throttled like sign-in (per typed e-mail and per IP).
"""

from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from backoffice.auth.forms import ForgotPasswordForm, ResetPasswordForm
from backoffice.auth.throttle import throttled
from backoffice.auth.views import bp
from backoffice.extensions import db
from backoffice.services import mail, passwords
from backoffice.services import users as user_service
from backoffice.parsers import accepts
from backoffice.saving import run_service

SALT = "backoffice.password-reset"
MAX_AGE_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user) -> str:
    return hashlib.sha256(f"{user.password_hash or ''}\x00{user.email or ''}".encode()).hexdigest()[:16]


def make_token(user) -> str:
    return _serializer().dumps({"u": user.id, "v": user.session_version or 0, "h": _fingerprint(user)})


def user_for_token(token: str):
    """The user the link was made for, or None when it is forged, expired, used, or the user is gone/inactive."""
    from backoffice.models import User

    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        return None
    if data.get("v") != (user.session_version or 0) or data.get("h") != _fingerprint(user):
        return None
    return user


class _Nobody:
    """Stands in for an unknown address, so that its answer does exactly the work a known one does."""

    id = 0
    session_version = 0
    full_name = ""

    @property
    def password_hash(self) -> str:
        return passwords.dummy_hash()

    def __init__(self, email: str):
        self.email = email


def _queue_reset_mail(user) -> None:
    link = mail.absolute_url(url_for("auth.reset_password", token=make_token(user)))
    mail.queue_mail(
        db.session,
        user.email,
        _("Choose a new password"),
        _(
            "Hello %(name)s,\n\nSomeone (we hope you) asked to choose a new password for %(email)s.\n"
            "Open this link within an hour to do it; it works once:\n\n%(link)s\n\n"
            "If you did not ask for this, ignore this message; your password stays as it is.",
            name=user.full_name,
            email=user.email,
            link=link,
        ),
    )


@bp.route("/forgot-password", methods=["GET", "POST"])
@accepts()
@throttled()
def forgot_password():
    form = ForgotPasswordForm()

    def queue():
        user = user_service.get_by_email(db.session, form.email.data)
        if user is not None and user.active:
            _queue_reset_mail(user)
        else:
            # The same token, rendering and outbox write, undone: the answer takes as long either way.
            savepoint = db.session.begin_nested()
            _queue_reset_mail(_Nobody(user_service.normalize_email(form.email.data)))
            savepoint.rollback()

    if run_service(form, queue).saved:
        flash(
            _("If the address belongs to an account, a link for choosing a new password is on its way. It works for an hour."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@accepts()
@throttled(per_email=False)
def reset_password(token: str):
    user = user_for_token(token)
    if user is None:
        return render_template("auth/reset_password.html", invalid=True, form=None), 400
    form = ResetPasswordForm()
    changed = run_service(  # ends every session
        form, lambda: user_service.set_password(db.session, user, user, form.new_password.data, field="new_password")
    )
    if changed.saved:
        flash(_("Your password has been changed. Sign in with the new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", invalid=False, form=form, email=user.email)
