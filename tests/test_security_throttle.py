"""Sign-in and password-reset throttling with Flask-Limiter, in memory and in the real Redis."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis

from tests.conftest import TEST_PASSWORD, throttled_app

REDIS_URL = "redis://127.0.0.1:6379/0"
# One prefix per test run so parallel runs (and other apps on this Redis) never share counters.
PREFIX = f"bo-test-{uuid.uuid4().hex}"


@pytest.fixture(params=["memory", "redis"])
def throttled_client(request, database_url, app):
    """A client of an app with throttling ON, in memory or in the real Redis."""
    storage = "memory://" if request.param == "memory" else REDIS_URL
    with throttled_app(database_url, app, storage, PREFIX) as throttled:
        # No app context of its own around the test: each request then gets a fresh one (fresh g).
        client = throttled.test_client()
        client.storage = request.param
        yield client
    assert not list(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{PREFIX}*"))


def attempt(client, email, password="wrong-password-123", ip="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def test_per_email_limit_counts_whether_or_not_the_account_exists(throttled_client, make_user):
    user = make_user(email="known@example.com")
    for email in (user.email, "nobody@example.com"):
        for n in range(5):  # each from another IP: only the per-e-mail limit can stop them
            response = attempt(throttled_client, email, ip=f"10.1.{n}.{len(email)}")
            assert response.status_code == 200
            assert "The e-mail or password is not correct." in response.get_data(as_text=True)
        # the sixth, typed differently (case, spaces) but the same address once normalised
        response = attempt(throttled_client, "  " + email.upper(), ip="10.9.9.9")
        assert response.status_code == 429
        html = response.get_data(as_text=True)
        assert "Too many attempts. Try again in" in html
        assert int(response.headers["Retry-After"]) > 0
    # the right password is refused too while the e-mail is throttled, so the limit can't be used to guess
    assert attempt(throttled_client, user.email, TEST_PASSWORD, ip="10.8.8.8").status_code == 429
    # another e-mail from the same IPs is untouched
    assert attempt(throttled_client, "other@example.com", ip="10.1.0.17").status_code == 200


def test_per_ip_limit(throttled_client):
    for n in range(20):
        assert attempt(throttled_client, f"guess{n}@example.com", ip="10.2.0.1").status_code == 200
    response = attempt(throttled_client, "guess-more@example.com", ip="10.2.0.1")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # another IP can still sign in
    assert attempt(throttled_client, "guess-more@example.com", ip="10.2.0.2").status_code == 200
    if throttled_client.storage == "redis":
        keys = [k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter(f"*{PREFIX}*")]
        assert any("ip:10.2.0.1" in k for k in keys), keys  # the counters live in Redis


def test_successful_sign_ins_do_not_count(throttled_client, make_user):
    user = make_user()
    for _n in range(8):
        response = attempt(throttled_client, user.email, TEST_PASSWORD)
        assert response.status_code == 302
        throttled_client.post("/logout")


def test_get_of_the_login_page_is_never_throttled(throttled_client):
    for n in range(6):
        attempt(throttled_client, "x@example.com", ip=f"10.3.0.{n}")
    assert throttled_client.get("/login").status_code == 200


def test_forgot_password_is_throttled_per_email(throttled_client):
    for n in range(5):
        response = throttled_client.post(
            "/forgot-password", data={"email": "who@example.com"}, environ_base={"REMOTE_ADDR": f"10.4.0.{n}"}
        )
        assert response.status_code == 302
    response = throttled_client.post("/forgot-password", data={"email": "who@example.com"}, environ_base={"REMOTE_ADDR": "10.4.1.1"})
    assert response.status_code == 429


def test_the_429_page_is_translated(throttled_client, make_user):
    for n in range(5):
        attempt(throttled_client, "sv@example.com", ip=f"10.5.0.{n}")
    response = throttled_client.post(
        "/login",
        data={"email": "sv@example.com", "password": "x"},
        headers={"Accept-Language": "sv"},
        environ_base={"REMOTE_ADDR": "10.5.1.1"},
    )
    assert response.status_code == 429
    assert '<html lang="sv">' in response.get_data(as_text=True)


def test_an_unreachable_redis_does_not_break_sign_in(database_url, app, make_user):
    """RATELIMIT_IN_MEMORY_FALLBACK_ENABLED: throttling goes on per process instead of failing with a 500."""
    user = make_user()
    with throttled_app(database_url, app, "redis://127.0.0.1:1/0", PREFIX,
                       RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True) as down:
        assert attempt(down.test_client(), user.email, TEST_PASSWORD).status_code == 302
        client = down.test_client()
        for n in range(5):
            assert attempt(client, "fallback@example.com", ip=f"10.6.0.{n}").status_code == 200
        assert attempt(client, "fallback@example.com", ip="10.6.1.1").status_code == 429


# --- bursts (issue 8, finding 6) and bodies that are not forms (finding 13) ----------------------------
@pytest.fixture(params=["memory", "redis"])
def burst_app(request, database_url, app):
    """An app with small limits (3 per e-mail, 4 per IP), throttling ON, counters unique to this run."""
    storage = "memory://" if request.param == "memory" else REDIS_URL
    with throttled_app(database_url, app, storage, f"{PREFIX}-burst-{uuid.uuid4().hex[:8]}",
                       LOGIN_LIMIT_PER_EMAIL="3 per minute", LOGIN_LIMIT_PER_IP="4 per minute") as burst:
        yield burst


def burst(app, monkeypatch, posts) -> tuple[int, list[int]]:
    """Send ``posts`` (email, ip) all at once from threads released by a barrier.

    Every password check is held until each request has either reached one or been answered, so on
    code that counts only after the check, every request of the burst would be evaluated.
    Returns (how many passwords were checked, the status codes).
    """
    from backoffice.services import users as user_service

    real = user_service.authenticate
    lock, evaluated, answered = threading.Lock(), [0], [0]
    go_on = threading.Event()

    def held_authenticate(*args, **kwargs):
        with lock:
            evaluated[0] += 1
        go_on.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(user_service, "authenticate", held_authenticate)
    start = threading.Barrier(len(posts), timeout=30)
    statuses: list = [None] * len(posts)

    def send(i, email, ip):
        client = app.test_client()
        start.wait()
        try:
            statuses[i] = attempt(client, email, ip=ip).status_code
        finally:
            with lock:
                answered[0] += 1

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with lock:
            if evaluated[0] + answered[0] >= len(posts):
                break
        time.sleep(0.01)
    go_on.set()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return evaluated[0], statuses


def test_a_burst_of_wrong_passwords_for_one_email_is_cut_at_the_limit(burst_app, monkeypatch):
    """Finding 6: 12 concurrent wrong passwords for one e-mail (each from its own IP): at most 3 are checked."""
    evaluated, statuses = burst(burst_app, monkeypatch, [("burst@example.com", f"10.7.0.{n}") for n in range(12)])
    assert evaluated <= 3, f"{evaluated} passwords checked past a limit of 3"
    assert statuses.count(429) == 12 - evaluated, statuses
    assert statuses.count(200) == evaluated


def test_a_burst_from_one_ip_is_cut_at_the_limit(burst_app, monkeypatch):
    """Finding 6: 12 concurrent attempts from one IP for 12 e-mails: at most 4 are checked."""
    evaluated, statuses = burst(burst_app, monkeypatch, [(f"ip-burst{n}@example.com", "10.7.1.1") for n in range(12)])
    assert evaluated <= 4, f"{evaluated} passwords checked past a limit of 4"
    assert statuses.count(429) == 12 - evaluated, statuses


def test_a_json_body_does_not_dodge_the_per_email_counter(burst_app, make_user):
    """Finding 13: once an e-mail is throttled, a JSON body (even with the right password) signs nobody in
    and checks nothing: the throttled forms take form bodies only (400, never a 500)."""
    user = make_user(email="json@example.com")
    client = burst_app.test_client()
    for n in range(3):
        assert attempt(client, user.email, ip=f"10.7.2.{n}").status_code == 200
    assert attempt(client, user.email, TEST_PASSWORD, ip="10.7.2.9").status_code == 429
    for url, body in (
        ("/login", {"email": user.email, "password": TEST_PASSWORD}),
        ("/forgot-password", {"email": user.email}),
    ):
        response = client.post(url, json=body, environ_base={"REMOTE_ADDR": "10.7.3.1"})
        assert response.status_code == 400, (url, response.status_code)
        assert "The request could not be understood." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # still not signed in
    # and a JSON body with an e-mail nobody throttled is refused the same way, not checked
    response = client.post("/login", json={"email": "fresh@example.com", "password": "x"})
    assert response.status_code == 400
