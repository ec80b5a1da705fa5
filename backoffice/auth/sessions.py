"""Session rules: every sign-in is a row on the server (models/session.py), checked on every request.

- `start(user, remember=...)` is the one way to sign a user in (password sign-in, a renewed session, and
  later a second factor): it records a new `UserSession` with a random secret id, kept in the signed Flask
  session cookie and stored in the table only as its SHA-256. Every request looks that hash up once (joined
  with the user); a missing row means the session was ended, so a cookie copied before sign-out is worth
  nothing afterwards.
- A session ends when its row goes: sign-out (`end()`), the idle timeout (IDLE_TIMEOUT_MINUTES, default 60,
  measured on the server: `last_seen_at`), the absolute lifetime (SESSION_ABSOLUTE_HOURS, default 12, whatever
  the activity), and the services (services/users.py `end_sessions`: password change, deactivation, "sign out
  everywhere"; services/customers.py: the customer set inactive or deleted ends its admin's sessions), in the
  caller's transaction. A restore (infra/backup.py) deletes every row.
- "Keep me signed in" adds a remember-me token (its own HttpOnly cookie, REMEMBER_COOKIE): a new random value
  at every sign-in, stored hashed on the same row, replaced at every use (the old value stops working), valid
  REMEMBER_DAYS (default 30) from the sign-in. It only resumes a sign-in whose session cookie the browser
  dropped; sign-out and the idle timeout end the row and delete the cookie too.
- Flask-Login still keeps `User.get_id()` = "<id>:<session_version>" in the session; the loader also checks it.
  Flask-Login's own remember-me cookie is not used (its deterministic value lived 365 days).
- The session cookie is HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS
  (request.is_secure, ProxyFix-aware with TRUST_PROXY=1) or SESSION_COOKIE_SECURE=1 says so; the remember-me
  cookie likewise (REMEMBER_COOKIE_SECURE).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import OperationalError

from backoffice.extensions import SQLITE_BUSY_TIMEOUT_MS, db, login_manager
from backoffice.models.base import utcnow
from backoffice.services.validation import parse_id

SESSION_KEY = "_sid"  # the secret session id, in the signed session cookie
REMEMBER_COOKIE = "remember_token"
# Refresh the last-seen time at most this often, so a busy page doesn't write the row on every request.
SEEN_RESOLUTION_SECONDS = 30
_ENDED = "_session_ended"  # g: why this request's session ended ("idle", "expired", "revoked")
_SET_REMEMBER = "_remember_set"  # g: (token, expires) to send
_FORGET_REMEMBER = "_remember_forget"  # g: delete the remember-me cookie


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        try:
            return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure
        except RuntimeError:  # outside a request
            return bool(app.config["SESSION_COOKIE_SECURE"])


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def parse_user_id(value: str) -> tuple[int, int] | None:
    """Flask-Login's "<user id>:<session version>" (the version starts at 0), through parse_id."""
    user_id, _sep, version = (value or "").partition(":")
    number, version_number = parse_id(user_id), (0 if version == "0" else parse_id(version))
    if number is None or version_number is None:
        return None
    return number, version_number


def idle_timeout_seconds() -> int:
    return int(current_app.config.get("IDLE_TIMEOUT_MINUTES", 60)) * 60


def lifetime(remember: bool) -> timedelta:
    if remember:
        return timedelta(days=int(current_app.config.get("REMEMBER_DAYS", 30)))
    return timedelta(hours=int(current_app.config.get("SESSION_ABSOLUTE_HOURS", 12)))


def _why_over(row, now: datetime) -> str | None:
    if now >= _aware(row.expires_at):
        return "expired"
    timeout = idle_timeout_seconds()
    if timeout > 0 and (now - _aware(row.last_seen_at)).total_seconds() > timeout:
        return "idle"
    return None


