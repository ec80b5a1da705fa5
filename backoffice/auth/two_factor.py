"""Two-factor sign-in pages: the code step after the password, enrolment, recovery codes, turning it off.

- After a correct password, a user with two-factor on is NOT signed in: the session holds a pending
  marker (user id, session version, time; at most PENDING_SECONDS old) and the browser goes to the code
  step. ``sessions.start`` runs only when both factors passed.
- A system administrator who must use two-factor (register setting) and has none is sent to enrolment
  the same way, and a signed-in one (the setting was turned on later) can reach nothing but enrolment.
- "Remember this device": a signed, HttpOnly cookie (itsdangerous, its own salt) naming the user and a
  fingerprint of their two-factor secret and password hash, for at most 30 days; resetting or turning
  off two-factor, enrolling again or changing the password makes it worthless.
- The code step and enrolment are throttled like the password: per user and per client IP, the same limits.
"""

from __future__ import annotations

import time
from io import BytesIO

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from backoffice.auth import sessions, throttle
from backoffice.auth.views import bp, landing_for
from backoffice.parsers import safe_next
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.models import User
from backoffice.services import history
from backoffice.services import two_factor as service
from backoffice.parsers import accepts
from backoffice.saving import run_service

PENDING = "_2fa_pending"
PENDING_SECONDS = 5 * 60
ENROL_SECRET, ENROL_USER = "_2fa_enrol_secret", "_2fa_enrol_user"  # a secret shown, not yet confirmed
DEVICE_COOKIE = "bo_2fa_device"
DEVICE_SALT = "two-factor-device"
MAX_REMEMBER_DAYS = 30


