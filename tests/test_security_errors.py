"""Error pages in the app's style, a request id on every response, a traceback logged with it, one JSON line per request."""

from __future__ import annotations

import json
import logging
import re

import pytest

from backoffice import create_app
from tests.conftest import login
from tests.conftest import test_config as config_for
from tests.security_helpers import fresh_client


def request_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "backoffice.request"]


def test_404_and_403_pages_are_in_the_apps_style(client, make_user):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and "bo-error" in html and "Reference:" not in html
    login(client, make_user(role="guest"))
    response = client.get("/admin/users/")
    assert response.status_code == 403
    assert "Access denied" in response.get_data(as_text=True)
    assert "Not allowed" in client.get("/language").get_data(as_text=True)  # 405 too


@pytest.fixture
def boom_app(database_url):
    """An app with a test-only route that fails, and exceptions handled as in production."""
    app = create_app(config_for(database_url, PROPAGATE_EXCEPTIONS=False))

    @app.route("/test-only/boom")
    def boom():
        raise RuntimeError("kaboom for the test")

    yield app
    from backoffice.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_a_500_logs_the_traceback_with_the_request_id_the_page_shows(boom_app, caplog):
    caplog.set_level(logging.INFO, logger="backoffice")
    response = fresh_client(boom_app).get("/test-only/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    rid = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert f"Reference: {rid}" in html
    assert "Something went wrong" in html and "kaboom" not in html  # no internals on the page
    assert response.headers["Content-Security-Policy"]
    errors = [r for r in caplog.records if r.name == "backoffice.errors"]
    assert len(errors) == 1
    assert rid in errors[0].getMessage()
    assert errors[0].exc_info and "kaboom for the test" in str(errors[0].exc_info[1])
    assert request_lines(caplog)[-1]["status"] == 500
    assert request_lines(caplog)[-1]["request_id"] == rid


def test_an_incoming_request_id_is_echoed_when_sane(client):
    assert client.get("/login", headers={"X-Request-ID": "lb-1234.abc"}).headers["X-Request-ID"] == "lb-1234.abc"
    for bad in ("has spaces", "x" * 65, "<script>", "a;b"):
        echoed = client.get("/login", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert echoed != bad and re.fullmatch(r"[0-9a-f]{32}", echoed)
    assert client.get("/login").headers["X-Request-ID"] != client.get("/login").headers["X-Request-ID"]


def test_one_structured_line_per_request(app, make_user, caplog):
    caplog.set_level(logging.INFO, logger="backoffice.request")
    user = make_user()
    client = fresh_client(app)
    client.get("/login", headers={"X-Request-ID": "req-1"})
    login(client, user)
    client.get("/profile", headers={"X-Request-ID": "req-3"})
    lines = request_lines(caplog)
    assert len(lines) == 3
    first, second, third = lines
    assert set(first) == {"request_id", "user_id", "method", "path", "endpoint", "status", "duration_ms"}
    assert first["request_id"] == "req-1" and first["user_id"] is None and first["endpoint"] == "auth.login"
    assert first["method"] == "GET" and first["status"] == 200 and first["duration_ms"] >= 0
    assert second["method"] == "POST" and second["status"] == 302
    assert third == {**third, "request_id": "req-3", "user_id": user.id, "endpoint": "auth.profile", "status": 200}
    # the password never reaches the log
    assert all("correct-horse" not in r.getMessage() for r in caplog.records)


def test_a_form_without_a_valid_csrf_token_gets_a_clear_400(app, make_user, monkeypatch, session):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make_user(language="en")
    client = fresh_client(app)
    response = client.post("/language", data={"language": "sv"})
    assert response.status_code == 400
    assert "The form has expired or was sent from elsewhere" in response.get_data(as_text=True)
    with client.session_transaction() as sess:
        assert sess.get("language") is None
    # and sign-in itself needs the token too
    assert client.post("/login", data={"email": user.email, "password": "x"}).status_code == 400


def test_reset_tokens_and_password_query_strings_never_reach_a_log_line(boom_app, make_user, caplog):
    """Finding 12: the request log, the error log and the servers' access lines (werkzeug, gunicorn) show
    /reset-password/[redacted] and no query string of the password routes."""
    from backoffice.auth import reset
    from backoffice.security import redact

    caplog.set_level(logging.INFO)
    user = make_user()
    with boom_app.test_request_context():
        token = reset.make_token(user)

    @boom_app.route("/reset-password/<token>/test-only-boom")
    def reset_boom(token):
        raise RuntimeError("kaboom")

    client = fresh_client(boom_app)
    assert client.get(f"/reset-password/{token}?next=/x").status_code == 200
    assert client.get(f"/reset-password/{token}/test-only-boom").status_code == 500
    client.get("/admin/users/password/?id=1&url=/admin/users/")
    # The development server's access line, and gunicorn's, go through loggers the app filters.
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /reset-password/%s?x=1 HTTP/1.1" 200 -', token)
    logging.getLogger("gunicorn.access").info('"GET %s HTTP/1.1" 200', "/forgot-password?email=a@example.com")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in text and "id=1&url" not in text and "a@example.com" not in text
    paths = [line["path"] for line in request_lines(caplog)]
    assert paths[:2] == ["/reset-password/[redacted]", "/reset-password/[redacted]/test-only-boom"]
    errors = [r.getMessage() for r in caplog.records if r.name == "backoffice.errors"]
    assert "path=/reset-password/[redacted]/test-only-boom" in errors[0]
    assert redact("GET /profile/password?a=b HTTP/1.1") == "GET /profile/password?[redacted] HTTP/1.1"
    assert redact("/admin/customers/?search=x") == "/admin/customers/?search=x"  # other queries stay readable
