"""Sessions: a server-side row per sign-in (renewed at sign-in, ended by sign-out, the services, the idle
timeout and the absolute lifetime), the remember-me token, cookie flags."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backoffice.auth.sessions import REMEMBER_COOKIE, SESSION_KEY
from backoffice.models import User, UserSession
from backoffice.models.base import utcnow
from backoffice.services import users as user_service
from tests import factories
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
        assert len(sess[SESSION_KEY]) >= 32  # the session's secret id, checked against the table


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


def rows(session, user) -> list[UserSession]:
    session.expire_all()
    return list(session.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def idle_for(session, user, minutes: float) -> None:
    """The user's sessions were last used ``minutes`` ago (the idle clock lives on the server)."""
    session.execute(update(UserSession).where(UserSession.user_id == user.id).values(
        last_seen_at=utcnow() - timedelta(minutes=minutes)))
    session.commit()


def test_idle_timeout_signs_out_with_a_message(browser, make_user, app, monkeypatch, session):
    user = make_user()
    client = browser()
    login(client, user)
    monkeypatch.setitem(app.config, "IDLE_TIMEOUT_MINUTES", 15)
    idle_for(session, user, 14)
    assert signed_in(client)  # 14 minutes is fine, and the request counts as activity
    (row,) = rows(session, user)
    assert utcnow() - row.last_seen_at.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=5)
    idle_for(session, user, 16)
    response = client.get("/admin/organizations/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/admin/organizations/")
    page = client.get(response.location).get_data(as_text=True)
    assert "You were signed out after 15 minutes without activity" in page
    assert not signed_in(client)
    assert rows(session, user) == []  # the session ended on the server


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
        "/login", data={"email": user.email, "password": TEST_PASSWORD}, base_url="https://localhost"
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


# --- Finding 1 (issue 8): "Keep me signed in" no longer survives sign-out or the idle timeout ----------------


def sign_in_remembered(client, user):
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert client.get_cookie(REMEMBER_COOKIE) is not None
    return response


def test_sign_out_ends_a_remembered_sign_in(browser, admin):
    """Finding 1: remember=y, POST /logout, GET /admin/ -> the sign-in page, and the remember cookie is deleted."""
    client = browser()
    sign_in_remembered(client, admin)
    assert client.get("/admin/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    deleted = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{REMEMBER_COOKIE}=")]
    assert deleted and ("Max-Age=0" in deleted[0] or "expires=Thu, 01 Jan 1970" in deleted[0])
    assert client.get_cookie(REMEMBER_COOKIE) is None
    response = client.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert not signed_in(client)


def test_idle_timeout_ends_a_remembered_sign_in(browser, admin, app, monkeypatch, session):
    """Finding 1: after the idle timeout a remembered sign-in goes to sign-in, and stays signed out after."""
    monkeypatch.setitem(app.config, "IDLE_TIMEOUT_MINUTES", 1)
    client = browser()
    sign_in_remembered(client, admin)
    idle_for(session, admin, 2)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert client.get_cookie(REMEMBER_COOKIE) is None  # the remember-me cookie went with it
    assert client.get("/admin/").status_code == 302  # the next request is not signed in again
    assert not signed_in(client)


# --- Finding 4 (issue 8): sessions are revoked on the server ----------------------------------------------


def test_a_session_cookie_copied_before_sign_out_fails_after(browser, admin):
    """Finding 4: a copied session cookie is worth nothing once its owner signed out."""
    client = browser()
    login(client, admin)
    copied = client.get_cookie("session").value
    thief = browser()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/").status_code == 200  # the copy works while the session lives
    client.post("/logout")
    response = thief.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_sign_out_everywhere_ends_copied_cookies_at_once(browser, make_user, admin, session):
    """Finding 4: "sign out everywhere" ends every session of the user, copies included, remember-me too."""
    user = make_user()
    client = browser()
    sign_in_remembered(client, user)
    copied_session, copied_remember = client.get_cookie("session").value, client.get_cookie(REMEMBER_COOKIE).value
    user_service.sign_out_everywhere(session, admin, reload(session, user))
    session.commit()
    assert rows(session, user) == []
    thief = browser()
    thief.set_cookie("session", copied_session)
    assert not signed_in(thief)
    thief = browser()
    thief.set_cookie(REMEMBER_COOKIE, copied_remember)
    assert not signed_in(thief)


