"""Notifications in the app and the outbox that `flask send-mail` delivers (SMTP or printed)."""

from __future__ import annotations

import email
import socketserver
import threading

import pytest
from sqlalchemy import select

from backoffice.models import Notification, OutboxMessage
from backoffice.services import notifications
from backoffice.services.errors import ServiceError
from backoffice.infra.mail import MAX_ATTEMPTS
from backoffice.services.mail import queue_mail


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 fake.smtp ready")
        envelope = {}
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 fake.smtp")
            elif verb == "MAIL":
                if self.server.refuse:
                    self.reply("550 mailbox unavailable")
                    continue
                envelope = {"from": command[10:].strip("<> "), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command[8:].strip("<> "))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                envelope["data"] = b"".join(lines)
                self.server.received.append(envelope)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.received = []
    server.refuse = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_notify_writes_notification_and_mail_in_the_same_transaction(session, make_user):
    user = make_user(role="customer-admin")
    notifications.notify(session, user, "Hello there", link="/portal/")
    session.rollback()  # the caller's transaction fails: neither survives
    assert session.scalars(select(Notification)).all() == []
    assert session.scalars(select(OutboxMessage)).all() == []
    notifications.notify(session, user, "Hello there", link="/portal/")
    session.commit()
    (note,) = session.scalars(select(Notification)).all()
    (mail,) = session.scalars(select(OutboxMessage)).all()
    assert note.user_id == user.id and note.text == "Hello there"
    assert mail.to_address == user.email and "Hello there" in mail.subject
    assert "http://127.0.0.1:5000/portal/" in mail.body


def test_notify_without_email_and_for_nobody(session, make_user):
    user = make_user()
    notifications.notify(session, user, "In the app only", email=False)
    assert notifications.notify(session, None, "nobody") is None
    session.commit()
    assert session.scalars(select(OutboxMessage)).all() == []
    assert notifications.unread_count(session, user) == 1


def test_unread_count_list_and_mark_read(session, make_user):
    me, other = make_user(), make_user()
    for i in range(3):
        notifications.notify(session, me, f"note {i}", email=False)
    theirs = notifications.notify(session, other, "not yours", email=False)
    session.commit()
    assert notifications.unread_count(session, me) == 3
    listed = notifications.list_for(session, me, limit=2)
    assert [n.text for n in listed] == ["note 2", "note 1"]
    assert [n.text for n in notifications.list_for(session, me, limit=2, offset=2)] == ["note 0"]
    notifications.mark_read(session, me, listed[0].id)
    session.commit()
    assert notifications.unread_count(session, me) == 2
    with pytest.raises(ServiceError):  # someone else's notification is not found
        notifications.mark_read(session, me, theirs.id)
    with pytest.raises(ServiceError):
        notifications.mark_read(session, me, "x")
    assert notifications.mark_all_read(session, me) == 2
    session.commit()
    assert notifications.unread_count(session, me) == 0
    assert notifications.unread_count(session, other) == 1


def _run_send_mail(app, monkeypatch, **config):
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    return app.test_cli_runner().invoke(args=["send-mail"])


def test_send_mail_prints_without_mail_server(app, session, monkeypatch):
    queue_mail(session, "a@example.com", "Subject A", "Body A")
    session.commit()
    result = _run_send_mail(app, monkeypatch, MAIL_SERVER=None)
    assert result.exit_code == 0, result.output
    assert "To: a@example.com" in result.output and "Body A" in result.output
    assert "1 sent" in result.output
    session.expire_all()
    (message,) = session.scalars(select(OutboxMessage)).all()
    assert message.sent_at is not None and message.attempts == 1
    again = _run_send_mail(app, monkeypatch, MAIL_SERVER=None)
    assert "nothing to send" in again.output


def test_send_mail_delivers_over_smtp(app, session, monkeypatch, smtp_server, make_user):
    user = make_user(role="customer-admin")
    notifications.notify(session, user, "Shared with you", link="/portal/")
    queue_mail(session, "b@example.com", "Hej på dig", "Åäö body")
    session.commit()
    result = _run_send_mail(
        app, monkeypatch, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1], MAIL_FROM="bo@example.com"
    )
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output
    assert [m["to"] for m in smtp_server.received] == [[user.email], ["b@example.com"]]
    parsed = email.message_from_bytes(smtp_server.received[1]["data"], policy=email.policy.default)
    assert parsed["From"] == "bo@example.com"
    assert str(parsed["Subject"]) == "Hej på dig"
    assert "Åäö body" in parsed.get_content()
    session.expire_all()
    assert all(m.sent_at is not None for m in session.scalars(select(OutboxMessage)))


def test_send_mail_records_failures_and_retries_later(app, session, monkeypatch, smtp_server):
    queue_mail(session, "c@example.com", "S", "B")
    session.commit()
    smtp_server.refuse = True
    result = _run_send_mail(app, monkeypatch, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    assert result.exit_code == 1
    session.expire_all()
    (message,) = session.scalars(select(OutboxMessage)).all()
    assert message.sent_at is None and message.attempts == 1 and "550" in message.last_error
    smtp_server.refuse = False
    result = _run_send_mail(app, monkeypatch, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    assert result.exit_code == 0, result.output
    session.expire_all()
    message = session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is not None and message.attempts == 2 and message.last_error is None


def test_send_mail_unreachable_server_counts_an_attempt(app, session, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    queue_mail(session, "d@example.com", "S", "B")
    session.commit()
    result = _run_send_mail(app, monkeypatch, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    assert result.exit_code != 0 and "Could not reach" in result.output
    session.expire_all()
    message = session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1 and message.last_error


def test_messages_that_failed_too_often_are_left_alone(app, session, monkeypatch):
    message = queue_mail(session, "e@example.com", "S", "B")
    message.attempts = MAX_ATTEMPTS
    session.commit()
    result = _run_send_mail(app, monkeypatch, MAIL_SERVER=None)
    assert "nothing to send" in result.output
