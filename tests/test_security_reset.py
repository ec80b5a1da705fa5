"""Forgotten password: same answer for every address, a signed single-use link that expires within an hour."""

from __future__ import annotations

import re
import time

from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from backoffice.auth import reset
from backoffice.models import OutboxMessage, User
from backoffice.services import passwords
from tests.conftest import TEST_PASSWORD, login
from tests.security_helpers import fresh_client

NEW_PASSWORD = "a-new-and-long-password"


def outbox(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage) -> str:
    match = re.search(r"http://127\.0\.0\.1:5000(/reset-password/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_login_page_links_to_forgotten_password(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in html
    assert client.get("/forgot-password").status_code == 200


def test_same_answer_whether_or_not_the_address_exists(client, make_user, session):
    user = make_user()
    inactive = make_user(active=False)
    answers = []
    for email in (user.email, "nobody@example.com", inactive.email, "not-an-address"):
        response = client.post("/forgot-password", data={"email": email}, follow_redirects=True)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        answers.append(re.search(r'<div class="alert[^>]*>(.*?)</div>', body, re.S).group(1))
    assert len(set(answers)) == 1, answers
    assert "If the address belongs to an account" in answers[0]
    messages = outbox(session)
    assert [m.to_address for m in messages] == [user.email]  # nothing for unknown or inactive accounts
    assert "/reset-password/" in messages[0].body


def test_the_link_sets_a_new_password_once_and_signs_out_other_sessions(app, client, make_user, session):
    user = make_user()
    elsewhere = fresh_client(app)
    login(elsewhere, user)
    client.post("/forgot-password", data={"email": user.email.upper()})
    url = link_in(outbox(session)[0])
    page = client.get(url)
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    # too short: refused beside the field, nothing changed
    short = client.post(url, data={"new_password": "short", "confirm": "short"})
    assert short.status_code == 200 and "invalid-feedback" in short.get_data(as_text=True)
    response = client.post(url, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location == "/login"
    session.expire_all()
    fresh = session.get(User, user.id)
    assert passwords.verify(fresh.password_hash, NEW_PASSWORD)
    assert fresh.session_version == 1
    assert elsewhere.get("/profile").status_code == 302  # the other session is gone
    # single use: the same link now refuses, for GET and POST
    again = client.get(url)
    assert again.status_code == 400 and "expired or has already been used" in again.get_data(as_text=True)
    assert client.post(url, data={"new_password": "x" * 20, "confirm": "x" * 20}).status_code == 400
    session.expire_all()
    assert passwords.verify(session.get(User, user.id).password_hash, NEW_PASSWORD)
    login(client, fresh, NEW_PASSWORD)


def test_the_link_expires_after_an_hour(client, make_user, session, monkeypatch):
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    url = link_in(outbox(session)[0])
    now = time.time()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(now) + 59 * 60)
    assert client.get(url).status_code == 200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(now) + reset.MAX_AGE_SECONDS + 2)
    assert client.get(url).status_code == 400
    response = client.post(url, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    session.expire_all()
    assert passwords.verify(session.get(User, user.id).password_hash, TEST_PASSWORD)


def test_forged_or_tampered_links_are_refused(client, make_user, app):
    user = make_user()
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-secret", salt=reset.SALT).dumps({"u": user.id, "v": 0, "h": "x"})
    assert client.get(f"/reset-password/{forged}").status_code == 400
    with app.test_request_context():
        token = reset.make_token(user)
    assert client.get(f"/reset-password/{token}x").status_code == 400
    assert client.get("/reset-password/not-a-token").status_code == 400


def test_a_password_change_by_other_means_kills_the_link(client, make_user, session):
    from backoffice.services import users as user_service

    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    url = link_in(outbox(session)[0])
    user_service.set_password(session, None, session.get(User, user.id), "changed-by-an-admin")
    session.commit()
    assert client.get(url).status_code == 400


def test_a_link_sent_before_the_email_changed_no_longer_works(client, make_user, session):
    """Finding 11: the token's fingerprint covers the e-mail address, so an administrator's change kills the link."""
    from backoffice.services import users as user_service

    user = make_user(email="before@example.com")
    client.post("/forgot-password", data={"email": user.email})
    url = link_in(outbox(session)[0])
    assert client.get(url).status_code == 200
    user_service.update_user(session, None, session.get(User, user.id), email="after@example.com")
    session.commit()
    assert client.get(url).status_code == 400


def test_setting_a_password_by_the_link_tells_the_user_by_email(client, make_user, session):
    """Finding 11: the reset itself is followed by an e-mail saying the password was changed."""
    user = make_user(email="pat@example.com")
    client.post("/forgot-password", data={"email": user.email})
    url = link_in(outbox(session)[0])
    assert client.post(url, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    last = outbox(session)[-1]
    assert last.to_address == "pat@example.com"
    assert "password was changed" in last.subject and "was just changed" in last.body


def _count_calls(monkeypatch, module, name, counts):
    original = getattr(module, name)

    def counted(*args, **kwargs):
        counts[name] = counts.get(name, 0) + 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def test_known_and_unknown_addresses_hash_and_queue_the_same_way(client, make_user, session, monkeypatch):
    """Finding 15: both answers make and sign a token (hashing the fingerprint) and write an outbox row;
    only a known, active address keeps its row."""
    from backoffice.services import mail

    known = make_user(email="known@example.com")
    inactive = make_user(email="inactive@example.com", active=False)
    work = {}
    for email in (known.email, "nobody@example.com", inactive.email):
        counts: dict[str, int] = {}
        with monkeypatch.context() as patch:
            for module, name in ((reset, "make_token"), (reset, "_fingerprint"), (mail, "queue_mail")):
                _count_calls(patch, module, name, counts)
            assert client.post("/forgot-password", data={"email": email}).status_code == 302
        work[email] = counts
    assert work[known.email] == {"make_token": 1, "_fingerprint": 1, "queue_mail": 1}
    assert work["nobody@example.com"] == work[known.email] == work[inactive.email]
    assert [m.to_address for m in outbox(session)] == [known.email]


def test_the_reset_form_refuses_a_common_password_beside_the_field(client, make_user, session):
    """Finding 7: the reset link's form uses the same rules, beside its new-password field."""
    user = make_user()
    client.post("/forgot-password", data={"email": user.email})
    url = link_in(outbox(session)[0])
    response = client.post(url, data={"new_password": "password1234", "confirm": "password1234"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This password is one of the most common ones." in html and "invalid-feedback" in html
    session.expire_all()
    assert passwords.verify(session.get(User, user.id).password_hash, TEST_PASSWORD)
