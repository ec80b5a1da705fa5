"""Finding 2: links in e-mails come from BASE_URL, and a request naming a host the app does not serve is refused."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.models import OutboxMessage
from tests.conftest import make_app


def outbox(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_forgot_password_with_a_forged_host_is_refused_and_queues_nothing(client, make_user, session):
    """Finding 2: POST /forgot-password with Host: evil.example gets a 400 page and no e-mail."""
    user = make_user(email="admin@example.com")
    response = client.post("/forgot-password", data={"email": user.email}, headers={"Host": "evil.example"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This server does not answer for that address." in html and "bo-error" in html
    assert outbox(session) == []
    assert client.get("/login", headers={"Host": "evil.example:5000"}).status_code == 400


def test_the_reset_link_points_at_base_url_whatever_host_the_request_named(database_url, make_user, session):
    """Finding 2: with every host trusted in between (e.g. a proxy passing another name), the link is BASE_URL's."""
    app = make_app(database_url, BASE_URL="https://backoffice.example.com", TRUSTED_HOSTS=["app.internal"])
    user = make_user(email="admin@example.com")
    response = app.test_client().post("/forgot-password", data={"email": user.email}, base_url="http://app.internal")
    assert response.status_code == 302
    (message,) = outbox(session)
    assert "https://backoffice.example.com/reset-password/" in message.body
    assert "app.internal" not in message.body


def test_x_forwarded_host_is_checked_behind_a_proxy(database_url, make_user, session):
    """Finding 2: with TRUST_PROXY on, X-Forwarded-Host is the host that must be trusted."""
    app = make_app(database_url, TRUST_PROXY=True, BASE_URL="https://backoffice.example.com")
    client = app.test_client()
    user = make_user(email="admin@example.com")
    forged = client.post(
        "/forgot-password", data={"email": user.email}, headers={"X-Forwarded-Host": "evil.example"}
    )
    assert forged.status_code == 400
    assert outbox(session) == []
    served = client.get("/login", headers={"X-Forwarded-Host": "backoffice.example.com", "X-Forwarded-Proto": "https"})
    assert served.status_code == 200


def test_trusted_hosts_default_to_base_url_and_the_local_names():
    """Finding 2: `make run`, the test client (localhost) and the browser tests (127.0.0.1:port) keep working."""
    from backoffice.config import trusted_hosts

    assert trusted_hosts("https://backoffice.example.com/") == ["backoffice.example.com", "127.0.0.1", "localhost"]
    assert trusted_hosts("http://127.0.0.1:5000") == ["127.0.0.1", "localhost"]
    assert trusted_hosts("http://x", ["a.example", ".b.example"]) == ["a.example", ".b.example"]


def test_trusted_hosts_come_from_the_environment(database_url, monkeypatch):
    """Finding 2: TRUSTED_HOSTS is a comma-separated list; a leading dot allows subdomains."""
    monkeypatch.setenv("TRUSTED_HOSTS", "backoffice.example.com, .example.org")
    app = make_app(database_url)
    client = app.test_client()
    assert client.get("/login", base_url="http://backoffice.example.com").status_code == 200
    assert client.get("/login", base_url="http://eu.example.org").status_code == 200
    assert client.get("/login", base_url="http://localhost").status_code == 400
