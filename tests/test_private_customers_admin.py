"""Private customers through the test client (issue 11, seed 003): "+ Add customer" asks for the type first;
the private form's errors stay beside its fields; the edit form shows the person; the customer type filter
narrows the list (a chip, kept in the URL, with search, and in "this filtered view"'s CSV); the contacts tab
offers no Remove and no Make primary for the person."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re

import pytest
from sqlalchemy import func, select

from backoffice.models import Contact, Customer
from backoffice.services import contacts as contact_service
from tests.conftest import login
from tests.customer_helpers import customer
from tests.factories import private_customer

BASE = "/admin/customers/"


@pytest.fixture
def sysadmin(client, admin):
    login(client, admin)
    return client


def get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def names(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r'<td class="col-organization">(.*?)</td>', body, re.S)]


def test_add_customer_asks_for_the_type_first(sysadmin):
    chooser = get(sysadmin, BASE + "new/?panel=1")
    assert "What kind of customer do you want to add?" in chooser and "<html" not in chooser
    links = [htmllib.unescape(h) for h in re.findall(r'href="([^"]*type=[^"]*)"', chooser)]
    assert any("type=business" in h for h in links) and any("type=private" in h for h in links)
    private = get(sysadmin, BASE + "new/?type=private&panel=1")
    assert "Add private customer" in private
    for label in ("E-mail", "First name", "Last name", "Phone number", "Customer groups"):
        assert label in private, label
    assert 'name="organization_id"' not in private and 'name="admin_user_id"' not in private
    business = get(sysadmin, BASE + "new/?type=business&panel=1")
    assert 'name="organization_id"' in business and 'name="admin_user_id"' in business
    # without JavaScript the chooser is a page of its own
    assert "<html" in get(sysadmin, BASE + "new/")


def test_create_a_private_customer(sysadmin, session):
    response = sysadmin.post(BASE + "new/?type=private", data={
        "email": "Pia@Example.com", "first_name": "Pia", "last_name": "Privat", "phone": "070 123 45 67",
        "status": "ACTIVE"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    created = session.scalar(select(Customer))
    assert created.type == "private" and created.display_name == "Pia Privat" and created.organization_id is None
    assert "Pia Privat" in names(get(sysadmin, BASE))
    details = get(sysadmin, f"{BASE}details/?id={created.id}")
    assert "Private customer" in details and "Pia@Example.com" in details and "Organization details" not in details


def test_private_form_errors_stay_beside_their_fields_and_nothing_is_saved(sysadmin, session):
    private_customer(session, email="taken@example.com")
    before = session.scalar(select(func.count()).select_from(Customer))
    cases = [
        ({"email": "", "first_name": "A", "last_name": "B"}, "email", "Enter the e-mail address."),
        ({"email": "x@example.com", "first_name": "", "last_name": "B"}, "first_name", "Enter the first name."),
        ({"email": "x@example.com", "first_name": "A", "last_name": ""}, "last_name", "Enter the last name."),
        ({"email": "TAKEN@example.com", "first_name": "A", "last_name": "B"}, "email",
         "A private customer with this e-mail address already exists."),
        ({"email": "x@example.com", "first_name": "A", "last_name": "B", "phone": "12"}, "phone", None),
    ]
    for data, field, message in cases:
        response = sysadmin.post(BASE + "new/?type=private&panel=1", data={"status": "ACTIVE", **data})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (data, response.status_code)
        assert re.search(rf'name="{field}"[^>]*is-invalid|is-invalid[^>]*name="{field}"', page) or \
            re.search(rf'id="{field}"[^>]*class="[^"]*is-invalid', page), (field, page[:3000])
        if message:
            assert message in page
    assert session.scalar(select(func.count()).select_from(Customer)) == before


def test_edit_form_shows_the_person_and_saves_it(sysadmin, session):
    created = private_customer(session, first_name="Pia", last_name="Privat", email="pia@example.com")
    form = get(sysadmin, f"{BASE}edit/?id={created.id}&panel=1")
    assert "Edit private customer" in form and 'value="pia@example.com"' in form
    assert 'name="organization_id"' not in form
    version = re.search(r'name="version"[^>]*value="([^"]*)"', form) or re.search(r'value="([^"]*)"[^>]*name="version"', form)
    response = sysadmin.post(f"{BASE}edit/?id={created.id}", data={
        "email": "pia@example.com", "first_name": "Pia", "last_name": "Persson", "status": "ACTIVE",
        "version": version.group(1)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    assert session.get(Customer, created.id).display_name == "Pia Persson"


def test_filter_by_customer_type_with_a_chip_search_and_the_filtered_csv(sysadmin, session):
    customer(session)
    pia = private_customer(session, first_name="Pia", last_name="Privat")
    private_customer(session, first_name="Anna", last_name="Andersson")
    page = get(sysadmin, BASE + "?customer_type=private")
    assert sorted(names(page)) == ["Anna Andersson", "Pia Privat"]
    assert "Customer type: Private" in page
    chip = [htmllib.unescape(h) for h in re.findall(r'class="badge[^"]*bo-chip" href="([^"]*)"', page)]
    assert chip and all("customer_type" not in h for h in chip)
    assert re.search(r'<option value="private" selected>', page)
    searched = get(sysadmin, BASE + "?customer_type=private&search=pia")
    assert names(searched) == ["Pia Privat"]
    # the other filters' forms keep it; sort keeps it
    assert 'name="customer_type" value="private"' in searched
    business = get(sysadmin, BASE + "?customer_type=business")
    assert len(names(business)) == 1 and "Pia Privat" not in names(business)
    csv_link = htmllib.unescape(re.search(r'class="dropdown-item bo-csv-view" href="([^"]*)"', page).group(1))
    assert "customer_type=private" in csv_link
    data = sysadmin.get(csv_link).get_data()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=","))
    assert rows[0][:2] == ["Name", "Customer type"]
    assert sorted(r[0] for r in rows[1:]) == ["Anna Andersson", "Pia Privat"] and {r[1] for r in rows[1:]} == {"Private"}
    everything = list(csv.reader(io.StringIO(sysadmin.get("/admin/customers/export/customers.csv").get_data().decode("utf-8-sig"))))
    assert len(everything) == 4
    assert pia.id


def test_the_contacts_tab_offers_no_remove_or_make_primary_for_the_person(sysadmin, session):
    created = private_customer(session, first_name="Pia", last_name="Privat")
    other = contact_service.add_contact(session, None, created, first_name="Olle")
    session.commit()
    person = contact_service.person_of(session, created)
    tab = get(sysadmin, f"/admin/customers/contacts/?id={created.id}")
    assert f"/admin/customers/contacts/remove/?id={person.id}" not in tab
    assert f"/admin/customers/contacts/remove/?id={other.id}" in tab
    assert "/admin/customers/contacts/primary/" not in tab
    refused = sysadmin.post(f"/admin/customers/contacts/remove/?id={person.id}", data={})
    assert refused.status_code in (200, 400)
    assert "it can be edited, not removed" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Contact).where(Contact.id == person.id)) == 1
    edit = get(sysadmin, f"/admin/customers/contacts/edit/?id={person.id}&panel=1")
    assert "stays its primary contact" in edit and 'name="is_primary"' not in edit


def test_recover_a_private_customer_needs_no_admin(sysadmin, session):
    created = private_customer(session, deleted=True)
    dialog = get(sysadmin, f"{BASE}recover/?id={created.id}&modal=1")
    assert 'name="admin_user_id"' not in dialog
    response = sysadmin.post(f"{BASE}recover/?id={created.id}", data={})
    assert response.status_code in (302, 200)
    session.expire_all()
    assert session.get(Customer, created.id).deleted_at is None
