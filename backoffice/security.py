"""Response hardening and request bookkeeping, installed on the app by `init_app(app)`.

- requests naming a Host (X-Forwarded-Host behind TRUST_PROXY) the app does not serve get a 400 page;
- a request id per request (the client's X-Request-ID when it is a sane token, else a uuid4), echoed back;
- a CSP nonce per request (`csp_nonce()`, also handed to Flask-Admin) and the security headers on every response;
- one structured JSON log line per request on the `backoffice.request` logger; reset tokens and the query
  strings of the password routes are redacted there and in every other log line (`redact`);
- signed-in responses are never cached (`Cache-Control: no-store`, as Django's never_cache); HTTPS responses
  carry Strict-Transport-Security;
- error pages in the app's style for 400, 403, 404, 405, 413, 429 and 500; a 500 logs its traceback with the
  request id, and the page shows the id so a user can quote it.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import uuid

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import Forbidden
from werkzeug.sansio.utils import host_is_trusted

request_log = logging.getLogger("backoffice.request")
error_log = logging.getLogger("backoffice.errors")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


# Kept in the WSGI environ, i.e. strictly per request (an app context, and so `g`, can outlive a request).
_RID, _NONCE, _STARTED = "backoffice.request_id", "backoffice.csp_nonce", "backoffice.started"


# Secrets in URLs: the reset link's token, and the query strings of the routes that set a password.
_TOKEN_IN_PATH = re.compile(r"(/reset-password/)[^\s?/\"']+")
_SECRET_QUERY = re.compile(
    r"((?:/reset-password/\[redacted\]|/forgot-password|/profile/password|/admin/users?/password/?))\?[^\s\"']*"
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """The text with every reset token and every query string of the password routes replaced by [redacted]."""
    text = _TOKEN_IN_PATH.sub(r"\1" + REDACTED, text)
    return _SECRET_QUERY.sub(r"\1?" + REDACTED, text)


class RedactingFilter(logging.Filter):
    """On a logger or handler: the record's message (e.g. werkzeug's or gunicorn's access line) redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


# Loggers that write request paths: ours, the development server's and gunicorn's.
REDACTED_LOGGERS = ("backoffice", "backoffice.request", "backoffice.errors", "werkzeug", "gunicorn.access", "gunicorn.error")


def logged_path() -> str:
    return redact(request.path)


def request_id() -> str:
    rid = request.environ.get(_RID)
    if rid is None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = request.environ[_RID] = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return rid


def csp_nonce() -> str:
    """One nonce per response; every inline <script> we render must carry it."""
    nonce = request.environ.get(_NONCE)
    if nonce is None:
        nonce = request.environ[_NONCE] = secrets.token_urlsafe(16)
    return nonce


def content_security_policy(nonce: str) -> str:
    # Flask-Admin's Bootstrap 4 templates and its select2/daterangepicker widgets set style="" attributes,
    # so styles keep 'unsafe-inline'; scripts never do.
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    409: _l("Changed by someone else"),
    413: _l("Too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
ERROR_TEXTS = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept that kind of request."),
    409: _l("Someone else changed this record at the same moment, so nothing was saved. Go back, reload and try again."),
    413: _l("The upload is too large."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("The error has been logged. Please try again."),
}


class MissingPermission(Forbidden):
    """A 403 that knows which permission was missing: the error page names it (issue 14: "a refusal page names
    the permission that is missing"), so staff can see why and whom to ask."""

    def __init__(self, permission: str | None = None):
        super().__init__()
        self.permission = permission


def render_error(code: int, text=None, **context):
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=ERROR_TITLES[code],
            text=text or ERROR_TEXTS[code],
            request_id=request_id() if code >= 500 else None,
            **context,
        ),
        code,
    )


