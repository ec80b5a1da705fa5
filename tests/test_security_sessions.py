"""Sessions: renewed at sign-in, ended by a session_version bump, idle timeout, cookie flags."""

from __future__ import annotations

import time

import pytest

from backoffice.auth.sessions import LAST_SEEN
from backoffice.models import User
from backoffice.services import users as user_service
from tests.factories import user_edit_form
from tests.conftest import TEST_PASSWORD, login
from tests.security_helpers import fresh_client

NEW_PASSWORD = "a-brand-new-password"


@pytest.fixture
def browser(app):
    """browser() -> a new, independent client (its own cookie jar, a fresh context per request)."""
    return lambda: fresh_client(app)


def signed_in(client) -> bool:
    response = client.get("/profile")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.location.startswith("/login"), response.status_code
    return False


def reload(session, user) -> User:
    session.expire_all()
    return session.get(User, user.id)


def test_sign_in_starts_a_new_session(browser, make_user):
    user = make_user()
    client = browser()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["language"] = "sv"
    login(client, user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["language"] == "sv"  # the chosen language survives
        assert sess["_user_id"] == f"{user.id}:0"
        assert isinstance(sess[LAST_SEEN], int)


def test_own_password_change_ends_other_sessions_but_keeps_this_one(browser, make_user, session):
    user = make_user()
    here, elsewhere = browser(), browser()
    login(here, user)
    login(elsewhere, user)
    response = here.post(
        "/profile/password",
        data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert reload(session, user).session_version == 1


def test_admin_setting_a_password_signs_the_user_out(browser, make_user, admin):
    user = make_user()
    users_browser, admins_browser = browser(), browser()
    login(users_browser, user)
    login(admins_browser, admin)
    response = admins_browser.post(
        f"/admin/users/password/?id={user.id}", data={"password": NEW_PASSWORD, "require_change": "y"}
    )
    assert response.status_code == 302
    assert not signed_in(users_browser)
    assert signed_in(admins_browser)


def test_admin_setting_own_password_in_the_dialog_stays_signed_in(browser, admin):
    here, elsewhere = browser(), browser()
    login(here, admin)
    login(elsewhere, admin)
    assert here.post(f"/admin/users/password/?id={admin.id}", data={"password": NEW_PASSWORD}).status_code == 302
    assert here.get("/admin/").status_code == 200
    assert not signed_in(elsewhere)




def test_deactivating_a_user_ends_all_their_sessions(browser, make_user, admin, session):
    user = make_user()
    first, second, admins_browser = browser(), browser(), browser()
    login(first, user)
    login(second, user)
    login(admins_browser, admin)
    response = admins_browser.post(f"/admin/users/edit/?id={user.id}", data=user_edit_form(user, active=None))
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    assert reload(session, user).active is False
    assert not signed_in(first)
    assert not signed_in(second)


def test_deleting_a_user_ends_their_sessions(browser, make_user, admin, session):
    user = make_user()
    user_id = user.id
    users_browser, admins_browser = browser(), browser()
    login(users_browser, user)
    login(admins_browser, admin)
    response = admins_browser.post(f"/admin/users/remove/?id={user_id}", data={"confirmation": "DELETE"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, user_id) is None
    assert not signed_in(users_browser)


def test_sign_out_everywhere(browser, make_user, admin, session):
    user = make_user()
    users_browser, admins_browser = browser(), browser()
    login(users_browser, user)
    login(admins_browser, admin)
    # the row menu offers it, as a dialog
    listing = admins_browser.get("/admin/users/").get_data(as_text=True)
    assert f"/admin/users/sign-out/?id={user.id}" in listing
    # GET only shows the dialog
    dialog = admins_browser.get(f"/admin/users/sign-out/?id={user.id}")
    assert dialog.status_code == 200 and "Sign out everywhere" in dialog.get_data(as_text=True)
    assert signed_in(users_browser)
    assert reload(session, user).session_version == 0
    response = admins_browser.post(f"/admin/users/sign-out/?id={user.id}")
    assert response.status_code == 302
    assert not signed_in(users_browser)
    assert signed_in(admins_browser)
    # the user's history says who signed them out
    history_html = admins_browser.get(f"/admin/users/history/?id={user.id}&group=security").get_data(as_text=True)
    assert "Signed out everywhere by an administrator" in history_html and "Root Admin" in history_html
    # and the user can sign in again
    login(users_browser, user)
    assert signed_in(users_browser)


def test_sign_out_everywhere_needs_users_edit(browser, make_user, session):
    target = make_user()
    staff = make_user(role="staff")
    client = browser()
    login(client, staff)
    assert client.post(f"/admin/users/sign-out/?id={target.id}").status_code == 403
    assert reload(session, target).session_version == 0


def test_remember_cookie_follows_the_session_version(browser, make_user, session):
    user = make_user()
    client = browser()
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")  # the browser was closed
    assert signed_in(client)  # the remember-me cookie signs in again
    user_service.end_sessions(session, None, reload(session, user))
    session.commit()
    client.delete_cookie("session")
    assert not signed_in(client)  # an old remember-me cookie is worth nothing


def test_idle_timeout_signs_out_with_a_message(browser, make_user, app, monkeypatch):
    user = make_user()
    client = browser()
    login(client, user)
    monkeypatch.setitem(app.config, "IDLE_TIMEOUT_MINUTES", 15)
    with client.session_transaction() as sess:
        sess[LAST_SEEN] = int(time.time()) - 14 * 60
    assert signed_in(client)  # 14 minutes is fine, and the request counts as activity
    with client.session_transaction() as sess:
        assert sess[LAST_SEEN] >= int(time.time()) - 5
        sess[LAST_SEEN] = int(time.time()) - 16 * 60
    response = client.get("/admin/organizations/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/admin/organizations/")
    page = client.get(response.location).get_data(as_text=True)
    assert "You were signed out after 15 minutes without activity" in page
    assert not signed_in(client)


def _set_cookie_headers(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_cookie_flags_over_http(make_user, app):
    user = make_user()
    client = fresh_client(app)
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"})
    cookies = _set_cookie_headers(response)
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    assert "Secure" not in session_cookie


def test_session_cookie_is_secure_over_https(make_user, app):
    user = make_user()
    client = fresh_client(app)
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}, base_url="https://backoffice.example"
    )
    session_cookie = next(c for c in _set_cookie_headers(response) if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie


def test_session_cookie_secure_behind_a_trusted_proxy(make_user, database_url, app):
    from backoffice import create_app
    from tests.conftest import test_config as config_for

    proxied = create_app(config_for(database_url, TRUST_PROXY=True))
    user = make_user()
    client = fresh_client(proxied)
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}, headers={"X-Forwarded-Proto": "https"}
    )
    session_cookie = next(c for c in _set_cookie_headers(response) if c.startswith("session="))
    assert "Secure" in session_cookie
    # without TRUST_PROXY the header is ignored (anyone could send it)
    response = fresh_client(app).post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}, headers={"X-Forwarded-Proto": "https"}
    )
    session_cookie = next(c for c in _set_cookie_headers(response) if c.startswith("session="))
    assert "Secure" not in session_cookie
    with proxied.app_context():
        from backoffice.extensions import db

        db.engine.dispose()


def test_which_service_calls_bump_the_session_version(session, make_user, admin):
    user = make_user()
    user_service.update_user(session, admin, user, first_name="Renamed", role="editor")
    assert user.session_version == 0  # permissions are read on every request; no need to sign out
    user_service.update_user(session, admin, user, active=False)
    assert user.session_version == 1
    user_service.update_user(session, admin, user, active=False)
    assert user.session_version == 1  # already inactive
    user_service.set_password(session, admin, user, NEW_PASSWORD)
    assert user.session_version == 2
    user_service.change_own_password(session, user, NEW_PASSWORD, "yet-another-password")
    assert user.session_version == 3
    user_service.end_sessions(session, admin, user)
    assert user.session_version == 4
    session.commit()
