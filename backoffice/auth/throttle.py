"""Throttling of sign-in and password-reset attempts (Flask-Limiter).

Two limits per endpoint, both on POST only, in short fixed windows:
- per typed e-mail (normalised; counted whether or not such an account exists, so the limit reveals nothing),
  LOGIN_LIMIT_PER_EMAIL, default "5 per minute";
- per client IP (ProxyFix-aware with TRUST_PROXY=1), LOGIN_LIMIT_PER_IP, default "20 per minute".
On sign-in only failed attempts count (a successful sign-in is not held against anyone). A throttled attempt
gets HTTP 429, a Retry-After header and a page saying in how many seconds to try again. The windows are a
minute long, so nobody can lock an administrator out for longer than that.
"""

from __future__ import annotations

import time

from flask import current_app, request
from flask_babel import ngettext
from flask_limiter.util import get_remote_address

from backoffice.extensions import limiter
from backoffice.services.users import normalize_email


def email_key() -> str:
    return "email:" + normalize_email(request.form.get("email"))[:254]


def ip_key() -> str:
    return "ip:" + (get_remote_address() or "unknown")


def _per_email() -> str:
    return current_app.config["LOGIN_LIMIT_PER_EMAIL"]


def _per_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _not_signed_in(response) -> bool:
    return response.status_code != 302


def throttled(*, failures_only: bool = False, per_email: bool = True):
    """Decorate a view: the limits, POST only, in the view's own scope."""
    deduct_when = _not_signed_in if failures_only else None

    def decorate(view):
        view = limiter.limit(_per_ip, key_func=ip_key, methods=["POST"], deduct_when=deduct_when)(view)
        if per_email:
            view = limiter.limit(_per_email, key_func=email_key, methods=["POST"], deduct_when=deduct_when)(view)
        return view

    return decorate


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
