"""/admin/location-groups/ (issue 11, fields): the managed list of location groups, shaped as the contact roles
page — list with each group's number of customers linking to the filtered customers list, add, rename
(versioned: a stale save shows the conflict), delete (refused with the service's message while customers are
in the group), permissions as contact roles (settings.edit), and the menu link beside Contact roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.models import Customer, LocationGroup
from backoffice.services import location_groups as service
from tests import factories
from tests.conftest import login

BASE = "/admin/location-groups/"


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", email="editor@example.com")


def _group(session, name):
    session.expire_all()
    return session.scalar(select(LocationGroup).where(LocationGroup.name == name))


def test_only_who_changes_the_register_settings_manages_the_list(client, session, admin, editor):
    login(client, editor)
    assert client.get(BASE).status_code == 403
    assert client.post(f"{BASE}new/", data={"name": "North"}).status_code == 403
    assert _group(session, "North") is None
    assert "/admin/location-groups/" not in client.get("/admin/").get_data(as_text=True)
    client.post("/logout")
    login(client, admin)
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/location-groups/"' in html and 'href="/admin/contact-roles/"' in html


def test_add_rename_and_delete_a_location_group(client, session, admin):
    login(client, admin)
    assert "No location groups yet." in client.get(BASE).get_data(as_text=True)
    assert client.post(f"{BASE}new/", data={"name": " North "}).status_code == 302
    north = _group(session, "North")
    assert north is not None and "North" in client.get(BASE).get_data(as_text=True)
    taken = client.post(f"{BASE}new/?panel=1", data={"name": "north"})
    assert taken.status_code == 400 and "A location group with this name already exists." in taken.get_data(as_text=True)
    empty = client.post(f"{BASE}new/?panel=1", data={"name": "   "})
    assert empty.status_code == 400
    assert session.scalar(select(LocationGroup.id).where(LocationGroup.name != "North")) is None

    form = client.get(f"{BASE}edit/?id={north.id}&panel=1").get_data(as_text=True)
    assert 'value="North"' in form and 'name="version"' in form
    assert client.post(f"{BASE}edit/?id={north.id}", data={"name": "Norra", "version": str(north.version)}).status_code == 302
    assert _group(session, "Norra").id == north.id

    dialog = client.get(f"{BASE}delete/?id={north.id}&modal=1").get_data(as_text=True)
    assert "Delete location group Norra?" in dialog
    assert client.post(f"{BASE}delete/?id={north.id}").status_code == 302
    assert session.get(LocationGroup, north.id) is None
    assert "Location group Norra was deleted." in client.get(BASE).get_data(as_text=True)


def test_a_stale_rename_shows_what_is_stored_now_and_saves_nothing(client, session, admin):
    north = service.create(session, None, "North")
    session.commit()
    opened = north.version
    service.rename(session, None, north, "Norr", expected_version=opened)
    session.commit()
    login(client, admin)
    stale = client.post(f"{BASE}edit/?id={north.id}&panel=1", data={"name": "Nord", "version": str(opened)})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and 'data-conflict-now="name"' in html and "Norr" in html
    assert _group(session, "Norr") is not None and _group(session, "Nord") is None


def test_each_row_counts_its_customers_and_links_to_the_filtered_list(client, session, admin):
    north, south = service.create(session, None, "North"), service.create(session, None, "South")
    for name in ("Alfa AB", "Beta AB"):
        factories.customer(session, name=name).location_group_id = north.id
    factories.customer(session, name="Gamma AB")
    session.commit()
    login(client, admin)
    html = client.get(BASE).get_data(as_text=True)
    row = html[html.index(f'data-location-group="{north.id}"'):]
    row = row[:row.index("</tr>")]
    assert f'href="/admin/customers/?location_group={north.id}"' in row and ">2</a>" in row
    other = html[html.index(f'data-location-group="{south.id}"'):]
    assert ">0</a>" in other[:other.index("</tr>")]
    listed = client.get(f"/admin/customers/?location_group={north.id}").get_data(as_text=True)
    assert "Alfa AB" in listed and "Beta AB" in listed and "Gamma AB" not in listed


def test_a_group_in_use_is_not_deleted_and_the_dialog_says_why(client, session, admin):
    north = service.create(session, None, "North")
    factories.customer(session, name="Alfa AB").location_group_id = north.id
    session.commit()
    login(client, admin)
    refused = client.post(f"{BASE}delete/?id={north.id}&modal=1")
    assert refused.status_code == 400
    assert "1 customers are in this location group: move them to another one first." in refused.get_data(as_text=True)
    assert _group(session, "North") is not None
    assert session.scalar(select(Customer.location_group_id).where(Customer.location_group_id.is_not(None))) == north.id


def test_bad_ids_are_404_not_500(client, admin):
    login(client, admin)
    for url in (f"{BASE}edit/?id=999999", f"{BASE}delete/?id=abc", f"{BASE}edit/?id=-1"):
        assert client.get(url).status_code in (400, 404), url
