"""Throttling of sign-in and password-reset attempts (Flask-Limiter).

Two limits per endpoint, both on POST only, in short fixed windows:
- per typed e-mail (normalised; counted whether or not such an account exists, so the limit reveals nothing),
  LOGIN_LIMIT_PER_EMAIL, default "5 per minute";
- per client IP (ProxyFix-aware with TRUST_PROXY=1), LOGIN_LIMIT_PER_IP, default "20 per minute".
Every attempt is counted BEFORE its password (or e-mail) is looked at, by one atomic increment in the
limiter's storage (Redis INCR when RATELIMIT_STORAGE_URI points at Redis, a locked counter in memory), and
refused when that count is past the limit: a burst of concurrent attempts can't all be evaluated. On sign-in
only failed attempts count: a successful sign-in gives its count back (``release``). A throttled attempt
gets HTTP 429, a Retry-After header and a page saying in how many seconds to try again. The windows are a
minute long, so nobody can lock an administrator out for longer than that.

The throttled forms accept form bodies only (url-encoded or multipart): any other body (JSON, say) gets
400 before anything is counted or checked, so every attempt is keyed by the e-mail exactly as the form reads it.
"""

from __future__ import annotations

import time

from functools import wraps

from flask import abort, current_app, request
from flask_babel import ngettext
from flask_limiter.util import get_remote_address

from backoffice.extensions import limiter
from backoffice.parsers import form_text
from backoffice.services.users import normalize_email


def email_key() -> str:
    return "email:" + normalize_email(form_text("email"))[:254]


def ip_key() -> str:
    return "ip:" + (get_remote_address() or "unknown")


def _per_email() -> str:
    return current_app.config["LOGIN_LIMIT_PER_EMAIL"]


def _per_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _form_bodies_only(view):
    """A POST whose body is not a form is refused (400) before the limits count it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "POST" and request.mimetype not in FORM_TYPES:
            abort(400)
        return view(*args, **kwargs)

    return wrapper


def throttled(*, per_email: bool = True, key=email_key, scope: str | None = None):
    """Decorate a view: the limits, POST only, in the view's own scope (or ``scope``), counted before the view runs.

    ``key`` names whose attempts the per-account limit counts: the typed e-mail, or (two-factor) the pending user.

    (No ``deduct_when``: Flask-Limiter would then test before the view and count after it, and concurrent
    attempts would all pass the test. A view that counts failures only calls ``release()`` on success.)
    """

    def decorate(view):
        ip_scope = f"{scope}-ip" if scope else None
        view = limiter.limit(_per_ip, key_func=ip_key, methods=["POST"], scope=ip_scope)(view)
        if per_email:
            view = limiter.limit(_per_email, key_func=key, methods=["POST"], scope=scope)(view)
        return _form_bodies_only(view)

    return decorate


def release() -> None:
    """Give back this request's counts (a successful sign-in is not held against anyone)."""
    if not limiter.enabled:
        return
    for request_limit in limiter.current_limits:
        if request_limit.breached:
            continue
        item = request_limit.limit
        try:
            limiter.limiter.storage.incr(item.key_for(*request_limit.request_args), item.get_expiry(), amount=-1)
        except Exception:  # noqa: BLE001 - a storage hiccup must not fail a sign-in that succeeded
            current_app.logger.exception("could not release a sign-in attempt's count")


def retry_after_seconds() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


def too_many_text(error=None) -> str:
    seconds = retry_after_seconds()
    return ngettext(
        "Too many attempts. Try again in %(num)d second.",
        "Too many attempts. Try again in %(num)d seconds.",
        seconds,
    )
