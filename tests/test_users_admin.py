"""The users register through the test client: create, edit, photo, passwords, delete, permissions."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from backoffice.models import Customer, User
from tests.factories import user_edit_form
from tests.conftest import login

NEW_USER = {
    "first_name": "Karin",
    "last_name": "Karlsson",
    "email": "Karin.Karlsson@Example.com",
    "language": "sv",
    "role": "editor",
    "active": "y",
    "password": "karins-first-password",
}


def html_of(response) -> str:
    return response.get_data(as_text=True)


def field_error(html: str, field: str) -> str | None:
    match = re.search(
        rf'<(?:input|select)[^>]*\bclass="[^"]*is-invalid"[^>]*\bid="{field}".*?<div class="invalid-feedback"[^>]*>\s*(.*?)\s*</div>', html, re.S
    )
    return match and re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def alerts(html: str) -> str:
    return " ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S))


def user_row(session, user_id):
    session.expire_all()
    u = session.get(User, user_id)
    return u and (u.email, u.first_name, u.role, u.active, u.password_hash, u.photo_mime)


def png(size=(300, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "PNG")
    return out.getvalue()




# --- create and edit ------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_sign_in(client, admin, session):
    login(client, admin)
    assert client.get("/admin/users/new/").status_code == 200
    response = client.post("/admin/users/new/", data=NEW_USER)
    assert response.status_code == 302, html_of(response)
    user = session.scalar(select(User).where(User.email == "karin.karlsson@example.com"))
    assert (user.first_name, user.role, user.language, user.active) == ("Karin", "editor", "sv", True)
    assert "karins-first-password" not in (user.password_hash or "")
    client.post("/logout")
    assert client.post("/login", data={"email": "KARIN.karlsson@example.com", "password": "karins-first-password"}).status_code == 302


def test_duplicate_email_in_other_case_refused_beside_the_field(client, admin, make_user, session):
    make_user(email="karin.karlsson@example.com")
    login(client, admin)
    response = client.post("/admin/users/new/", data=NEW_USER)
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert field_error(html_of(response), "email") == "A user with this e-mail address already exists."
    assert session.query(User).count() == 2


def test_short_password_refused_beside_the_field(client, admin, session):
    login(client, admin)
    response = client.post("/admin/users/new/", data={**NEW_USER, "password": "too-short"})
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert field_error(html_of(response), "password")
    assert session.query(User).count() == 1


def test_admin_resets_a_password_in_the_edit_form_with_require_change(client, admin, make_user, session):
    user = make_user(role="staff")
    login(client, admin)
    response = client.post(
        f"/admin/users/edit/?id={user.id}", data=user_edit_form(user, password="a-reset-password", require_change="y")
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).must_change_password is True
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": "a-reset-password"})
    assert client.get("/admin/").location == "/profile/password"


def test_edit_form_never_shows_the_password_hash(client, admin, make_user):
    user = make_user()
    login(client, admin)
    html = html_of(client.get(f"/admin/users/edit/?id={user.id}"))
    assert user.password_hash not in html and "pbkdf2" not in html
    # The browser must not fill the admin's own saved password into someone else's form.
    assert re.search(r'<input[^>]*autocomplete="new-password"[^>]*id="password"|<input[^>]*id="password"[^>]*autocomplete="new-password"', html)


def test_set_password_dialog(client, admin, make_user, session):
    user = make_user(role="staff")
    login(client, admin)
    url = f"/admin/users/password/?id={user.id}"
    assert client.get(url).status_code == 200
    before = user_row(session, user.id)
    assert client.post(url, data={"password": "short"}).status_code == 400
    assert user_row(session, user.id) == before
    assert client.post(url, data={"password": "long-enough-password", "require_change": "y"}).status_code == 302
    assert user_row(session, user.id)[4] != before[4]


def test_nobody_demotes_or_deactivates_themselves_in_the_form(client, admin, make_user, session):
    make_user(role="system-admin", email="second@example.com")
    login(client, admin)
    before = user_row(session, admin.id)
    response = client.post(f"/admin/users/edit/?id={admin.id}", data=user_edit_form(admin, role="staff"))
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert field_error(html_of(response), "role") == "You cannot change your own role."
    response = client.post(f"/admin/users/edit/?id={admin.id}", data=user_edit_form(admin, active=None))
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert "You cannot deactivate yourself." in html_of(response)
    assert user_row(session, admin.id) == before


def test_admin_edits_own_name_and_another_users_role(client, admin, make_user, session):
    other = make_user(role="staff")
    login(client, admin)
    assert client.post(f"/admin/users/edit/?id={admin.id}", data=user_edit_form(admin, first_name="Rooty")).status_code == 302
    assert client.post(f"/admin/users/edit/?id={other.id}", data=user_edit_form(other, role="editor")).status_code == 302
    assert user_row(session, admin.id)[1] == "Rooty"
    assert user_row(session, other.id)[2] == "editor"


# --- photo ----------------------------------------------------------------------------------


def test_photo_upload_shows_a_round_avatar(client, admin, make_user, session):
    user = make_user(role="staff", first_name="Pia", last_name="Photo")
    login(client, admin)
    html = html_of(client.get("/admin/users/"))
    assert re.search(r'<span class="bo-avatar bo-avatar-sm bo-initials"[^>]*>PP</span>', html)  # initials first

    data = user_edit_form(user)
    data["photo_upload"] = (io.BytesIO(png()), "me.png")
    response = client.post(f"/admin/users/edit/?id={user.id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, html_of(response)
    assert user_row(session, user.id)[5] == "image/png"

    html = html_of(client.get("/admin/users/"))
    assert f'<img class="bo-avatar bo-avatar-sm" src="/users/{user.id}/photo"' in html
    photo = client.get(f"/users/{user.id}/photo")
    assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(photo.data)).size == (256, 256)
    css = client.get("/static/css/backoffice.css").get_data(as_text=True)
    assert re.search(r"\.bo-avatar\s*\{[^}]*border-radius:\s*50%", css)


def test_non_image_photo_refused_beside_the_field(client, admin, make_user, session):
    user = make_user(role="staff")
    login(client, admin)
    before = user_row(session, user.id)
    data = user_edit_form(user, first_name="Changed")
    data["photo_upload"] = (io.BytesIO(b"MZ\x90\x00 this is not a picture"), "virus.png")
    response = client.post(f"/admin/users/edit/?id={user.id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    html = html_of(response)
    assert "Upload a JPEG, PNG, GIF or WebP image." in html
    assert re.search(r'id="photo_upload".*?Upload a JPEG, PNG, GIF or WebP image\.', html, re.S)
    assert user_row(session, user.id) == before  # the name change was not saved either


def test_photo_is_removed_on_request(client, admin, make_user, session):
    from backoffice.services import users as service

    user = make_user(role="staff")
    service.set_photo(session, None, user, png())
    session.commit()
    login(client, admin)
    client.post(f"/admin/users/edit/?id={user.id}", data=user_edit_form(user, remove_photo="y"))
    assert user_row(session, user.id)[5] is None


# --- delete or deactivate --------------------------------------------------------------------


def test_delete_an_unreferenced_user(client, admin, make_user, session):
    user = make_user(role="staff")
    login(client, admin)
    url = f"/admin/users/remove/?id={user.id}"
    assert client.post(url, data={"confirmation": "delete"}).status_code == 400
    assert user_row(session, user.id) is not None
    assert client.post(url, data={"confirmation": "DELETE"}).status_code == 302
    assert user_row(session, user.id) is None


def test_a_referenced_user_is_deactivated_instead(client, admin, make_user, make_org, session):
    user = make_user(role="customer-admin", first_name="Cia", last_name="Customer")
    session.add(Customer(type="business", organization_id=make_org().id, admin_user_id=user.id))
    session.commit()
    login(client, admin)
    response = client.post(f"/admin/users/remove/?id={user.id}", data={"confirmation": "DELETE"}, follow_redirects=True)
    assert "Cia Customer is referred to by other records, so the account was deactivated instead." in alerts(html_of(response))
    row = user_row(session, user.id)
    assert row is not None and row[3] is False


def test_nobody_deletes_themselves(client, admin, session):
    login(client, admin)
    html = html_of(client.get("/admin/users/"))
    assert f"/admin/users/remove/?id={admin.id}" not in html
    response = client.post(f"/admin/users/remove/?id={admin.id}", data={"confirmation": "DELETE"})
    assert response.status_code == 400 and "You cannot delete yourself." in html_of(response)
    assert user_row(session, admin.id) is not None


# --- list -----------------------------------------------------------------------------------


def test_list_search_and_role_badges(client, admin, make_user):
    make_user(role="editor", first_name="Erik", last_name="Ek", email="erik@example.com")
    make_user(role="guest", first_name="Gustav", last_name="Gran", email="gustav@example.com")
    login(client, admin)
    html = html_of(client.get("/admin/users/"))
    assert "Showing 1–3 of 3 results" in html and "System administrator" in html and "Guest" in html
    html = html_of(client.get("/admin/users/?search=gustav"))
    assert "Gustav Gran" in html and "Erik Ek" not in html
    html = html_of(client.get("/admin/users/?search=ERIK@example"))
    assert "Erik Ek" in html and "Gustav Gran" not in html


# --- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "editor"])
def test_only_admins_manage_users(as_user, make_user, session, role):
    target = make_user(role="staff", first_name="Target")
    client = as_user(role)
    html = html_of(client.get("/admin/users/"))
    assert "Target" in html
    for forbidden in ("/admin/users/new/", "/admin/users/edit/", "/admin/users/remove/", "/admin/users/password/", "Add user"):
        assert forbidden not in html, forbidden
    before = user_row(session, target.id)
    count = session.query(User).count()
    posts = [
        ("/admin/users/new/", {**NEW_USER, "role": "system-admin"}),
        (f"/admin/users/edit/?id={target.id}", user_edit_form(target, role="system-admin")),
        (f"/admin/users/password/?id={target.id}", {"password": "attacker-password"}),
        (f"/admin/users/remove/?id={target.id}", {"confirmation": "DELETE"}),
    ]
    for url, data in posts:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data=data).status_code == 403, url
    assert user_row(session, target.id) == before and session.query(User).count() == count


def test_others_photos_are_not_for_portal_users(as_user, make_user, session):
    from backoffice.services import users as service

    other = make_user(role="staff")
    service.set_photo(session, None, other, png())
    session.commit()
    client = as_user("guest")
    assert client.get(f"/users/{other.id}/photo").status_code == 403


def test_last_sign_in_shown_in_the_list(client, admin, make_user):
    make_user(role="staff", first_name="Never", last_name="Signedin")
    login(client, admin)
    html = html_of(client.get("/admin/users/?sort=1"))  # by e-mail: root@ before user…@
    cells = re.findall(r'<td class="col-last_login_at">(.*?)</td>', html, re.S)
    assert len(cells) == 2
    assert cells[0].strip() and not cells[1].strip()
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", html)  # formatted, not Python's repr
    html = html_of(client.get(f"/admin/users/details/?id={admin.id}"))
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", html)


# --- the role customer-admin (issue 8, finding 10) ------------------------------------------------------
def test_the_users_form_cannot_make_or_unmake_a_customer_admin(client, admin, make_user, session):
    """Finding 10: the role list has no Customer admin; a guest posted as customer-admin stays a guest; a
    customer's admin can't be made an editor or a system administrator, and the form says why beside the role."""
    from tests import factories

    guest = make_user(role="guest", first_name="Gus", last_name="Guest")
    customer = factories.customer(session, name="Kund AB")
    person = customer.admin
    login(client, admin)
    html = html_of(client.get("/admin/users/new/"))
    assert 'value="customer-admin"' not in html
    response = client.post(f"/admin/users/edit/?id={guest.id}", data=user_edit_form(guest, role="customer-admin"))
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert field_error(html_of(response), "role")
    session.expire_all()
    assert session.get(User, guest.id).role == "guest"

    html = html_of(client.get(f"/admin/users/edit/?id={person.id}"))
    assert "A customer admin keeps this role while they administer a customer" in html
    for role in ("editor", "system-admin"):
        response = client.post(f"/admin/users/edit/?id={person.id}", data=user_edit_form(person, role=role))
        assert response.status_code == 400  # refused: the form again (the one save path answers 400)
        assert "customer admin of Kund AB" in field_error(html_of(response), "role")
        session.expire_all()
        assert session.get(User, person.id).role == "customer-admin"


def test_weak_passwords_are_refused_beside_the_field(client, admin, make_user, session):
    """Finding 7: the add form, the edit form and the set-password dialog say why beside the password."""
    login(client, admin)
    response = client.post("/admin/users/new/", data={**NEW_USER, "password": "aaaaaaaaaaaa"})
    assert "repeats characters or a pattern" in field_error(html_of(response), "password")
    user = make_user(first_name="Petra", last_name="Persson", email="petra.persson@example.com")
    before = user_row(session, user.id)
    response = client.post(f"/admin/users/edit/?id={user.id}", data=user_edit_form(user, password="petra.persson"))
    assert "too similar to the name or e-mail address" in field_error(html_of(response), "password")
    response = client.post(f"/admin/users/password/?id={user.id}", data={"password": "password1234"})
    assert "one of the most common ones" in html_of(response)
    assert user_row(session, user.id) == before


def test_user_details_show_the_first_name_and_the_last_name(client, admin, make_user, session):
    """Issue 9: the details showed "Name" (the full name) and "Last name", but no first name."""
    user = make_user(role="staff", first_name="Fredrika", last_name="Förnamn")
    login(client, admin)
    html = html_of(client.get(f"/admin/users/details/?id={user.id}"))
    first = re.search(r"<b>First name</b>\s*</td>\s*<td>\s*(.*?)\s*</td>", html, re.S)
    last = re.search(r"<b>Last name</b>\s*</td>\s*<td>\s*(.*?)\s*</td>", html, re.S)
    assert first and first.group(1) == "Fredrika"
    assert last and last.group(1) == "Förnamn"