def _forbidden(error):
    """The 403 page: with the permission that was missing, its label, the viewer's role and (for those who may
    open the users register) a link to what each role may do."""
    from backoffice.models.roles import BY_CODE, can, role_name

    permission = BY_CODE.get(getattr(error, "permission", None) or "")
    if permission is None or not current_user.is_authenticated:
        return render_error(403)
    role = role_name(current_user)
    text = _("This page needs the permission “%(permission)s”, which your role, %(role)s, doesn't have. Ask a "
             "system administrator if you need it.", permission=permission.label, role=role)
    return render_error(403, text, missing=permission, show_roles=can(current_user, "users.view"))


def _too_large_text():
    limit = request.max_content_length or 0
    return _("The upload is too large. The most you can send at once is %(n)d MB.", n=max(1, limit // (1024 * 1024)))


def _error_handler(code: int):
    def handler(error):
        if code == 500:
            from backoffice.extensions import db

            db.session.rollback()
        if code == 403:
            return _forbidden(error)
        if code == 413:
            return render_error(413, _too_large_text())
        if code == 429:
            from backoffice.auth.throttle import too_many_text

            return render_error(429, too_many_text(error))
        return render_error(code)

    return handler


def log_exception(app: Flask, exc_info) -> None:
    """Replaces Flask's: the traceback goes out once, tagged with the request id the user sees."""
    error_log.error(
        "Unhandled exception request_id=%s method=%s path=%s",
        request_id(),
        request.method,
        logged_path(),
        exc_info=exc_info,
    )


def init_app(app: Flask) -> None:
    app.log_exception = lambda exc_info: log_exception(app, exc_info)  # type: ignore[method-assign]
    # The "backoffice" logger is Flask's app.logger (stderr handler); the request lines are INFO.
    app.logger  # noqa: B018 - creating it installs Flask's default handler
    if request_log.level == logging.NOTSET:
        request_log.setLevel(app.config.get("REQUEST_LOG_LEVEL", logging.INFO))

    redacting = RedactingFilter()
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redacting)

    def start_request():
        request.environ[_STARTED] = time.perf_counter()
        request_id()
        # request.host is X-Forwarded-Host when TRUST_PROXY is on (ProxyFix rewrote it); a name we do not
        # serve could end up in a link, so refuse it before anything else runs.
        if not host_is_trusted(request.host, app.config["ALLOWED_HOSTS"]):
            return render_error(400, _("This server does not answer for that address."))
        return None

    # First of all before_request functions (also before Flask-Login's and the password-change redirect).
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)

    @app.context_processor
    def security_context():
        return {"csp_nonce": csp_nonce, "request_id": request_id}

    @app.after_request
    def finish_request(response):
        response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["X-Request-ID"] = request_id()
        if request.is_secure and app.config.get("HSTS_SECONDS"):
            hsts = f"max-age={int(app.config['HSTS_SECONDS'])}"
            if app.config.get("HSTS_INCLUDE_SUBDOMAINS"):
                hsts += "; includeSubDomains"
            response.headers["Strict-Transport-Security"] = hsts
        started = request.environ.get(_STARTED)
        user_id = None
        try:
            if current_user and current_user.is_authenticated:
                user_id = current_user.id
        except Exception:  # noqa: BLE001 - the log line must never break a response
            user_id = None
        if user_id is not None and not (request.endpoint or "").endswith("static"):
            # A signed-in page may hold personal data: no browser or proxy keeps a copy (Django's never_cache).
            response.headers["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        request_log.info(
            json.dumps(
                {
                    "request_id": request_id(),
                    "user_id": user_id,
                    "method": request.method,
                    "path": logged_path(),
                    "endpoint": request.endpoint,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                },
                separators=(",", ":"),
            )
        )
        return response

    for code in ERROR_TITLES:
        app.register_error_handler(code, _error_handler(code))

    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(StaleDataError)
    def stale_data(error):
        """Optimistic locking's last net: a write that lost a race on a row's version where no service
        turned it into a form message (the edit forms do) is a 409 page, never a 500."""
        from backoffice.extensions import db

        db.session.rollback()
        return render_error(409)

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("The form has expired or was sent from elsewhere. Go back, reload the page and try again."))
