"""The Manage shared accounts page: permissions, add, remove (with a dialog), refusals, lookup."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.models import Notification, SharedAccount
from backoffice.models.base import utcnow
from tests import factories
from tests.conftest import csrf_token_from, login


@pytest.fixture
def customer(session):
    return lambda **kw: factories.customer(session, **kw)


def links(session):
    return session.scalar(select(func.count()).select_from(SharedAccount))


def url(customer, tail=""):
    return f"/admin/customers/shared/{customer.id}/{tail}"


def test_anonymous_goes_to_sign_in_and_guest_gets_403(client, customer, make_user):
    owner = customer()
    response = client.get(url(owner))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, make_user(role="customer-admin"))
    assert client.get(url(owner)).status_code == 403


def test_staff_can_view_but_not_change(as_user, customer, session):
    owner, other = customer(name="Owner AB"), customer(name="Other AB")
    client = as_user("staff")
    page = client.get(url(owner))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No customer accounts are shared with this customer yet." in html
    assert "Add a shared account" not in html
    assert client.post(url(owner, "add/"), data={"shared_customer": other.id}).status_code == 403
    assert client.get(url(owner, "lookup?q=Oth")).status_code == 403
    assert links(session) == 0


def test_editor_adds_and_removes_and_the_other_admin_is_notified(as_user, customer, session):
    owner, other = customer(name="Owner AB"), customer(name="Other AB")
    client = as_user("editor")
    page = client.get(url(owner)).get_data(as_text=True)
    assert "Other AB" in page and "Owner AB" in page
    response = client.post(url(owner, "add/"), data={"shared_customer": str(other.id)})
    assert response.status_code == 302
    assert links(session) == 1
    html = client.get(url(owner)).get_data(as_text=True)
    assert "is now shared with" in html  # the flash
    link = session.scalars(select(SharedAccount)).one()
    dialog = client.get(url(owner, f"remove/{link.id}/?modal=1"))
    assert dialog.status_code == 200 and "will no longer be shared" in dialog.get_data(as_text=True)
    assert links(session) == 1  # GET changes nothing
    done = client.post(url(owner, f"remove/{link.id}/"))
    assert done.status_code == 302 and done.headers["Location"].endswith(url(owner))
    assert links(session) == 0
    texts = session.scalars(select(Notification.text).where(Notification.user_id == other.admin_user_id)).all()
    assert len(texts) == 2


def test_adding_a_bad_choice_shows_the_error_beside_the_field(as_user, customer, session):
    owner = customer()
    inactive = customer(status="INACTIVE", name="Sleepy AB")
    client = as_user("editor")
    for value in ("", "abc", str(owner.id), str(inactive.id), "999999"):
        response = client.post(url(owner, "add/"), data={"shared_customer": value})
        assert response.status_code == 400, value
        assert "invalid-feedback" in response.get_data(as_text=True)
    assert links(session) == 0


@pytest.mark.parametrize("state", ["deleted", "not-allowed"])
def test_refused_for_deleted_customers_or_when_sharing_is_off(as_user, customer, session, state):
    owner = customer(allow_shared_billing=state != "not-allowed")
    other = customer()
    session.add(SharedAccount(customer_id=owner.id, shared_customer_id=other.id))
    if state == "deleted":
        owner.deleted_at = utcnow()
    session.commit()
    link_id = session.scalars(select(SharedAccount.id)).one()
    client = as_user("system-admin")
    html = client.get(url(owner)).get_data(as_text=True)
    assert ("is deleted" if state == "deleted" else "are not allowed") in html
    assert "Add a shared account" not in html and ">Remove<" not in html
    assert client.post(url(owner, "add/"), data={"shared_customer": other.id}).status_code == 400
    response = client.post(url(owner, f"remove/{link_id}/"))
    assert response.status_code == 302
    assert links(session) == 1


def test_lookup_is_json_limited_and_searches_on_the_server(as_user, customer):
    owner = customer(name="Owner AB")
    for i in range(25):
        customer(name=f"Match {i:02d} AB")
    customer(name="Zeta AB")
    client = as_user("editor")
    data = client.get(url(owner, "lookup")).get_json()
    assert len(data["results"]) == 20
    found = client.get(url(owner, "lookup?q=zeta")).get_json()["results"]
    assert [r["text"].split(" (")[0] for r in found] == ["Zeta AB"]


def test_search_without_javascript_filters_the_select(as_user, customer):
    owner = customer(name="Owner AB")
    customer(name="Alpha AB")
    customer(name="Beta AB")
    html = as_user("editor").get(url(owner) + "?search=beta").get_data(as_text=True)
    select_html = html.split('name="shared_customer"')[1].split("</select>")[0]
    assert "Beta AB" in select_html and "Alpha AB" not in select_html


def test_unknown_customer_and_link_are_handled(as_user, customer):
    owner = customer()
    client = as_user("system-admin")
    assert client.get("/admin/customers/shared/999999/").status_code == 404
    response = client.post(url(owner, "remove/424242/"))
    assert response.status_code == 302


def test_post_without_csrf_token_is_refused(app, client, customer, session, make_user):
    owner, other = customer(), customer()
    login(client, make_user(role="system-admin"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(url(owner, "add/"), data={"shared_customer": other.id}).status_code == 400
        assert links(session) == 0
        token = csrf_token_from(client.get(url(owner)).get_data(as_text=True))
        response = client.post(url(owner, "add/"), data={"shared_customer": other.id, "csrf_token": token})
        assert response.status_code == 302
        assert links(session) == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_remove_posted_from_the_modal_answers_with_the_place_to_go(as_user, customer, session):
    owner, other = customer(), customer(name="Modal AB")
    session.add(SharedAccount(customer_id=owner.id, shared_customer_id=other.id))
    session.commit()
    link_id = session.scalars(select(SharedAccount.id)).one()
    client = as_user("system-admin")
    response = client.post(url(owner, f"remove/{link_id}/?modal=1"))
    assert response.status_code == 200 and response.headers["X-Redirect"] == url(owner)
    assert links(session) == 0
    assert "Modal AB is no longer shared" in client.get(url(owner)).get_data(as_text=True)  # the flash survived
