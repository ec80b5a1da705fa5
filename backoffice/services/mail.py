"""E-mail goes through the outbox table, written in the caller's transaction; `flask send-mail` delivers it."""

from __future__ import annotations

from backoffice.models import OutboxMessage


def queue_mail(session, to_address: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(to_address=to_address, subject=str(subject)[:300], body=str(body))
    session.add(message)
    session.flush()
    return message
