"""Saved views of the customers list through the test client (issue 11): the "Saved views" menu beside
the quick filters, "Save this view…" (the dialog, errors beside the field, "Share with everyone" only for
who may share), opening a view restores the list's URL (and says when its group was deleted), the active
view is marked, rename (a conflict of names beside the field) and delete (the owner's only), another user
sees the shared views but not the private ones, and POSTs need the CSRF token."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from backoffice.models import SavedView
from backoffice.services import customer_groups as groups
from backoffice.services import saved_views as service
from tests.conftest import csrf_token_from, login
from tests.customer_helpers import filter_register
from tests.test_customer_filters_admin import rows

BASE = "/admin/customers/"
VIEWS = "/admin/customers/views/"


@pytest.fixture
def register(session):
    return filter_register(session)


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", email="eda@example.com", first_name="Eda", last_name="Editor")


@pytest.fixture
def staff(make_user):
    return make_user(role="staff", email="sten@example.com", first_name="Sten", last_name="Staff")


def get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


def menu(page: str) -> str:
    return page.split('class="dropdown mr-3 mb-2 bo-saved-views"', 1)[1].split("</nav>", 1)[0].split(
        'class="form-inline', 1)[0]


def menu_names(page: str) -> list[str]:
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", m).strip())
            for m in re.findall(r'<a class="dropdown-item flex-grow-1[^"]*" href="[^"]*"[^>]*>(.*?)</a>', menu(page), re.S)]


def save_url(page: str) -> str:
    return htmllib.unescape(re.search(r'<a class="dropdown-item bo-save-view" href="([^"]+)"', page).group(1))


def views(session) -> list[tuple]:
    session.expire_all()
    return [(v.name, v.params, v.shared) for v in session.scalars(select(SavedView).order_by(SavedView.id))]


def test_save_the_current_view_and_open_it_again(client, admin, register, session):
    _made, key, _other = register
    login(client, admin)
    page = get(client, f"{BASE}?search=al&status=active&group={key.id}&sort=0&desc=1")
    assert rows(page) == ["Alfa AB"]
    assert "No saved views yet." in menu(page)
    link = save_url(page)
    assert query(link) == {"search": "al", "status": "active", "group": str(key.id), "sort": "0", "desc": "1"}
    dialog = get(client, link + "&modal=1")
    assert "Save this view" in dialog and 'name="shared"' in dialog  # a system administrator may share
    response = client.post(link, data={"name": "  Key actives  ", "shared": "y"})
    assert response.status_code == 302
    assert query(response.location) == query(link)  # back to the same list, now a saved view
    assert views(session) == [("Key actives", {"search": "al", "status": "active", "group": key.id, "sort": 0,
                                                "desc": True}, True)]
    page = get(client, response.location)
    assert "The view Key actives was saved." in page
    assert menu_names(page) == ["Key actives Shared"]
    assert 'aria-current="true">Key actives' in menu(page)  # the URL equals the view: marked
    assert "Saved views: Key actives" in menu(page)

    cleared = get(client, BASE)
    assert rows(cleared) == ["Albin AB", "Alfa AB", "Alfons AB", "Beta AB", "Delta AB", "Gamma AB"]
    assert 'aria-current="true">Key actives' not in menu(cleared)
    opened = client.get(f"{VIEWS}?id={session.scalar(select(SavedView.id))}")
    assert opened.status_code == 302 and opened.location.startswith(BASE)
    assert query(opened.location) == query(link)  # opening restores the URL
    assert rows(get(client, opened.location)) == ["Alfa AB"]


def test_the_dialog_says_what_is_wrong_beside_the_name(client, editor, register, session):
    login(client, editor)
    service.save(session, editor, "Mine", {"status": "inactive"})
    session.commit()
    for name, message in (("", "Enter a name."), ("mine", "You already have a saved view with this name."),
                          ("x" * 101, "At most 100 characters (you typed 101).")):
        response = client.post(f"{VIEWS}save/?status=active&modal=1", data={"name": name})
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert re.search(r'<div class="invalid-feedback" id="name-error">' + re.escape(message) + "</div>", body), body
    assert [v[0] for v in views(session)] == ["Mine"]
    response = client.post(f"{VIEWS}save/?status=active&modal=1", data={"name": "Actives"})
    assert response.status_code == 200 and query(response.headers["X-Redirect"]) == {"status": "active"}


def test_sharing_needs_the_permission_on_the_server(client, staff, register, session):
    login(client, staff)
    dialog = get(client, f"{VIEWS}save/?status=active&modal=1")
    assert 'name="shared"' not in dialog  # the checkbox only for who may share
    response = client.post(f"{VIEWS}save/?status=active", data={"name": "Mine", "shared": "y"})
    assert response.status_code == 302
    assert views(session) == [("Mine", {"status": "active"}, False)]  # a posted "shared" is ignored


def test_unknown_and_hostile_params_are_not_saved(client, admin, register, session):
    login(client, admin)
    response = client.post(f"{VIEWS}save/?status=nope&group=abc&sort=x&desc=2&page=3&evil=1&search=%00", data={"name": "Odd"})
    assert response.status_code == 302
    assert views(session) == [("Odd", {"group": 0}, False)]  # a group that can't exist: the list says so


def test_another_user_sees_the_shared_view_but_not_the_private_one(client, admin, staff, register, session):
    shared = service.save(session, admin, "Everyone's", {"status": "active"}, shared=True)
    private = service.save(session, admin, "Admin only", {"status": "deleted"})
    session.commit()
    login(client, staff)
    page = get(client, BASE)
    assert menu_names(page) == ["Everyone's Shared"]
    assert "Rename" not in menu(page) and "Delete" not in menu(page)  # not the owner
    assert client.get(f"{VIEWS}?id={shared.id}").status_code == 302
    refused = client.get(f"{VIEWS}?id={private.id}", follow_redirects=True).get_data(as_text=True)
    assert "This saved view no longer exists." in refused


def test_rename_with_a_name_conflict_then_done(client, editor, register, session):
    first = service.save(session, editor, "First", {"status": "active"})
    service.save(session, editor, "Second", {"status": "inactive"})
    session.commit()
    login(client, editor)
    page = get(client, BASE)
    rename = htmllib.unescape(re.search(r'href="([^"]*/views/rename/[^"]*)"', menu(page)).group(1))
    dialog = get(client, rename + "&modal=1")
    assert 'value="First"' in dialog and "Rename saved view First" in dialog
    version = re.search(r'name="version"[^>]*value="(\d+)"', dialog).group(1)
    response = client.post(rename, data={"name": "second", "version": version})
    assert response.status_code == 400
    assert "You already have a saved view with this name." in response.get_data(as_text=True)
    response = client.post(rename, data={"name": "Actives", "version": version})
    assert response.status_code == 302 and response.location == BASE
    assert [v[0] for v in views(session)] == ["Actives", "Second"]
    assert "The view First is now called Actives." in get(client, BASE)
    stale = client.post(f"{VIEWS}rename/?id={first.id}", data={"name": "Stale", "version": version},
                        follow_redirects=True)
    assert [v[0] for v in views(session)] == ["Actives", "Second"] and stale.status_code == 400


def test_delete_own_view_with_confirmation(client, editor, register, session):
    view = service.save(session, editor, "Gone soon", {"status": "active"})
    session.commit()
    login(client, editor)
    dialog = get(client, f"{VIEWS}delete/?id={view.id}&modal=1")
    assert "Delete saved view Gone soon?" in dialog and "The customers it shows are kept." in dialog
    response = client.post(f"{VIEWS}delete/?id={view.id}&url=/admin/customers/?status=active")
    assert response.status_code == 302 and response.location == "/admin/customers/?status=active"
    assert views(session) == []
    assert "The saved view Gone soon was deleted." in get(client, response.location)


def test_nobody_renames_or_deletes_someone_else_s_view(client, admin, editor, register, session):
    view = service.save(session, admin, "Admin's", {"status": "active"}, shared=True)
    session.commit()
    login(client, editor)
    for action in ("rename", "delete"):
        for method in ("get", "post"):
            response = getattr(client, method)(f"{VIEWS}{action}/?id={view.id}", data={"name": "Mine"})
            assert response.status_code == 302 and response.location == BASE
    page = get(client, BASE)
    assert "Only the owner can" in page
    assert views(session) == [("Admin's", {"status": "active"}, True)]


def test_a_view_naming_a_deleted_group_says_so(client, editor, register, session):
    _made, key, _other = register
    view = service.save(session, editor, "Key", {"group": key.id})
    session.commit()
    groups.delete_group(session, None, key)
    session.commit()
    login(client, editor)
    response = client.get(f"{VIEWS}?id={view.id}")
    assert query(response.location) == {"group": str(key.id)}
    page = get(client, response.location)
    assert "This saved view names a customer group that has been deleted" in page
    assert rows(page) == []  # not silently every customer


def test_posts_need_the_csrf_token(app, client, editor, register, session):
    login(client, editor)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"{VIEWS}save/?status=active", data={"name": "No token"}).status_code == 400
        assert views(session) == []
        token = csrf_token_from(get(client, f"{VIEWS}save/?status=active"))
        response = client.post(f"{VIEWS}save/?status=active", data={"name": "Token", "csrf_token": token})
        assert response.status_code == 302 and [v[0] for v in views(session)] == ["Token"]
        view_id = session.scalar(select(SavedView.id))
        assert client.post(f"{VIEWS}delete/?id={view_id}", data={}).status_code == 400
        assert client.post(f"{VIEWS}rename/?id={view_id}", data={"name": "X"}).status_code == 400
        assert [v[0] for v in views(session)] == ["Token"]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
