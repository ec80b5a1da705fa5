"""No state change by GET; forms accept only their declared fields; uploads are checked and served safely."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from backoffice.models import Organization, User
from tests.conftest import login
from tests.security_helpers import fresh_client

HOSTILE = {
    "role": "system-admin",
    "active": "",
    "deleted_at": "2020-01-01 00:00:00",
    "password_hash": "pbkdf2:sha256:1$x$y",
    "session_version": "99",
    "must_change_password": "y",
    "photo_mime": "text/html",
    "org_number_key": "HIJACK",
    "id": "999",
    "created_at": "2000-01-01 00:00:00",
}


def snapshot(session, model, id_, *names):
    session.expire_all()
    obj = session.get(model, id_)
    return {name: getattr(obj, name) for name in names}


# --- no state change by GET ---------------------------------------------------------------------


def test_get_logout_only_asks(app, make_user):
    user = make_user()
    client = fresh_client(app)
    login(client, user)
    page = client.get("/logout")
    assert page.status_code == 200
    assert 'method="post" action="/logout"' in page.get_data(as_text=True)
    assert client.get("/profile").status_code == 200  # still signed in
    assert client.post("/logout").status_code == 302
    assert client.get("/profile").status_code == 302


def test_language_switch_is_post_only(client, make_user, session):
    user = make_user(language="en")
    login(client, user)
    assert client.get("/language?language=sv").status_code == 405
    with client.session_transaction() as sess:
        assert sess.get("language") != "sv"
    assert snapshot(session, User, user.id, "language") == {"language": "en"}
    assert client.post("/language", data={"language": "sv"}).status_code == 302
    assert snapshot(session, User, user.id, "language") == {"language": "sv"}


def test_get_of_every_dialog_changes_nothing(client, admin, make_user, make_org, session):
    login(client, admin)
    org, deleted = make_org(), make_org()
    client.post(f"/admin/organizations/soft-delete/?id={deleted.id}", data={"confirmation": "DELETE"})
    user = make_user()
    before_orgs = snapshot(session, Organization, org.id, "deleted_at", "name"), snapshot(
        session, Organization, deleted.id, "deleted_at", "name"
    )
    assert before_orgs[1]["deleted_at"] is not None
    before_user = snapshot(session, User, user.id, "password_hash", "session_version", "active", "must_change_password")
    for url in (
        f"/admin/organizations/soft-delete/?id={org.id}&confirmation=DELETE",
        f"/admin/organizations/recover/?id={deleted.id}",
        f"/admin/organizations/purge/?id={deleted.id}&confirmation=DELETE",
        f"/admin/users/remove/?id={user.id}&confirmation=DELETE",
        f"/admin/users/password/?id={user.id}&password=changed-by-get-123",
        f"/admin/users/sign-out/?id={user.id}",
    ):
        for modal in ("", "&modal=1"):
            assert client.get(url + modal).status_code == 200, url
    after_orgs = snapshot(session, Organization, org.id, "deleted_at", "name"), snapshot(
        session, Organization, deleted.id, "deleted_at", "name"
    )
    assert after_orgs == before_orgs
    assert snapshot(session, User, user.id, *before_user) == before_user


# --- only declared fields -------------------------------------------------------------------------


def test_profile_form_ignores_undeclared_fields(client, make_user, session):
    user = make_user(role="staff")
    login(client, user)
    fields = ("role", "active", "password_hash", "session_version", "must_change_password", "email", "photo_mime")
    before = snapshot(session, User, user.id, *fields)
    response = client.post(
        "/profile", data={**HOSTILE, "email": "new@example.com", "first_name": "Changed", "last_name": "Name", "language": "en"}
    )
    assert response.status_code == 302
    assert snapshot(session, User, user.id, *fields) == before
    assert snapshot(session, User, user.id, "first_name") == {"first_name": "Changed"}


def test_user_edit_form_ignores_undeclared_fields(client, admin, make_user, session):
    login(client, admin)
    user = make_user(role="staff")
    fields = ("password_hash", "session_version", "must_change_password", "photo_mime", "created_at", "id")
    before = snapshot(session, User, user.id, *fields)
    data = {**HOSTILE, "first_name": "Edited", "last_name": user.last_name, "email": user.email, "language": "en"}
    data.update(role="staff", active="y", version=str(user.version))
    response = client.post(f"/admin/users/edit/?id={user.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert snapshot(session, User, user.id, *fields) == before
    assert snapshot(session, User, user.id, "first_name", "role", "active") == {
        "first_name": "Edited",
        "role": "staff",
        "active": True,
    }


def test_organization_forms_ignore_undeclared_fields(client, admin, session):
    login(client, admin)
    response = client.post("/admin/organizations/new/", data={**HOSTILE, "name": "Declared AB", "org_number": "556600-1110"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    session.expire_all()
    org = session.scalar(select(Organization).where(Organization.name == "Declared AB"))
    assert org.deleted_at is None
    assert org.org_number_key == "5566001110"
    assert org.id != 999
    created_at = org.created_at
    response = client.post(
        f"/admin/organizations/edit/?id={org.id}",
        data={**HOSTILE, "name": "Declared Two AB", "org_number": "556600-1110", "version": str(org.version)},
    )
    assert response.status_code == 302
    after = snapshot(session, Organization, org.id, "name", "deleted_at", "org_number_key", "created_at")
    assert after == {"name": "Declared Two AB", "deleted_at": None, "org_number_key": "5566001110", "created_at": created_at}


# --- uploads ----------------------------------------------------------------------------------------


def image_bytes(kind: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def upload_photo(client, user, data: bytes, filename: str):
    form = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": "en",
        "role": user.role,
        "active": "y",
        "version": str(user.version),
        "photo_upload": (io.BytesIO(data), filename),
    }
    return client.post(f"/admin/users/edit/?id={user.id}", data=form, content_type="multipart/form-data")


@pytest.fixture
def admin_client(client, admin):
    login(client, admin)
    return client


@pytest.mark.parametrize(
    ("kind", "filename", "served_as"),
    [("PNG", "me.png", "image/png"), ("JPEG", "me.jpg", "image/jpeg"), ("GIF", "me.gif", "image/png"), ("PNG", "me.html", "image/png")],
)
def test_photos_are_re_encoded_and_served_as_images(admin_client, make_user, session, kind, filename, served_as):
    user = make_user()
    response = upload_photo(admin_client, user, image_bytes(kind), filename)
    assert response.status_code == 302
    photo = admin_client.get(f"/users/{user.id}/photo")
    assert photo.status_code == 200
    assert photo.headers["Content-Type"] == served_as
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(photo.data)).format == ("JPEG" if served_as == "image/jpeg" else "PNG")


@pytest.mark.parametrize(
    "payload",
    [
        b"<html><body><script>alert(document.cookie)</script></body></html>",
        b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",  # a PNG signature followed by HTML
        b"GIF89a<svg onload=alert(1)>",
        b"",
    ],
)
def test_non_images_named_png_are_refused(admin_client, make_user, session, payload):
    user = make_user()
    response = upload_photo(admin_client, user, payload, "innocent.png")
    assert response.status_code in (400, 302)  # refused: the form again (the one save path answers 400)
    session.expire_all()
    stored = session.get(User, user.id)
    if payload:
        assert "Upload a JPEG, PNG, GIF or WebP image." in response.get_data(as_text=True)
    assert stored.photo is None and stored.photo_mime is None
    assert admin_client.get(f"/users/{user.id}/photo").status_code == 404


def test_a_stored_photo_is_never_served_as_html(admin_client, make_user, session):
    user = make_user()
    stored = session.get(User, user.id)
    stored.photo, stored.photo_mime = b"<script>alert(1)</script>", "text/html"  # a tampered row
    session.commit()
    response = admin_client.get(f"/users/{user.id}/photo")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "html" not in response.headers["Content-Type"]


def test_a_photo_over_the_photo_limit_is_refused_beside_the_form(admin_client, make_user, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 1024)
    user = make_user()
    response = upload_photo(admin_client, user, image_bytes("PNG", (600, 600)) + b"\0" * 2048, "big.png")
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert "The photo must be at most" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user.id).photo is None


def test_a_request_over_max_content_length_gets_a_clean_413_page(admin_client, make_user, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    user = make_user()
    response = upload_photo(admin_client, user, b"\0" * (100 * 1024), "huge.png")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The upload is too large. The most you can send at once is 1 MB." in html
    assert 'class="text-center py-5 bo-error"' in html  # the app's error page
    session.expire_all()
    assert session.get(User, user.id).photo is None
