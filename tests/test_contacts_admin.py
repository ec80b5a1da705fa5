"""The Contacts tab of a customer's page (issue 10): tabs, add / edit / make primary / remove through the
side panel and a named dialog, permissions (customers.view to see, customers.edit to change), bad ids,
a deleted customer's contacts read-only, and the contact roles page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.models import Contact, ContactRole
from backoffice.services import contacts as service
from tests import factories
from tests.conftest import login


@pytest.fixture
def customer(session):
    return factories.customer(session, name="Bergdata AB")


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", email="editor@example.com")


def _contacts(session, customer):
    session.expire_all()
    return {c.full_name: c for c in session.scalars(select(Contact).where(Contact.customer_id == customer.id))}


def test_the_customer_page_has_overview_contacts_and_timeline_tabs(client, customer, editor):
    login(client, editor)
    html = client.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    tabs = [t for t in ("Overview", "Contacts", "Timeline", "Documents") if f">{t}</a>" in html]
    assert tabs == ["Overview", "Contacts", "Timeline"]
    assert html.index(">Overview</a>") < html.index(">Contacts</a>") < html.index(">Timeline</a>")
    page = client.get(f"/admin/customers/contacts/?id={customer.id}")
    assert page.status_code == 200 and "No contacts yet." in page.get_data(as_text=True)
    assert 'aria-current="page">Contacts</a>' in page.get_data(as_text=True)


def test_add_edit_and_remove_a_contact(client, session, customer, editor):
    role = service.create_role(session, None, "Site contact")
    session.commit()
    login(client, editor)
    form = client.get(f"/admin/customers/contacts/new/?customer={customer.id}&panel=1")
    assert form.status_code == 200 and "Send service protocol" in form.get_data(as_text=True)
    done = client.post(f"/admin/customers/contacts/new/?customer={customer.id}", data={
        "first_name": "Anna", "last_name": "Berg", "title": "CEO", "role_id": str(role.id), "email": "anna@example.com",
        "phone": "08-123 456 78", "language": "sv", "send_service_protocol": "y", "is_primary": "y"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Contact Anna Berg was added." in page and "anna@example.com" in page and "Site contact · CEO" in page
    anna = _contacts(session, customer)["Anna Berg"]
    assert anna.is_primary and anna.language == "sv" and anna.send_service_protocol and not anna.send_work_orders

    edit = client.get(f"/admin/customers/contacts/edit/?id={anna.id}").get_data(as_text=True)
    assert 'value="CEO"' in edit and f'name="version" type="hidden" value="{anna.version}"' in edit
    saved = client.post(f"/admin/customers/contacts/edit/?id={anna.id}", data={
        "first_name": "Anna", "last_name": "Berg-Ek", "title": "CFO", "role_id": "", "email": "", "phone": "",
        "language": "", "is_primary": "y", "version": str(anna.version)})
    assert saved.status_code == 302
    anna = _contacts(session, customer)["Anna Berg-Ek"]
    assert anna.title == "CFO" and anna.role_id is None and anna.email is None

    stale = client.post(f"/admin/customers/contacts/edit/?id={anna.id}", data={
        "first_name": "Anna", "title": "CTO", "version": "1"})
    assert stale.status_code == 409 and _contacts(session, customer)["Anna Berg-Ek"].title == "CFO"

    dialog = client.get(f"/admin/customers/contacts/remove/?id={anna.id}&modal=1").get_data(as_text=True)
    assert "Remove contact Anna Berg-Ek?" in dialog
    removed = client.post(f"/admin/customers/contacts/remove/?id={anna.id}")
    assert removed.status_code == 302 and removed.headers["Location"].endswith(f"/admin/customers/contacts/?id={customer.id}")
    assert "Contact Anna Berg-Ek was removed." in client.get(removed.headers["Location"]).get_data(as_text=True)
    assert _contacts(session, customer) == {}


def test_a_refused_contact_shows_the_message_beside_the_field(client, session, customer, editor):
    login(client, editor)
    refused = client.post(f"/admin/customers/contacts/new/?customer={customer.id}", data={
        "first_name": "Anna", "email": "not-an-address", "language": "xx", "role_id": "abc"})
    assert refused.status_code == 400
    assert _contacts(session, customer) == {}
    refused = client.post(f"/admin/customers/contacts/new/?customer={customer.id}", data={
        "first_name": "Anna", "email": "not-an-address"})
    assert refused.status_code == 400 and "Enter a valid e-mail address." in refused.get_data(as_text=True)


def test_make_primary_moves_the_badge(client, session, customer, editor):
    anna = service.add_contact(session, None, customer, first_name="Anna", is_primary=True)
    bo = service.add_contact(session, None, customer, first_name="Bo")
    session.commit()
    login(client, editor)
    assert client.post(f"/admin/customers/contacts/primary/?id={bo.id}").status_code == 302
    contacts = _contacts(session, customer)
    assert contacts["Bo"].is_primary and not contacts["Anna"].is_primary
    html = client.get(f"/admin/customers/contacts/?id={customer.id}").get_data(as_text=True)
    row_bo = html[html.index('data-contact="Bo"'):]
    assert "Primary" in row_bo[:row_bo.index("</tr>")]
    assert anna.id  # (the other contact stays, no longer primary)


def test_staff_see_contacts_but_cant_change_them(client, session, customer, make_user):
    contact = service.add_contact(session, None, customer, first_name="Anna")
    session.commit()
    login(client, make_user(role="staff"))
    page = client.get(f"/admin/customers/contacts/?id={customer.id}")
    assert page.status_code == 200 and "Anna" in page.get_data(as_text=True)
    assert "Add contact" not in page.get_data(as_text=True)
    for url in (f"/admin/customers/contacts/new/?customer={customer.id}", f"/admin/customers/contacts/edit/?id={contact.id}",
                f"/admin/customers/contacts/remove/?id={contact.id}"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data={"first_name": "X"}).status_code == 403, url
    assert client.post(f"/admin/customers/contacts/primary/?id={contact.id}").status_code == 403
    assert _contacts(session, customer)["Anna"].first_name == "Anna"


def test_bad_ids_are_404(client, customer, editor):
    login(client, editor)
    for url in ("/admin/customers/contacts/?id=999999", "/admin/customers/contacts/?id=abc",
                "/admin/customers/contacts/new/?customer=999999", "/admin/customers/contacts/edit/?id=999999",
                "/admin/customers/contacts/remove/?id=-1", "/admin/customers/contacts/edit/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/admin/customers/contacts/primary/?id=999999").status_code == 404


def test_a_deleted_customers_contacts_are_read_only(client, session, editor):
    gone = factories.customer(session, name="Borta AB")
    contact = service.add_contact(session, None, gone, first_name="Anna")
    session.commit()
    from backoffice.services import customers

    customers.soft_delete_customer(session, None, gone)
    session.commit()
    login(client, editor)
    page = client.get(f"/admin/customers/contacts/?id={gone.id}").get_data(as_text=True)
    assert "Anna" in page and "Add contact" not in page and ">Edit</a>" not in page
    assert client.post(f"/admin/customers/contacts/new/?customer={gone.id}", data={"first_name": "Bo"}).status_code == 302
    assert client.post(f"/admin/customers/contacts/remove/?id={contact.id}").status_code == 302
    assert sorted(_contacts(session, gone)) == ["Anna"]


def test_the_system_admin_edits_the_contact_roles(client, session, admin, editor):
    login(client, editor)
    assert client.get("/admin/contact-roles/").status_code == 403
    client.get("/logout")
    client.post("/logout")
    login(client, admin)
    assert client.post("/admin/contact-roles/new/", data={"name": "Site contact"}).status_code == 302
    role = session.scalars(select(ContactRole).where(ContactRole.name == "Site contact")).one()
    assert "Site contact" in client.get("/admin/contact-roles/").get_data(as_text=True)
    assert client.post("/admin/contact-roles/new/", data={"name": "site contact"}).status_code == 400
    assert client.post(f"/admin/contact-roles/edit/?id={role.id}", data={"name": "Site manager", "version": str(role.version)}).status_code == 302
    session.expire_all()
    assert session.get(ContactRole, role.id).name == "Site manager"
    assert client.post(f"/admin/contact-roles/delete/?id={role.id}").status_code == 302
    assert session.get(ContactRole, role.id) is None
