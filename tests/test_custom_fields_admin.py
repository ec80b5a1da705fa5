"""Custom fields in the back office (issue 10, seed 001): the system administrator's page (define, edit,
order, archive, restore, delete), the fields in the customer's add/edit panel with the service's refusal
beside the field, the values under the customer page's header and in the CSV download."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.models import Customer, CustomFieldDefinition, HistoryEntry
from backoffice.services import custom_fields as service
from tests import factories
from tests.conftest import login


@pytest.fixture
def root(make_user):
    return make_user(role="system-admin", email="root@example.com", first_name="Root", last_name="Admin")


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", email="editor@example.com")


@pytest.fixture
def customer(session):
    return factories.customer(session, name="Bergdata AB", allow_shared_billing=False)


def _definition(session, label) -> CustomFieldDefinition:
    session.expire_all()
    return session.scalar(select(CustomFieldDefinition).where(CustomFieldDefinition.label == label))


def _edit_data(customer, **custom) -> dict:
    """What the customer edit form posts as the customer stands, with custom field values."""
    return {
        "organization_id": str(customer.organization_id), "admin_user_id": str(customer.admin_user_id),
        "status": customer.status, "customer_number": customer.customer_number or "",
        "version": str(customer.version), **custom,
    }


def test_the_settings_page_links_to_the_custom_fields_page(client, root):
    login(client, root)
    assert 'href="/admin/custom-fields/"' in client.get("/admin/settings/").get_data(as_text=True)
    page = client.get("/admin/custom-fields/")
    assert page.status_code == 200 and "No custom fields yet." in page.get_data(as_text=True)


def test_define_a_field_and_see_it_in_the_customer_panel(client, session, root, customer):
    login(client, root)
    panel = client.get("/admin/custom-fields/new/?panel=1").get_data(as_text=True)
    assert "one option per line" in panel
    done = client.post("/admin/custom-fields/new/", data={
        "label": "Industry", "type": "choice", "options": "Energy\r\nRetail\r\n", "required": "y"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Custom field Industry was created." in page and "Energy, Retail" in page
    industry = _definition(session, "Industry")
    assert industry.options == ["Energy", "Retail"] and industry.required
    refused = client.post("/admin/custom-fields/new/", data={"label": "Size", "type": "choice", "options": ""})
    assert refused.status_code == 400 and "Enter at least one option, one per line." in refused.get_data(as_text=True)

    form = client.get(f"/admin/customers/edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert f'name="custom_{industry.id}"' in form and '<option value="Retail">Retail</option>' in form
    saved = client.post(f"/admin/customers/edit/?id={customer.id}", data=_edit_data(customer, **{
        f"custom_{industry.id}": "Retail"}))
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Customer, customer.id).custom_values == {str(industry.id): "Retail"}
    # the edit form opens prefilled, and the customer page shows the value under its header
    form = client.get(f"/admin/customers/edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert '<option selected value="Retail">Retail</option>' in form
    details = client.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    assert "Industry:</dt>" in details and details.index("Industry:") < details.index(">Overview</a>")
    timeline = client.get(f"/admin/customers/history/?id={customer.id}").get_data(as_text=True)
    assert "Industry:</span>" in timeline


def test_a_bad_number_is_refused_beside_the_field_and_nothing_is_saved(client, session, editor, customer):
    employees = service.create_definition(session, None, label="Employees", type="number")
    session.commit()
    login(client, editor)
    before = (customer.version, customer.custom_values, customer.status)
    refused = client.post(f"/admin/customers/edit/?id={customer.id}&panel=1", data=_edit_data(customer, **{
        f"custom_{employees.id}": "twelve", "status": "INACTIVE"}))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    field_at = html.index(f'name="custom_{employees.id}"')
    message_at = html.index("Enter a number, for example 12 or 12.5.")
    assert field_at < message_at < html.index("</div>", field_at + html[field_at:].index("invalid-feedback"))
    assert 'value="twelve"' in html  # what was typed stays in the field
    session.expire_all()
    stored = session.get(Customer, customer.id)
    assert (stored.version, stored.custom_values, stored.status) == before


def test_a_new_customer_needs_its_required_fields(client, session, editor, make_org):
    contract = service.create_definition(session, None, label="Contract end", type="date", required=True)
    session.commit()
    org, guest = make_org(), factories.user(session, role="guest")
    login(client, editor)
    form = client.get("/admin/customers/new/?type=business&panel=1").get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="custom_{contract.id}"[^>]*type="date"', form)
    data = {"organization_id": str(org.id), "admin_user_id": str(guest.id), "status": "ACTIVE"}
    refused = client.post("/admin/customers/new/", data=data)
    assert refused.status_code == 400 and "Contract end is required." in refused.get_data(as_text=True)
    assert session.scalar(select(Customer).where(Customer.organization_id == org.id)) is None
    created = client.post("/admin/customers/new/", data={**data, f"custom_{contract.id}": "2027-03-31"})
    assert created.status_code == 302
    assert session.scalar(select(Customer).where(Customer.organization_id == org.id)).custom_values == {
        str(contract.id): "2027-03-31"}


def test_archive_hides_the_field_and_restore_shows_it_again(client, session, root, customer):
    key = service.create_definition(session, None, label="Key account", type="yesno")
    session.commit()
    customer.custom_values = {str(key.id): True}
    session.commit()
    login(client, root)
    dialog = client.get(f"/admin/custom-fields/archive/?id={key.id}&modal=1").get_data(as_text=True)
    assert "Archive custom field Key account?" in dialog and "values already entered are kept" in dialog
    assert client.post(f"/admin/custom-fields/archive/?id={key.id}").status_code == 302
    page = client.get("/admin/custom-fields/").get_data(as_text=True)
    assert "Archived" in page and "Restore" in page
    assert f"custom_{key.id}" not in client.get(f"/admin/customers/edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert "Key account" not in client.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    # a save of the customer meanwhile keeps the hidden value
    session.expire_all()
    assert client.post(f"/admin/customers/edit/?id={customer.id}", data=_edit_data(
        session.get(Customer, customer.id))).status_code == 302
    session.expire_all()
    assert session.get(Customer, customer.id).custom_values == {str(key.id): True}
    assert len(session.scalars(select(HistoryEntry).where(HistoryEntry.kind == "archive")).all()) == 1

    # delete is refused while a customer has a value
    refused = client.post(f"/admin/custom-fields/delete/?id={key.id}")
    assert refused.status_code == 400 and "Archive it instead" in refused.get_data(as_text=True)
    assert _definition(session, "Key account") is not None

    assert client.post(f"/admin/custom-fields/restore/?id={key.id}").status_code == 302
    details = client.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    assert "Key account:</dt>" in details and "Yes</dd>" in details


def test_edit_move_and_delete_a_field(client, session, root):
    first = service.create_definition(session, None, label="First", type="text")
    second = service.create_definition(session, None, label="Second", type="number")
    session.commit()
    login(client, root)
    edit = client.get(f"/admin/custom-fields/edit/?id={second.id}&panel=1").get_data(as_text=True)
    assert 'value="Second"' in edit and f'value="{second.version}"' in edit
    saved = client.post(f"/admin/custom-fields/edit/?id={second.id}", data={
        "label": "Employees", "type": "number", "version": str(second.version)})
    assert saved.status_code == 302
    stale = client.post(f"/admin/custom-fields/edit/?id={second.id}", data={
        "label": "Staff", "type": "number", "version": "1"})
    assert stale.status_code == 409 and _definition(session, "Employees") is not None
    assert client.post(f"/admin/custom-fields/move/?id={second.id}&direction=up").status_code == 302
    assert [d.label for d in service.all_definitions(session)] == ["Employees", "First"]
    assert client.post(f"/admin/custom-fields/move/?id={second.id}&direction=sideways").status_code == 400
    page = client.get("/admin/custom-fields/").get_data(as_text=True)
    assert page.index("Employees") < page.index("First")
    assert "Move Employees down" in page and "Move Employees up" not in page and "Move First down" not in page
    dialog = client.get(f"/admin/custom-fields/delete/?id={first.id}&modal=1").get_data(as_text=True)
    assert "will be deleted" in dialog
    assert client.post(f"/admin/custom-fields/delete/?id={first.id}").status_code == 302
    assert _definition(session, "First") is None
    assert client.get("/admin/custom-fields/edit/?id=99999").status_code == 404


def test_the_page_is_for_system_administrators_only(client, editor):
    login(client, editor)
    assert client.get("/admin/custom-fields/").status_code == 403
    assert client.post("/admin/custom-fields/new/", data={"label": "X", "type": "text"}).status_code == 403


def test_the_csv_download_has_a_column_per_active_field(client, session, editor, customer):
    industry = service.create_definition(session, None, label="Industry", type="choice", options="=cmd|Energy")
    old = service.create_definition(session, None, label="Old field", type="text")
    key = service.create_definition(session, None, label="Key account", type="yesno")
    service.archive_definition(session, None, old)
    session.commit()
    customer.custom_values = {str(industry.id): "=cmd|Energy", str(old.id): "hidden"}
    session.commit()
    login(client, editor)
    body = client.get("/admin/customers/export/customers.csv").get_data(as_text=True)
    header, row = body.lstrip("\ufeff").splitlines()[:2]
    assert header.endswith(",Deleted,Industry,Key account")
    assert row.endswith(",'=cmd|Energy,No")  # the formula guard, as the other columns
    assert "Old field" not in header and "hidden" not in body
