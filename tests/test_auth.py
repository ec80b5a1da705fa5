"""Sign in, sign out, safe `next`, 403 for portal roles, forced password change, profile, CSRF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.models import Organization, User
from backoffice.extensions import db
from tests.conftest import TEST_PASSWORD, csrf_token_from, login, make_app

GENERIC = "The e-mail or password is not correct."


def sign_in(client, email, password, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password})


def flashes(response) -> list[str]:
    return re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>', response.get_data(as_text=True), re.S)


def test_login_page_has_email_and_password_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html


def test_sign_in_lands_on_admin(client, admin):
    response = sign_in(client, admin.email, TEST_PASSWORD)
    assert response.status_code == 302 and response.location == "/admin/"
    html = client.get("/admin/").get_data(as_text=True)
    topbar = html[html.index('<header class="bo-topbar">') : html.index("</header>")]
    assert "Root Admin" in topbar and "System administrator" in topbar and "Sign out" in topbar
    sidebar = html[html.index('<nav class="bo-sidebar"') : html.index("</nav>")]
    assert "REGISTERS" in sidebar and "/admin/organizations/" in sidebar and "/admin/users/" in sidebar


def test_sign_in_ignores_email_case(client, admin):
    assert sign_in(client, "ROOT@Example.com", TEST_PASSWORD).location == "/admin/"


def test_wrong_credentials_give_one_generic_message(client, admin):
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": TEST_PASSWORD})
    wrong = client.post("/login", data={"email": admin.email, "password": "wrong-password-123"})
    empty = client.post("/login", data={"email": admin.email, "password": ""})
    for response in (unknown, wrong, empty):
        assert response.status_code == 200
        assert flashes(response) == [GENERIC]
    # Nothing else on the page tells the two apart.
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(unknown) == strip(wrong)
    assert client.get("/admin/").status_code == 302


def test_inactive_user_gets_the_same_generic_message(client, make_user):
    user = make_user(role="staff", active=False)
    response = sign_in(client, user.email, TEST_PASSWORD)
    assert response.status_code == 200 and flashes(response) == [GENERIC]


def test_deactivation_ends_open_sessions(client, make_user, session, admin):
    from backoffice.services import users as user_service

    user = make_user(role="editor")
    login(client, user)
    assert client.get("/admin/").status_code == 200
    user_service.update_user(session, admin, user, active=False)
    session.commit()
    response = client.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert client.get("/profile").status_code == 302


def test_logout_signs_out(client, admin):
    login(client, admin)
    response = client.post("/logout")
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("url", ["/admin/", "/admin/organizations/", "/admin/users/", "/admin/organizations/new/"])
def test_anonymous_admin_request_redirects_to_login_with_next(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location == f"/login?next={url}"


def test_anonymous_post_to_admin_changes_nothing(client, session):
    response = client.post("/admin/organizations/new/", data={"name": "Sneaky AB", "org_number": "1234567897"})
    assert response.status_code == 302 and response.location.startswith("/login")
    assert session.query(Organization).count() == 0


def test_next_leads_back_to_the_page_asked_for(client, admin):
    response = client.get("/admin/users/?search=root")
    assert response.location == "/login?next=/admin/users/?search%3Droot"
    response = client.post(response.location, data={"email": admin.email, "password": TEST_PASSWORD})
    assert response.location == "/admin/users/?search=root"


@pytest.mark.parametrize(
    "evil",
    [
        "//evil.com",
        "//evil.com/admin/",
        "https://evil.com",
        "http://evil.com/admin/",
        "/\\evil.com",
        "\\\\evil.com",
        "javascript:alert(1)",
            "evil.com",
        "/\t/evil.com",
    ],
)
def test_next_only_ever_leads_to_a_path_on_this_site(client, admin, evil):
    response = client.post("/login", query_string={"next": evil}, data={"email": admin.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.location.startswith("/") and not response.location.startswith("//")
    assert "evil" not in response.location and "javascript" not in response.location


@pytest.mark.parametrize("role", ["customer-admin", "guest"])
def test_portal_roles_get_a_clear_403_on_admin(as_user, role):
    client = as_user(role)
    for url in ("/admin/", "/admin/organizations/", "/admin/users/"):
        response = client.get(url)
        assert response.status_code == 403, url
        html = response.get_data(as_text=True)
        assert "Access denied" in html and "This page needs the permission “Open the back office”" in html


@pytest.mark.parametrize("role", ["customer-admin", "guest"])
def test_portal_roles_land_on_the_portal(client, make_user, role):
    user = make_user(role=role)
    assert sign_in(client, user.email, TEST_PASSWORD).location == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert client.get("/").location == "/portal/"


# --- forced password change ---------------------------------------------------------------


def test_forced_password_change_after_admin_reset(client, admin, make_user, session):
    user = make_user(role="staff", email="sara@example.com")
    login(client, admin)
    response = client.post(
        f"/admin/users/password/?id={user.id}",
        data={"password": "reset-by-admin-1", "require_change": "y"},
    )
    assert response.status_code == 302
    client.post("/logout")

    response = sign_in(client, "sara@example.com", "reset-by-admin-1")
    assert response.status_code == 302
    # Sent to the change-password page before anything else.
    for url in ("/admin/", "/admin/organizations/", "/profile", "/"):
        response = client.get(url)
        assert response.status_code == 302 and response.location == "/profile/password", url
    page = client.get("/profile/password").get_data(as_text=True)
    assert "Your password was reset by an administrator" in page
    assert client.get(f"/users/{user.id}/photo").status_code == 404  # the avatar in the top bar may load

    # The new password must differ from the reset one, and the current one is required.
    response = client.post(
        "/profile/password",
        data={"current_password": "wrong-password-1", "new_password": "my-own-password-1", "confirm": "my-own-password-1"},
    )
    assert response.status_code == 200 and "The current password is not correct." in response.get_data(as_text=True)
    response = client.post(
        "/profile/password",
        data={"current_password": "reset-by-admin-1", "new_password": "my-own-password-1", "confirm": "my-own-password-1"},
    )
    assert response.status_code == 302
    assert client.get("/admin/organizations/").status_code == 200
    session.expire_all()
    assert session.get(User, user.id).must_change_password is False


def test_reset_without_require_change_lets_the_user_in(client, admin, make_user):
    user = make_user(role="staff")
    login(client, admin)
    client.post(f"/admin/users/password/?id={user.id}", data={"password": "reset-by-admin-1"})
    client.post("/logout")
    sign_in(client, user.email, "reset-by-admin-1")
    assert client.get("/admin/").status_code == 200


# --- profile ------------------------------------------------------------------------------


def test_profile_shows_name_email_and_role(as_user):
    client = as_user("editor", first_name="Erik", last_name="Redaktör")
    html = client.get("/profile").get_data(as_text=True)
    assert "Erik Redaktör" in html and "Editor" in html


@pytest.mark.parametrize("role", ["guest", "customer-admin", "staff"])
def test_every_signed_in_user_has_a_profile(as_user, session, role):
    client = as_user(role, first_name="Pia", last_name="Profil")
    assert client.get("/profile").status_code == 200
    response = client.post("/profile", data={"first_name": "Pia", "last_name": "Profilsson", "language": "sv"})
    assert response.status_code == 302
    assert '<html lang="sv"' in client.get("/profile").get_data(as_text=True)
    assert session.scalar(select(User.last_name).where(User.first_name == "Pia")) == "Profilsson"


def test_own_password_change_requires_current_password(client, make_user, session):
    user = make_user(role="staff")
    login(client, user)
    bad = client.post(
        "/profile/password",
        data={"current_password": "not-my-password", "new_password": "a-new-password-1", "confirm": "a-new-password-1"},
    )
    assert bad.status_code == 200 and "The current password is not correct." in bad.get_data(as_text=True)
    short = client.post(
        "/profile/password", data={"current_password": TEST_PASSWORD, "new_password": "short", "confirm": "short"}
    )
    assert short.status_code == 200 and 'id="new_password-error"' in short.get_data(as_text=True)
    client.post("/logout")
    login(client, user)  # still the old password

    ok = client.post(
        "/profile/password",
        data={"current_password": TEST_PASSWORD, "new_password": "a-new-password-1", "confirm": "a-new-password-1"},
    )
    assert ok.status_code == 302
    client.post("/logout")
    assert sign_in(client, user.email, TEST_PASSWORD).status_code == 200
    assert sign_in(client, user.email, "a-new-password-1").status_code == 302


def test_language_change_is_stored_on_the_user_and_switches_the_ui(client, make_user, session):
    user = make_user(role="system-admin", first_name="Astrid", last_name="Admin")
    login(client, user)
    page = client.get("/admin/organizations/new/").get_data(as_text=True)
    assert '<html lang="en"' in page and "Create and add another" in page

    response = client.post("/profile", data={"first_name": "Astrid", "last_name": "Admin", "language": "sv"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).language == "sv"

    page = client.get("/admin/organizations/new/").get_data(as_text=True)
    assert '<html lang="sv"' in page
    assert "Skapa och lägg till en till" in page  # the register form (issue 9: the customers' buttons everywhere)

    # Signing in again keeps the language: it lives on the user, not in the session.
    client.post("/logout")
    login(client, user)
    assert '<html lang="sv"' in client.get("/admin/").get_data(as_text=True)


def test_language_switch_in_the_top_bar_is_stored_on_the_user(client, make_user, session):
    user = make_user(role="staff")
    login(client, user)
    response = client.post("/language", data={"language": "sv", "next": "/admin/organizations/"})
    assert response.status_code == 302 and response.location == "/admin/organizations/"
    session.expire_all()
    assert session.get(User, user.id).language == "sv"
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_language_switch_next_is_safe(client, make_user):
    login(client, make_user(role="staff"))
    response = client.post("/language", data={"language": "en", "next": "//evil.com"})
    assert "evil" not in response.location


def test_language_switch_before_sign_in_uses_the_session(client):
    client.post("/language", data={"language": "sv"})
    assert '<html lang="sv"' in client.get("/login").get_data(as_text=True)


# --- CSRF -----------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(database_url, admin):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app.test_client()
        db.session.remove()
        db.engine.dispose()


def test_csrf_login_without_token_refused(csrf_client, admin):
    response = csrf_client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert csrf_client.get("/admin/").status_code == 302  # not signed in

    token = csrf_token_from(csrf_client.get("/login").get_data(as_text=True))
    response = csrf_client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.location == "/admin/"


def _csrf_sign_in(client, user):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_csrf_admin_create_form_without_token_refused(csrf_client, admin, session):
    _csrf_sign_in(csrf_client, admin)
    data = {"name": "Tokenless AB", "org_number": "112233-4459"}
    assert csrf_client.post("/admin/organizations/new/", data=data).status_code == 400
    assert session.query(Organization).count() == 0

    token = csrf_token_from(csrf_client.get("/admin/organizations/new/").get_data(as_text=True))
    response = csrf_client.post("/admin/organizations/new/", data={**data, "csrf_token": token})
    assert response.status_code == 302
    assert session.query(Organization).filter_by(name="Tokenless AB").count() == 1


def test_csrf_delete_dialog_without_token_refused(csrf_client, admin, make_org, session):
    org = make_org(name="Keep Me AB")
    _csrf_sign_in(csrf_client, admin)
    url = f"/admin/organizations/soft-delete/?id={org.id}"
    assert csrf_client.post(url, data={"confirmation": "DELETE"}).status_code == 400
    session.expire_all()
    assert session.get(Organization, org.id).deleted_at is None

    token = csrf_token_from(csrf_client.get(url).get_data(as_text=True))
    assert csrf_client.post(url, data={"confirmation": "DELETE", "csrf_token": token}).status_code == 302
    session.expire_all()
    assert session.get(Organization, org.id).deleted_at is not None


def test_csrf_logout_and_user_form_without_token_refused(csrf_client, admin, make_user, session):
    user = make_user(role="staff", first_name="Sara")
    _csrf_sign_in(csrf_client, admin)
    response = csrf_client.post(
        f"/admin/users/edit/?id={user.id}",
        data={"first_name": "Hacked", "last_name": "X", "email": user.email, "language": "en", "role": "system-admin"},
    )
    assert response.status_code == 400
    session.expire_all()
    assert session.get(User, user.id).role == "staff"
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/admin/").status_code == 200  # still signed in
