"""No stored XSS: HTML/script payloads accepted by the forms come back escaped on every page that shows them.

The payloads are typed into the forms (organization name, user names, own name, billing fields) and
reach notifications through sharing; then every list, details page, side panel, dialog (page and modal
fragment), the portal, the notifications page, the top bar and the CSV is read back. A page to add
is one line in PAGES.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Customer, Organization, User
from backoffice.services import customers as customer_service
from backoffice.services import notifications as notification_service
from backoffice.services import sharing
from tests import factories
from tests.conftest import login

SCRIPT = '<script>alert("x1")</script>'
IMG = '"><img src=x onerror=alert("x2")>'
ATTR = "' onmouseover='alert(3)"
FORMULA = '=HYPERLINK("http://evil.example","x")'
RAW_MARKUP = ("<script>alert(", "<img src=x onerror", "onmouseover='alert")


def assert_escaped(html: str, where: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in html, f"{where}: unescaped {raw!r}"


@pytest.fixture
def hostile(session, client):
    """Payloads typed into the forms as a system admin, plus sharing notifications that quote them."""
    admin = factories.user(session, role="system-admin", email="root@example.com", first_name="Root", last_name="Admin")
    login(client, admin)

    def post(url, data):
        response = client.post(url, data=data)
        assert response.status_code == 302, (url, response.get_data(as_text=True)[:1000])

    post("/admin/organizations/new/", {"name": f"Org {SCRIPT}{IMG}", "org_number": "5566778899", "address": ATTR})
    org = session.scalar(select(Organization).where(Organization.org_number == "5566778899"))
    post("/admin/organizations/new/", {"name": FORMULA, "org_number": "5566778808"})
    formula_org = session.scalar(select(Organization).where(Organization.org_number == "5566778808"))
    post("/admin/users/new/", {"first_name": IMG, "last_name": SCRIPT, "email": "guest@example.com", "role": "guest",
                               "language": "en", "active": "y"})
    guest = session.scalar(select(User).where(User.email == "guest@example.com"))
    post("/admin/customers/new/", {"organization_id": org.id, "admin_user_id": guest.id, "status": "ACTIVE"})
    customer = session.scalar(select(Customer).where(Customer.organization_id == org.id))
    post(f"/admin/customers/edit/?id={customer.id}", {
        "organization_id": org.id, "admin_user_id": guest.id, "status": "ACTIVE", "allow_shared_billing": "y",
        "billing_digital_address": SCRIPT, "billing_address": IMG, "billing_post_number": "<b>1</b>",
        "billing_municipality": ATTR, "billing_phone": "+46 8 123 456 78", "billing_email": "bill@example.com",
        "billing_responsible_person": SCRIPT, "version": str(customer.version),
    })
    post("/profile", {"first_name": IMG, "last_name": SCRIPT, "language": "en"})  # the top bar shows it

    other = factories.customer(session, organization=formula_org, allow_shared_billing=True)
    sharing.add_shared_account(session, None, customer, other)  # notifies other's admin, quoting the name
    sharing.add_shared_account(session, None, other, customer)  # notifies the guest, quoting the names
    deleted = factories.customer(session, name=f"Gone {SCRIPT}{IMG}", deleted=True)
    factories.organization(session, name=f"Free {IMG}")  # offered in the add form's pickers
    factories.user(session, role="guest", first_name=SCRIPT, last_name=ATTR)
    notification_service.notify(session, admin, f"Staff note {SCRIPT}{IMG}", email=False)
    session.commit()
    session.expire_all()
    return {"admin": admin, "org": org, "guest": guest, "customer": customer, "other": other, "deleted": deleted,
            "link": sharing.shared_with(session, customer)[0]}


PAGES = [
    "/admin/",
    "/admin/organizations/",
    "/admin/organizations/?search={org_name}",
    "/admin/organizations/details/?id={org}",
    "/admin/organizations/edit/?id={org}",
    "/admin/organizations/soft-delete/?id={org}",
    "/admin/organizations/soft-delete/?id={org}&modal=1",
    "/admin/users/",
    "/admin/users/details/?id={guest}",
    "/admin/users/edit/?id={guest}",
    "/admin/users/password/?id={guest}&modal=1",
    "/admin/users/sign-out/?id={guest}",
    "/admin/users/remove/?id={guest}&modal=1",
    "/admin/customers/",
    "/admin/customers/?search=Org",
    "/admin/customers/details/?id={customer}",
    "/admin/customers/edit/?id={customer}",
    "/admin/customers/edit/?id={customer}&panel=1",
    "/admin/customers/new/?type=business&panel=1",
    "/admin/customers/soft-delete/?id={customer}",
    "/admin/customers/soft-delete/?id={customer}&modal=1",
    "/admin/customers/bulk-delete/?ids={customer}&ids={other}",
    "/admin/customers/recover/?id={deleted}",
    "/admin/customers/recover/?id={deleted}&modal=1",
    "/admin/customers/purge/?id={deleted}&modal=1",
    "/admin/customers/shared/{customer}/",
    "/admin/customers/shared/{other}/?search=Org",
    "/admin/customers/shared/{customer}/remove/{link}/?modal=1",
    "/admin/notifications/",
    "/portal/",
    "/profile",
    "/profile/password",
]


def _url(template: str, h: dict) -> str:
    return template.format(org=h["org"].id, org_name="Org%20%3Cscript%3E", guest=h["guest"].id,
                           customer=h["customer"].id, other=h["other"].id, deleted=h["deleted"].id, link=h["link"].id)


def test_payloads_are_stored_as_typed(hostile, session):
    """The payloads really were accepted (so the pages below really show them)."""
    assert hostile["org"].name == f"Org {SCRIPT}{IMG}"
    assert hostile["guest"].first_name == IMG
    assert hostile["customer"].billing.responsible_person == SCRIPT


@pytest.mark.parametrize("template", PAGES)
def test_pages_render_payloads_escaped(hostile, client, template):
    response = client.get(_url(template, hostile))
    assert response.status_code == 200, template
    html = response.get_data(as_text=True)
    assert_escaped(html, template)
    # ...and a payload is on the page (at least the admin's own name in the top bar), as text
    assert "&lt;script&gt;alert(" in html or "&lt;img src=x onerror" in html, template


def test_the_payload_is_shown_escaped_not_dropped(hostile, client):
    html = client.get(f"/admin/customers/details/?id={hostile['customer'].id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html  # the billing block and the name: shown, as text


def test_portal_and_notifications_quote_names_escaped(hostile, client):
    """The customer admin's portal (sharing notifications, shared accounts) and the top bar with a hostile name."""
    client.post("/logout")
    guest = hostile["guest"]
    from backoffice.services import users as user_service

    user_service.set_password(db.session, None, guest, factories.PASSWORD)
    db.session.commit()
    login(client, guest)
    html = client.get("/portal/").get_data(as_text=True)
    assert "&lt;script&gt;" in html
    assert_escaped(html, "portal")


