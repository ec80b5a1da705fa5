"""Archive (issue 14, seed 004): setting a customer active or inactive is customers.archive, apart from Edit. Without
it the edit panel shows Status read-only, the bulk actions Set active / Set inactive aren't offered, and every path
(the form, the bulk action, the service, an import) refuses a changed status; a new customer starts active."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.models import Customer, Role, RolePermission
from backoffice.services import customers as service
from backoffice.services.errors import ServiceError
from tests import factories
from tests.conftest import login

BASE = "/admin/customers/"
NEEDED = "Setting a customer active or inactive needs the permission"


@pytest.fixture
def writer(session, make_user):
    """A user whose role may edit and create customers but not archive them."""
    role = Role(code="writer", name="Writer", staff=True)
    role.grants = [RolePermission(permission=p) for p in ("admin.access", "customers.view", "customers.edit",
                                                           "customers.create", "organizations.view")]
    session.add(role)
    session.commit()
    return make_user(role="writer", email="writer@example.com")


def test_the_built_in_editor_and_system_administrator_may_archive(session):
    for code in ("system-admin", "editor"):
        role = session.scalar(select(Role).where(Role.code == code))
        assert "customers.archive" in role.permissions, code
    assert "customers.archive" not in session.scalar(select(Role).where(Role.code == "staff")).permissions


def test_without_archive_the_service_refuses_every_change_of_status(session, writer):
    customer = factories.customer(session, name="Fältdata AB")
    for call in (lambda: service.update_customer(session, writer, customer, status="INACTIVE"),
                 lambda: service.set_status(session, writer, customer, "INACTIVE")):
        with pytest.raises(ServiceError) as caught:
            call()
        assert caught.value.field == "status" and NEEDED in str(caught.value.message)
        session.rollback()
    assert session.get(Customer, customer.id).status == "ACTIVE"
    service.update_customer(session, writer, customer, status="ACTIVE", customer_number=None)  # unchanged: fine
    org = factories.organization(session, name="Ny Kund AB")
    guest = factories.user(session, role="guest")
    with pytest.raises(ServiceError) as caught:
        service.create_customer(session, writer, organization_id=org.id, admin_user_id=guest.id, status="INACTIVE")
    assert caught.value.field == "status"
    session.rollback()
    made = service.create_customer(session, writer, organization_id=org.id, admin_user_id=guest.id)
    assert made.status == "ACTIVE"


def test_the_edit_panel_shows_status_read_only_and_saves_the_rest(client, session, writer):
    customer = factories.customer(session, name="Fältdata AB", status="INACTIVE")
    login(client, writer)
    form = client.get(f"{BASE}edit/?id={customer.id}&panel=1").get_data(as_text=True)
    select_tag = re.search(r'<select[^>]*name="status"[^>]*>', form).group(0)
    assert "disabled" in select_tag
    assert NEEDED in form
    saved = client.post(f"{BASE}edit/?id={customer.id}", data={  # (a disabled field is not posted)
        "organization_id": customer.organization_id, "admin_user_id": customer.admin_user_id,
        "customer_number": "", "billing_address": "Fakturagatan 1", "version": customer.version})
    assert saved.status_code == 302, re.findall(r"invalid-feedback[^<]*<|alert-danger[^<]*<[^<]*", saved.get_data(as_text=True))
    session.expire_all()
    customer = session.get(Customer, customer.id)
    assert customer.status == "INACTIVE" and customer.billing.address == "Fakturagatan 1"
    refused = client.post(f"{BASE}edit/?id={customer.id}&panel=1", data={
        "organization_id": customer.organization_id, "admin_user_id": customer.admin_user_id, "status": "ACTIVE",
        "customer_number": "", "version": customer.version})
    assert refused.status_code == 400 and NEEDED in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Customer, customer.id).status == "INACTIVE"


def test_without_archive_the_bulk_status_actions_are_not_offered_nor_done(client, session, writer):
    customer = factories.customer(session, name="Fältdata AB")
    login(client, writer)
    page = client.get(BASE).get_data(as_text=True)
    assert "Set inactive" not in page and "Set active" not in page
    client.post(BASE + "action/", data={"action": "set_inactive", "rowid": [customer.id], "url": BASE})
    session.expire_all()
    assert session.get(Customer, customer.id).status == "ACTIVE"