def _drop(row, reason: str) -> None:
    """End this session now: its row goes, and so does the browser's remember-me cookie."""
    from backoffice.models import UserSession

    db.session.execute(delete(UserSession).where(UserSession.id == row.id))
    db.session.commit()
    g.setdefault(_ENDED, reason)
    g.setdefault(_FORGET_REMEMBER, True)


def _with_user(condition):
    from backoffice.models import User, UserSession

    return db.session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id).where(condition)
    ).first()


def load_user(value: str):
    """Flask-Login's user loader: the signed-in user only while this browser's session row lives."""
    from backoffice.models import UserSession

    parsed = parse_user_id(value)
    sid = session.get(SESSION_KEY)
    if parsed is None or not isinstance(sid, str) or not sid:
        return None
    found = _with_user(UserSession.token_hash == hash_secret(sid))
    if found is None:
        g.setdefault(_ENDED, "revoked")
        return None
    row, user = found
    if user.id != parsed[0] or not user.active or (user.session_version or 0) != parsed[1]:
        _drop(row, "revoked")
        return None
    now = utcnow()
    reason = _why_over(row, now)
    if reason:
        _drop(row, reason)
        return None
    if (now - _aware(row.last_seen_at)).total_seconds() >= SEEN_RESOLUTION_SECONDS:
        _touch(row, now)
    return user


SEEN_WAIT_MS = 200