class CodeForm(Form):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("The 6-digit code from your authenticator app, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )
    remember_device = BooleanField(_l("Remember this device for 30 days"))


class EnrolForm(Form):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("The 6-digit code your authenticator app shows now."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ConfirmCodeForm(Form):
    code = StringField(
        _l("Code"), validators=[DataRequired(), Length(max=64)],
        description=_l("The 6-digit code your authenticator app shows now."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DisableForm(Form):
    code = StringField(_l("Code"), validators=[Length(max=64)],
                       description=_l("A code from your authenticator app, or your password below."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    password = PasswordField(_l("Password"), validators=[Length(max=256)], render_kw={"autocomplete": "current-password"})


# --- the pending marker -----------------------------------------------------------------------------------


def begin_pending(user: User, *, remember: bool, next_url: str | None, enrol: bool) -> None:
    """The half-signed-in state: who typed a correct password, when; never a signed-in user."""
    session.pop(PENDING, None)
    session[PENDING] = {
        "uid": user.id, "sv": user.session_version or 0, "at": int(time.time()),
        "remember": bool(remember), "next": next_url, "enrol": bool(enrol),
    }


def pending_user() -> tuple[User | None, dict]:
    marker = session.get(PENDING)
    if not isinstance(marker, dict):
        return None, {}
    at, uid = marker.get("at"), marker.get("uid")
    if not isinstance(at, int) or not isinstance(uid, int) or not 0 <= time.time() - at <= PENDING_SECONDS:
        session.pop(PENDING, None)
        return None, {}
    user = db.session.get(User, uid)
    if user is None or not user.active or (user.session_version or 0) != marker.get("sv"):
        session.pop(PENDING, None)
        return None, {}
    return user, marker


def _pending_key() -> str:
    marker = session.get(PENDING)
    if isinstance(marker, dict) and isinstance(marker.get("uid"), int):
        return f"2fa-user:{marker['uid']}"
    if current_user.is_authenticated:
        return f"2fa-user:{current_user.id}"
    return "2fa-user:none"


# Wrong codes count like wrong passwords: per user and per client IP, the same limits, counted before the code
# is checked (throttle.throttled); an accepted code gives its count back (throttle.release).
throttled_code = throttle.throttled(key=_pending_key, scope="two-factor")


# --- the remembered device -------------------------------------------------------------------------------


def _remember_seconds() -> int:
    days = int(current_app.config.get("TWO_FACTOR_REMEMBER_DAYS", MAX_REMEMBER_DAYS))
    return max(0, min(days, MAX_REMEMBER_DAYS)) * 86400


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=DEVICE_SALT)


def device_remembered(user: User) -> bool:
    value = request.cookies.get(DEVICE_COOKIE)
    if not value or _remember_seconds() == 0:
        return False
    try:
        data = _serializer().loads(value, max_age=_remember_seconds())
    except (BadSignature, ValueError, TypeError):
        return False
    return isinstance(data, dict) and data.get("u") == user.id and data.get("f") == service.fingerprint(db.session, user)


def remember_device(response, user: User):
    response.set_cookie(
        DEVICE_COOKIE, _serializer().dumps({"u": user.id, "f": service.fingerprint(db.session, user)}),
        max_age=_remember_seconds(), httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure,
    )
    return response


# --- after the password ------------------------------------------------------------------------------------


def after_password(user: User, *, remember: bool, next_url: str | None):
    """Called by the sign-in view after a correct password. Returns the response to send, or None when
    the user needs no second factor (the caller then signs in as before)."""
    if service.is_enabled(db.session, user):
        if device_remembered(user):
            service.record_remembered(db.session, user)
            return None
        begin_pending(user, remember=remember, next_url=next_url, enrol=False)
        return redirect(url_for("auth.two_factor"))
    if service.must_enrol(db.session, user):
        begin_pending(user, remember=remember, next_url=next_url, enrol=True)
        return redirect(url_for("auth.two_factor_enrol"))
    return None


def _finish_sign_in(user: User, marker: dict) -> None:
    run_service(None, lambda: history.record_security(db.session, "sign_in", user))
    sessions.start(user, remember=bool(marker.get("remember")))  # both factors passed: now the session


@bp.route("/login/two-factor", methods=["GET", "POST"])
@accepts()
@throttled_code
def two_factor():
    user, marker = pending_user()
    if user is None or marker.get("enrol"):
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    # A refused code's failed attempt stays in the history (keep_on_refusal).
    if run_service(form, lambda: service.verify(db.session, user, form.code.data), keep_on_refusal=True).saved:
        next_url = safe_next(marker.get("next"))
        _finish_sign_in(user, marker)
        throttle.release()
        response = redirect(next_url or landing_for(user))
        if form.remember_device.data:
            remember_device(response, user)
        return response
    status = 400 if request.method == "POST" else 200
    return render_template("auth/two_factor.html", form=form), status


def _qr_svg(uri: str) -> Markup:
    out = BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True,
                                     title=_("QR code for your authenticator app"))
    return Markup(out.getvalue().decode())


@bp.route("/two-factor/enrol", methods=["GET", "POST"])
@accepts()
@throttled_code
def two_factor_enrol():
    """Set up an authenticator app: for a signed-in user, or right after the password when it is required."""
    marker: dict = {}
    if current_user.is_authenticated:
        user = current_user._get_current_object()
    else:
        user, marker = pending_user()
        if user is None:
            flash(_("Please sign in again."), "info")
            return redirect(url_for("auth.login"))
    if service.is_enabled(db.session, user):
        return redirect(url_for("auth.two_factor_settings") if current_user.is_authenticated else url_for("auth.login"))
    secret = session.get(ENROL_SECRET)
    if not isinstance(secret, str) or session.get(ENROL_USER) != user.id:
        secret = service.new_secret()  # shown on this page, stored only when the first code confirms it
        session[ENROL_SECRET], session[ENROL_USER] = secret, user.id
    form = EnrolForm()
    enrolled = run_service(form, lambda: service.confirm_enrolment(db.session, user, secret, form.code.data),
                           keep_on_refusal=True)
    if enrolled.saved:
        codes = enrolled.value
        throttle.release()
        session.pop(ENROL_SECRET, None)
        session.pop(ENROL_USER, None)
        next_url = None
        if marker:
            next_url = safe_next(marker.get("next"))
            _finish_sign_in(user, marker)
        flash(_("Two-factor sign-in is on."), "success")
        return render_template("auth/recovery_codes.html", codes=codes,
                               continue_url=next_url or landing_for(user))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "auth/two_factor_enrol.html", form=form, secret=secret, qr=_qr_svg(service.provisioning_uri(secret, user)),
        forced=service.required_for(db.session, user),
    ), status


@bp.route("/profile/two-factor")
@accepts()
@login_required
def two_factor_settings():
    user = current_user._get_current_object()
    return render_template(
        "auth/two_factor_settings.html",
        enabled=service.is_enabled(db.session, user),
        required=service.required_for(db.session, user),
        remaining=service.remaining_recovery_codes(db.session, user),
        codes_form=ConfirmCodeForm(), disable_form=DisableForm(),
    )


@bp.route("/profile/two-factor/recovery-codes", methods=["GET", "POST"])
@accepts()
@login_required
@throttled_code
def two_factor_recovery_codes():
    form = ConfirmCodeForm()
    made = run_service(form, lambda: service.regenerate_recovery_codes(db.session, current_user._get_current_object(),
                                                                         form.code.data), keep_on_refusal=True)
    if made.saved:
        throttle.release()
        return render_template("auth/recovery_codes.html", codes=made.value, continue_url=url_for("auth.two_factor_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/two_factor_confirm.html", form=form, title=_("New recovery codes"),
                           intro=_("Your current recovery codes stop working."), submit=_("Make new codes")), status


@bp.route("/profile/two-factor/disable", methods=["GET", "POST"])
@accepts()
@login_required
@throttled_code
def two_factor_disable():
    form = DisableForm()
    turned_off = run_service(form, lambda: service.disable_own(db.session, current_user._get_current_object(),
                                                               code=form.code.data, password=form.password.data),
                             keep_on_refusal=True)
    if turned_off.saved:
        throttle.release()
        flash(_("Two-factor sign-in is off."), "success")
        return redirect(url_for("auth.two_factor_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/two_factor_confirm.html", form=form, title=_("Turn off two-factor sign-in"),
                           intro=_("To set it up again with another phone, turn it off and then set it up."),
                           submit=_("Turn off")), status


ALLOWED_WHILE_ENROLLING = {
    "auth.two_factor_enrol", "auth.logout", "auth.set_language", "auth.user_photo", "auth.change_password", "static",
}


def force_enrolment():
    """A signed-in system administrator who must use two-factor and has none reaches only enrolment."""
    endpoint = request.endpoint or ""
    if not current_user.is_authenticated or endpoint in ALLOWED_WHILE_ENROLLING or endpoint.endswith(".static"):
        return None
    if service.must_enrol(db.session, current_user._get_current_object()):
        run_service(None, lambda: None)  # the settings row may just have been made: kept
        return redirect(url_for("auth.two_factor_enrol"))
    return None