def test_flash_messages_quote_names_escaped(hostile, client):
    """Delete, recover and purge flash the name on the next page."""
    customer = hostile["customer"]
    response = client.post(f"/admin/customers/soft-delete/?id={customer.id}", data={"confirmation": "DELETE"},
                           follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "was deleted" in html
    assert_escaped(html, "flash after delete")
    response = client.post(f"/admin/organizations/soft-delete/?id={hostile['org'].id}", data={"confirmation": "DELETE"},
                           follow_redirects=True)
    assert_escaped(response.get_data(as_text=True), "flash after organization delete")
    for url in ("/admin/organizations/recover/?id={org}", "/admin/organizations/purge/?id={org}&modal=1",
                "/admin/organizations/?search=Org"):
        html = client.get(_url(url, hostile)).get_data(as_text=True)
        assert "&lt;script&gt;alert(" in html, url
        assert_escaped(html, url)
    response = client.post(_url("/admin/organizations/recover/?id={org}", hostile), follow_redirects=True)
    assert "was recovered" in response.get_data(as_text=True)
    assert_escaped(response.get_data(as_text=True), "flash after organization recover")


def test_pickers_and_lookup_answer_json_not_html(hostile, client):
    for url in ("/admin/customers/admin-search/?q=img", "/admin/customers/organization-search/?q=Org",
                f"/admin/customers/shared/{hostile['other'].id}/lookup?q=Org"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/json"  # rendered with textContent by backoffice.js


def test_csv_neutralises_formulas_and_keeps_markup_as_text(hostile, client):
    response = client.get("/admin/customers/export/customers.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert f"'{FORMULA}" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells if cell)
    assert response.mimetype == "text/csv"


def test_deleted_customer_dialogs_mention_the_name_escaped(hostile, client, session):
    customer_service.soft_delete_customer(session, None, session.get(Customer, hostile["other"].id))
    session.commit()
    for template in ("/admin/customers/recover/?id={other}", "/admin/customers/purge/?id={other}"):
        html = client.get(_url(template, hostile)).get_data(as_text=True)
        assert_escaped(html, template)
