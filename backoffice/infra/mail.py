"""Delivering the outbox (services/mail.py queues): SMTP or the console. ``send_outbox`` is the one delivery
run, for `flask send-mail` (cli.py) and the queue's periodic task every minute (backoffice/tasks.py)."""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select

from backoffice.models import OutboxMessage
from backoffice.models.base import utcnow

MAX_ATTEMPTS = 5


def pending(session, limit: int = 100) -> list[OutboxMessage]:
    """Unsent messages that have not failed too often, oldest first (locked on PostgreSQL, skipping
    rows another sender holds, so two `send-mail` runs never send the same message)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


@dataclass
class MailSettings:
    server: str | None = None
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    sender: str = "backoffice@localhost"

    @classmethod
    def from_config(cls, config) -> MailSettings:
        return cls(
            server=config.get("MAIL_SERVER") or None,
            port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            use_tls=bool(config.get("MAIL_USE_TLS")),
            sender=config.get("MAIL_FROM") or "backoffice@localhost",
        )


_HEADER_BREAKS = re.compile("[\x00-\x1f\x7f\u2028\u2029]+")


def header_text(value) -> str:
    """A value fit for one header line: any CR/LF or other control character becomes a space (a
    subject naming "Evil\\r\\nBcc: ..." made EmailMessage raise ValueError, and the message was never sent)."""
    return " ".join(_HEADER_BREAKS.sub(" ", str(value or "")).split())


def as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = header_text(sender)
    email["To"] = header_text(message.to_address)
    email["Subject"] = header_text(message.subject)
    email.set_content(message.body)
    return email


class SmtpTransport:
    """One SMTP connection for a batch; ``send`` raises on failure."""

    def __init__(self, settings: MailSettings, timeout: float = 30):
        self.settings = settings
        self.timeout = timeout
        self.smtp = None

    def __enter__(self):
        s = self.settings
        self.smtp = smtplib.SMTP(s.server, s.port, timeout=self.timeout)
        if s.use_tls:
            self.smtp.starttls()
        if s.username:
            self.smtp.login(s.username, s.password or "")
        return self

    def send(self, message: OutboxMessage) -> None:
        self.smtp.send_message(as_email(message, self.settings.sender))

    def __exit__(self, *exc):
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        return False


class PrintTransport:
    """No MAIL_SERVER: show the messages instead of sending them."""

    def __init__(self, settings: MailSettings, echo=print):
        self.settings = settings
        self.echo = echo

    def __enter__(self):
        return self

    def send(self, message: OutboxMessage) -> None:
        self.echo(
            f"From: {self.settings.sender}\nTo: {message.to_address}\nSubject: {header_text(message.subject)}\n\n"
            f"{message.body.rstrip()}\n{'-' * 60}"
        )

    def __exit__(self, *exc):
        return False


def deliver(session, message: OutboxMessage, transport) -> bool:
    """Send one message; mark it sent, or count the attempt and keep the error."""
    message.attempts = (message.attempts or 0) + 1
    try:
        transport.send(message)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        session.flush()
        return False
    message.sent_at = utcnow()
    message.last_error = None
    session.flush()
    return True


@dataclass
class OutboxRun:
    """What one delivery run did: ``unreachable`` names the server error when no message could be tried."""

    sent: int = 0
    failed: int = 0
    unreachable: str | None = None

    @property
    def tried(self) -> int:
        return self.sent + self.failed


def send_outbox(session, settings: MailSettings, *, limit: int = 100, echo=print) -> OutboxRun:
    """Deliver at most ``limit`` pending messages (SMTP when ``settings.server``, else ``echo`` them).

    Unlike a service this commits, once per message: a message is marked sent in the same commit that follows
    its sending, so a crash between two messages never sends one twice, and on PostgreSQL each run holds only the
    rows it locked (``pending``: another worker's run skips them). When the server can't be reached or refuses
    the sign-in, every pending message counts an attempt with that error."""
    run = OutboxRun()
    messages = pending(session, limit=limit)
    if not messages:
        session.rollback()
        return run
    transport = SmtpTransport(settings) if settings.server else PrintTransport(settings, echo=echo)
    try:
        with transport:
            for message in messages:
                if deliver(session, message, transport):
                    run.sent += 1
                else:
                    run.failed += 1
                session.commit()  # each message on its own: a crash never sends one twice
    except (smtplib.SMTPException, OSError) as exc:  # could not connect or sign in
        session.rollback()
        run.unreachable = f"{type(exc).__name__}: {exc}"[:500]
        for message in pending(session, limit=limit):
            message.attempts += 1
            message.last_error = run.unreachable
        session.commit()
    return run
