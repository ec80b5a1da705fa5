"""Session rules: who a session belongs to, when it ends, and how its cookie is sent.

- Flask-Login keeps `User.get_id()` = "<id>:<session_version>" in the signed session cookie and in the
  remember-me cookie. The user loader accepts it only while the user exists, is active and still has that
  session_version, so bumping the version (services/users.py: password change, deactivation,
  "sign out everywhere") ends every session of that user on their next request, whichever browser holds it.
- An idle timeout (IDLE_TIMEOUT_MINUTES, default 60): the time of the last request is kept in the session;
  a request after a longer pause signs the user out with a message.
- The session cookie is HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS
  (request.is_secure, ProxyFix-aware with TRUST_PROXY=1) or SESSION_COOKIE_SECURE=1 says so.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from backoffice.extensions import db, login_manager

LAST_SEEN = "_seen"
# Refresh the last-seen time at most this often, so a busy page doesn't rewrite the cookie on every request.
SEEN_RESOLUTION_SECONDS = 30


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        try:
            return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure
        except RuntimeError:  # outside a request
            return bool(app.config["SESSION_COOKIE_SECURE"])


def parse_user_id(value: str) -> tuple[int, int] | None:
    user_id, _sep, version = (value or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    return int(user_id), int(version)


def load_user(value: str):
    from backoffice.models import User

    parsed = parse_user_id(value)
    if parsed is None:
        return None
    user = db.session.get(User, parsed[0])
    if user is None or not user.active or (user.session_version or 0) != parsed[1]:
        return None
    return user


def start(user, *, remember: bool = False) -> None:
    """Sign in with a brand-new session (nothing from the anonymous session survives but the language)."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    login_user(user, remember=remember, fresh=True)
    session[LAST_SEEN] = int(time.time())


def renew(user) -> None:
    """Keep the current browser signed in after its own session_version was bumped (own password change)."""
    remember = bool(request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))
    start(user, remember=remember)


def end() -> None:
    logout_user()
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def idle_timeout_seconds() -> int:
    return int(current_app.config.get("IDLE_TIMEOUT_MINUTES", 60)) * 60


def check_idle():
    if request.endpoint == "static" or (request.endpoint or "").endswith(".static"):
        return None
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    last = session.get(LAST_SEEN)
    timeout = idle_timeout_seconds()
    if isinstance(last, int) and timeout > 0 and now - last > timeout:
        end()
        flash(_("You were signed out after %(n)d minutes without activity. Please sign in again.", n=timeout // 60), "info")
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.login"))
    if not isinstance(last, int) or now - last >= SEEN_RESOLUTION_SECONDS:
        session[LAST_SEEN] = now
    return None


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    login_manager.user_loader(load_user)
    app.before_request(check_idle)
