"""Customer links through the admin: add and remove from the customer page, permissions, forged input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.models import CustomerLink
from tests import factories
from tests.conftest import login


@pytest.fixture
def customer(session):
    return lambda **kw: factories.customer(session, **kw)


def count(session):
    return session.scalar(select(func.count()).select_from(CustomerLink))


def url(customer, tail=""):
    return f"/admin/customers/links/{customer.id}/{tail}"


def details(client, customer):
    """The customer's Contacts tab: the one place the links are shown (not the Overview)."""
    return client.get(f"/admin/customers/contacts/?id={customer.id}").get_data(as_text=True)


def overview(client, customer):
    return client.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)


def linked(client, customer) -> str:
    """The text of the page's list of links ('' when there is none; the add form's options are not in it)."""
    html = details(client, customer)
    if '<ul class="list-unstyled mb-2" aria-label="Linked customers">' not in html:
        return ""
    return " ".join(html.split('aria-label="Linked customers">', 1)[1].split("</ul>", 1)[0].split())


def test_editor_links_from_one_page_and_both_pages_show_it_then_removes_it(as_user, customer, session):
    parent, child = customer(name="Moder AB"), customer(name="Dotter AB")
    client = as_user("editor")
    assert "Add link" in details(client, parent)
    response = client.post(url(parent, "add/"), data={"relation": "parent_of", "other_customer": str(child.id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/customers/contacts/?id={parent.id}")  # back to the tab
    assert count(session) == 1
    assert "Linked customers" not in overview(client, parent)  # on the Contacts tab only
    assert "Parent company of" in linked(client, parent) and "Dotter AB" in linked(client, parent)
    assert "Subsidiary of" in linked(client, child) and "Moder AB" in linked(client, child)
    link = session.scalars(select(CustomerLink)).one()
    dialog = client.get(url(child, f"remove/{link.id}/?modal=1"))
    assert dialog.status_code == 200 and "removed for both customers" in dialog.get_data(as_text=True)
    removed = client.post(url(child, f"remove/{link.id}/"))
    assert removed.status_code == 302
    assert removed.headers["Location"].endswith(f"/admin/customers/contacts/?id={child.id}")
    assert count(session) == 0
    assert linked(client, child) == "" and linked(client, parent) == ""
    assert "not linked to any other customer yet" in details(client, parent)


def test_staff_sees_links_but_cant_change_them(as_user, customer, session, admin):
    from backoffice.services import customer_links

    a, b = customer(name="Alfa AB"), customer(name="Beta AB")
    client = as_user("staff")
    link = customer_links.add_link(session, admin, a, b, "partner")
    session.commit()
    assert "Partner of" in linked(client, a) and "Beta AB" in linked(client, a)
    assert "Add link" not in details(client, a)
    assert client.get(url(a)).status_code == 200
    assert client.post(url(a, "add/"), data={"relation": "partner", "other_customer": str(b.id)}).status_code == 403
    assert client.get(url(a, "lookup?q=Be")).status_code == 403
    assert client.post(url(a, f"remove/{link.id}/")).status_code == 403
    assert count(session) == 1


def test_signed_out_and_guest_are_refused(client, customer, make_user):
    a = customer()
    response = client.get(url(a))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, make_user(role="customer-admin"))
    assert client.get(url(a)).status_code == 403


def test_forged_and_refused_choices_get_a_message_beside_the_field(as_user, customer, session):
    a, b = customer(name="Alfa AB"), customer(name="Beta AB")
    sleeping = customer(name="Sovande AB", status="INACTIVE")
    client = as_user("editor")
    cases = [
        ({"relation": "partner", "other_customer": str(sleeping.id)}, "not active"),
        ({"relation": "partner", "other_customer": str(a.id)}, "linked to itself"),
        ({"relation": "partner", "other_customer": "999999"}, "Choose a customer account"),
        ({"relation": "partner", "other_customer": "1 OR 1=1"}, "Choose a customer account"),
        ({"relation": "cousin", "other_customer": str(b.id)}, "Choose how the customers are linked"),
        ({"relation": "other", "other_customer": str(b.id), "note": "x" * 201}, "At most 200 characters"),
    ]
    for data, message in cases:
        response = client.post(url(a, "add/"), data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert count(session) == 0


def test_a_duplicate_from_the_other_side_is_refused(as_user, customer, session):
    a, b = customer(name="Alfa AB"), customer(name="Beta AB")
    client = as_user("editor")
    assert client.post(url(a, "add/"), data={"relation": "partner", "other_customer": str(b.id)}).status_code == 302
    response = client.post(url(b, "add/"), data={"relation": "parent_of", "other_customer": str(a.id)})
    assert response.status_code == 400 and "already linked" in response.get_data(as_text=True)
    assert count(session) == 1


def test_lookup_offers_only_active_others_not_linked(as_user, customer, session):
    a = customer(name="Alfa AB")
    beta = customer(name="Beta AB")
    customer(name="Bertil AB", status="INACTIVE")
    client = as_user("editor")
    names = [r["text"] for r in client.get(url(a, "lookup?q=Be")).get_json()["results"]]
    assert any("Beta AB" in n for n in names) and not any("Bertil" in n for n in names)
    client.post(url(a, "add/"), data={"relation": "partner", "other_customer": str(beta.id)})
    assert client.get(url(a, "lookup?q=Be")).get_json()["results"] == []
    assert client.get(url(beta, "lookup?q=Alf")).get_json()["results"] == []


def test_unknown_customer_or_link_is_a_404_or_a_message(as_user, customer):
    a = customer()
    client = as_user("editor")
    assert client.get("/admin/customers/links/999999/").status_code == 404
    assert client.post("/admin/customers/links/999999/add/", data={}).status_code == 404
    response = client.post(url(a, "remove/999999/"), follow_redirects=True)
    assert response.status_code == 200 and "does not exist" in response.get_data(as_text=True)