def test_remember_token_is_new_at_every_sign_in_stored_hashed_and_rotated(browser, make_user, session):
    """Finding 4: a new remember-me token per sign-in, only its hash stored, replaced at every use."""
    user = make_user()
    first, second = browser(), browser()
    sign_in_remembered(first, user)
    sign_in_remembered(second, user)
    token = first.get_cookie(REMEMBER_COOKIE).value
    assert token != second.get_cookie(REMEMBER_COOKIE).value
    stored = {r.remember_hash for r in rows(session, user)}
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored
    first.delete_cookie("session")  # the browser was closed
    assert signed_in(first)  # the remember-me cookie signs in again ...
    rotated = first.get_cookie(REMEMBER_COOKIE).value
    assert rotated != token  # ... and is replaced
    replay = browser()
    replay.set_cookie(REMEMBER_COOKIE, token)
    assert not signed_in(replay)  # the old value stopped working
    first.delete_cookie("session")
    assert signed_in(first)  # the new one works


def test_remember_cookie_lives_remember_days(browser, make_user, app, monkeypatch):
    """Finding 4: the remember-me cookie lives REMEMBER_DAYS (default 30), not Flask-Login's 365 days."""
    assert app.config["REMEMBER_DAYS"] == 30
    monkeypatch.setitem(app.config, "REMEMBER_DAYS", 3)
    user = make_user()
    response = sign_in_remembered(browser(), user)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{REMEMBER_COOKIE}="))
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert 3 * 86400 - 60 <= max_age <= 3 * 86400


def _sign_in_was(session, user, hours: float) -> None:
    """Move the user's sign-ins ``hours`` into the past, keeping them active (last seen now)."""
    for row in rows(session, user):
        shift = timedelta(hours=hours)
        row.created_at, row.expires_at = row.created_at - shift, row.expires_at - shift
        row.last_seen_at = utcnow()
    session.commit()


def test_absolute_session_lifetime(browser, make_user, app, session):
    """Finding 4: SESSION_ABSOLUTE_HOURS (default 12) after sign-in, sign in again, whatever the activity."""
    assert app.config["SESSION_ABSOLUTE_HOURS"] == 12
    user = make_user()
    client = browser()
    login(client, user)
    _sign_in_was(session, user, 11.9)
    assert signed_in(client)
    _sign_in_was(session, user, 0.2)
    response = client.get("/profile")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "Your sign-in has expired" in client.get(response.location).get_data(as_text=True)
    assert not signed_in(client)


def test_absolute_remember_me_lifetime(browser, make_user, session):
    """Finding 4: a remembered sign-in ends REMEMBER_DAYS after the sign-in, even while in use."""
    user = make_user()
    client = browser()
    sign_in_remembered(client, user)
    _sign_in_was(session, user, 29 * 24)
    client.delete_cookie("session")
    assert signed_in(client)
    _sign_in_was(session, user, 24)
    client.delete_cookie("session")
    assert not signed_in(client)
    assert client.get_cookie(REMEMBER_COOKIE) is None