def _touch(row, now) -> None:
    """Note the session as seen now. On SQLite a long write (an import, issue 13) holds the one write lock; the
    note is no reason to wait for it (the busy timeout is a minute), so it waits a moment and is otherwise left
    for the next request."""
    row.last_seen_at = now
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.dbapi_connection
    if sqlite:
        raw.execute(f"PRAGMA busy_timeout={SEEN_WAIT_MS}")
    try:
        db.session.commit()
    except OperationalError:
        if not sqlite:
            raise
        db.session.rollback()  # "database is locked": seen next time
    finally:
        if sqlite:
            raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def load_from_remember(req):
    """Flask-Login's request loader: resume a remembered sign-in, with a new session id and a new token."""
    from backoffice.models import UserSession

    token = req.cookies.get(REMEMBER_COOKIE)
    if not token or len(token) > 200:
        return None
    old_hash = hash_secret(token)
    found = _with_user(UserSession.remember_hash == old_hash)
    if found is None:
        return None  # an old (rotated) or unknown token signs nobody in
    row, user = found
    now = utcnow()
    reason = "revoked" if not user.active else _why_over(row, now)
    if reason:
        _drop(row, reason)
        return None
    sid, new_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    # compare-and-swap: of two requests presenting the same token, only one rotates it
    rotated = db.session.execute(
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.remember_hash == old_hash)
        .values(token_hash=hash_secret(sid), remember_hash=hash_secret(new_token), last_seen_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    expires = _aware(row.expires_at)
    db.session.commit()
    if rotated != 1:
        return None
    _fill_session(user, sid, fresh=False)
    g.setdefault(_SET_REMEMBER, (new_token, expires))
    return user


def _clear_session() -> None:
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def _fill_session(user, sid: str, *, fresh: bool) -> None:
    _clear_session()
    login_user(user, remember=False, fresh=fresh)
    session[SESSION_KEY] = sid


def _delete_old_rows(now: datetime) -> None:
    """Opportunistic clean-up at every sign-in: rows past their lifetime or idle timeout."""
    from backoffice.models import UserSession

    over = [UserSession.expires_at <= now]
    timeout = idle_timeout_seconds()
    if timeout > 0:
        over.append(UserSession.last_seen_at < now - timedelta(seconds=timeout))
    db.session.execute(delete(UserSession).where(or_(*over)).execution_options(synchronize_session=False))


def _end_this_browsers_rows() -> None:
    from backoffice.models import UserSession

    hashes = []
    sid = session.get(SESSION_KEY)
    if isinstance(sid, str) and sid:
        hashes.append(UserSession.token_hash == hash_secret(sid))
    token = request.cookies.get(REMEMBER_COOKIE)
    if token and len(token) <= 200:
        hashes.append(UserSession.remember_hash == hash_secret(token))
    if hashes:
        db.session.execute(delete(UserSession).where(or_(*hashes)).execution_options(synchronize_session=False))


def start(user, *, remember: bool = False) -> None:
    """Sign ``user`` in with a brand-new session (nothing of the previous one survives but the language).

    The one entry point for signing in: the caller has checked the credentials (and any second factor).
    Commits the new session row."""
    from backoffice.models import UserSession

    now = utcnow()
    _end_this_browsers_rows()
    _delete_old_rows(now)
    sid = secrets.token_urlsafe(32)
    token = secrets.token_urlsafe(32) if remember else None
    row = UserSession(
        user_id=user.id,
        token_hash=hash_secret(sid),
        remember=bool(remember),
        remember_hash=hash_secret(token) if token else None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime(bool(remember)),
        user_agent=(request.user_agent.string or "")[:255] or None,
        ip=(request.remote_addr or "")[:45] or None,
    )
    expires = row.expires_at
    db.session.add(row)
    db.session.commit()
    _fill_session(user, sid, fresh=True)
    g.pop(_ENDED, None)
    g.pop(_FORGET_REMEMBER, None)
    g.pop(_SET_REMEMBER, None)
    if token:
        setattr(g, _SET_REMEMBER, (token, expires))
    else:
        setattr(g, _FORGET_REMEMBER, True)  # a remember-me cookie of an earlier sign-in goes


def renew(user) -> None:
    """Keep the current browser signed in after its own sessions were ended (own password change)."""
    start(user, remember=bool(request.cookies.get(REMEMBER_COOKIE)))


def end() -> None:
    """Sign out: this browser's session row goes (and with it the remember-me token), and its cookies."""
    _end_this_browsers_rows()
    db.session.commit()
    logout_user()
    _clear_session()
    g.pop(_SET_REMEMBER, None)
    setattr(g, _FORGET_REMEMBER, True)


def check_session():
    """Before every request: a session that just ended on the server leaves the cookie too, with a message."""
    if request.endpoint == "static" or (request.endpoint or "").endswith(".static"):
        return None
    if current_user.is_authenticated:
        return None
    reason = g.pop(_ENDED, None)
    if reason is None:
        return None
    _clear_session()
    if reason == "idle":
        flash(
            _("You were signed out after %(n)d minutes without activity. Please sign in again.",
              n=idle_timeout_seconds() // 60),
            "info",
        )
    elif reason == "expired":
        flash(_("Your sign-in has expired. Please sign in again."), "info")
    else:
        return None
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.login"))


def remember_cookie(response):
    """After every request: send the new remember-me token, or delete the cookie when the sign-in ended."""
    config = current_app.config
    secure = bool(config.get("REMEMBER_COOKIE_SECURE")) or request.is_secure
    options = {
        "path": "/",
        "secure": secure,
        "httponly": bool(config.get("REMEMBER_COOKIE_HTTPONLY", True)),
        "samesite": config.get("REMEMBER_COOKIE_SAMESITE", "Lax"),
    }
    new = g.pop(_SET_REMEMBER, None)
    if new:
        token, expires = new
        expires = _aware(expires)
        max_age = max(0, int((expires - utcnow()).total_seconds()))
        response.set_cookie(REMEMBER_COOKIE, token, max_age=max_age, expires=expires, **options)
    elif g.pop(_FORGET_REMEMBER, False) and REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(REMEMBER_COOKIE, **options)
    return response


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    # Flask-Login's own remember-me cookie is never set (login_user(remember=False)); give it a name of its
    # own so it never reads ours (REMEMBER_COOKIE), which load_from_remember handles.
    app.config["REMEMBER_COOKIE_NAME"] = "_flask_login_remember_unused"
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_from_remember)
    app.before_request(check_session)
    app.after_request(remember_cookie)
