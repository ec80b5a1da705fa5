"""E-mail goes through the outbox table, written in the caller's transaction: a message is queued only if
the change it tells of is committed. Delivery (SMTP, `flask send-mail`) is infrastructure: backoffice/infra/mail.py.
"""

from __future__ import annotations

from flask import current_app, has_app_context

from backoffice.models import OutboxMessage


def absolute_url(path: str) -> str:
    """A link for an e-mail: always BASE_URL plus the path, never the Host the request named."""
    base = (current_app.config.get("BASE_URL") if has_app_context() else None) or ""
    return base.rstrip("/") + "/" + path.lstrip("/") if base else path


def queue_mail(session, to_address: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(to_address=to_address, subject=str(subject)[:300], body=str(body))
    session.add(message)
    session.flush()
    return message