@pytest.mark.parametrize("how", ["inactive", "deleted", "organization deleted"])
def test_customer_set_inactive_ends_its_admins_portal_session(browser, session, how, admin):
    """Finding 4: a customer set INACTIVE (or deleted) ends its admin's open portal session at once."""
    from backoffice.services import customers as customer_service
    from backoffice.services import organizations as org_service
    from tests import factories

    mine = factories.customer(session, name="Sov AB")
    portal_user = mine.admin
    client = browser()
    sign_in_remembered(client, portal_user)
    assert client.get("/portal/").status_code == 200
    if how == "inactive":
        customer_service.set_status(session, admin, mine, "INACTIVE")
    elif how == "deleted":
        customer_service.soft_delete_customer(session, admin, mine)
    else:
        org_service.soft_delete_organization(session, admin, mine.organization)
    session.commit()
    response = client.get("/portal/")
    assert response.status_code == 302 and response.location.startswith("/login")
    client.delete_cookie("session")
    assert client.get("/portal/").status_code == 302  # the remember-me cookie doesn't bring it back


def test_customer_made_inactive_in_the_edit_form_ends_its_admins_session(browser, session, admin):
    """Finding 4: the same through update_customer (the edit form's path)."""
    from backoffice.services import customers as customer_service
    from tests import factories

    mine = factories.customer(session)
    client = browser()
    login(client, mine.admin)
    customer_service.update_customer(session, admin, mine, status="INACTIVE")
    session.commit()
    assert client.get("/portal/").status_code == 302


def test_restore_ends_every_session(browser, make_user, admin, app, session, tmp_path):
    """Finding 4: after a restore nobody is signed in, not even with a session ended after the backup."""
    from backoffice.extensions import db
    from backoffice.infra import backup

    user = make_user()
    ended_later, still_open = browser(), browser()
    sign_in_remembered(ended_later, user)
    login(still_open, admin)
    copied = ended_later.get_cookie("session").value, ended_later.get_cookie(REMEMBER_COOKIE).value
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    path = backup.backup(url, tmp_path / "sessions.backup")
    ended_later.post("/logout")
    db.session.remove()
    backup.restore(url, path, engine=db.engine)
    assert session.scalars(select(UserSession)).all() == []
    thief = browser()
    thief.set_cookie("session", copied[0])
    thief.set_cookie(REMEMBER_COOKIE, copied[1])
    assert not signed_in(thief)
    assert not signed_in(still_open)
    login(still_open, admin)  # signing in again works
    assert signed_in(still_open)


def test_expired_rows_are_cleaned_up_at_sign_in(browser, make_user, session):
    """Finding 4: rows past their lifetime don't pile up: the next sign-in deletes them."""
    user, other = make_user(), make_user()
    login(browser(), user)
    _sign_in_was(session, user, 13)
    login(browser(), other)
    assert rows(session, user) == []
    assert len(rows(session, other)) == 1



def test_a_page_opens_while_a_long_write_holds_sqlites_lock(tmp_path):
    """(issue 13) On SQLite an import holds the one write lock until it commits; noting the session as seen waits
    a moment for it, then leaves the note for a later request: the page opens, the import goes on. (On an SQLite
    file of its own, whichever engine the suite runs on: PostgreSQL has no such lock.)"""
    import sqlite3

    from flask_migrate import upgrade

    from tests.conftest import make_app, two_factor_not_required

    path = tmp_path / "locked.db"
    app = make_app(f"sqlite:///{path}", QUEUE_FILE=str(tmp_path / "queue.sqlite3"))
    with app.app_context():
        from backoffice.extensions import db

        upgrade()
        two_factor_not_required()
        user = factories.user(db.session, role="staff")
        client = app.test_client()
        login(client, user)
        idle_for(db.session, user, 5)
        (before,) = rows(db.session, user)
        seen = before.last_seen_at
        db.session.commit()
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another connection writing, as an import does
        try:
            response = client.get("/admin/organizations/")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert response.status_code == 200
        (row,) = rows(db.session, user)
        assert row.last_seen_at == seen  # not noted this time
        assert client.get("/admin/organizations/").status_code == 200
        (row,) = rows(db.session, user)
        assert row.last_seen_at > seen  # noted by the next request
        db.session.remove()
        db.engine.dispose()
