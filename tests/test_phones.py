"""Phone numbers: checked with phonenumbers, stored as E.164, read with the register's default region, shown
internationally; only a number being changed is checked."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from backoffice.models import Contact, Organization, RegisterSettings
from backoffice.services import contacts as contact_service
from backoffice.services import customers as customer_service
from backoffice.services import organizations as org_service
from backoffice.services import phones
from backoffice.services import settings
from backoffice.services.errors import ServiceError
from tests import factories
from tests.conftest import login


def test_a_number_without_plus_is_read_in_the_default_region():
    assert phones.normalise("08-123 456 78", "SE") == "+46812345678"
    assert phones.normalise("070-123 45 67", "SE") == "+46701234567"
    assert phones.normalise("22 22 22 22", "NO") == "+4722222222"
    assert phones.normalise("030 1234567", "DE") == "+49301234567"


def test_a_number_with_plus_or_00_keeps_its_own_country():
    assert phones.normalise("+47 22 22 22 22", "SE") == "+4722222222"
    assert phones.normalise("0047 22 22 22 22", "SE") == "+4722222222"
    assert phones.normalise("", "SE") is None and phones.normalise(None, "SE") is None


@pytest.mark.parametrize("garbage", ["hello", "08", "+46 8 1", "12345678901234567890", "<i>", "+999 123 456", "070-1" * 20])
def test_garbage_is_refused_beside_the_field(garbage):
    with pytest.raises(ServiceError) as caught:
        phones.normalise(garbage, "SE", "billing_phone")
    assert caught.value.field == "billing_phone"
    assert str(caught.value.message).startswith("This is not a valid phone number")


def test_display_is_international_and_leaves_old_text_as_it_is():
    assert phones.display("+46812345678") == "+46 8 123 456 78"
    assert phones.display("ring receptionen") == "ring receptionen"
    assert phones.display(None) == ""


def test_the_default_region_setting_is_used_by_the_services(session):
    settings.update(session, None, default_region="NO")
    session.commit()
    org = factories.organization(session, phone="22 22 22 22")
    assert org.phone == "+4722222222"
    with pytest.raises(ServiceError) as caught:
        settings.update(session, None, default_region="XX")
    assert caught.value.field == "default_region"
    session.rollback()


def test_contact_and_billing_phones_are_checked_and_stored_in_e164(session):
    customer = factories.customer(session)
    contact = contact_service.add_contact(session, None, customer, first_name="Anna", phone="070-123 45 67")
    customer_service.set_billing(session, None, customer, phone="08-123 456 78")
    session.commit()
    assert contact.phone == "+46701234567" and customer.billing.phone == "+46812345678"
    with pytest.raises(ServiceError) as caught:
        contact_service.add_contact(session, None, customer, first_name="Bo", phone="not a number")
    assert caught.value.field == "phone"
    session.rollback()
    with pytest.raises(ServiceError) as caught:
        customer_service.set_billing(session, None, customer, phone="123")
    assert caught.value.field == "billing_phone"
    session.rollback()


def test_an_unchanged_old_phone_is_not_checked_again(session):
    org = factories.organization(session)
    customer = factories.customer(session, organization=org)
    contact = contact_service.add_contact(session, None, customer, first_name="Anna")
    session.commit()
    session.execute(text("UPDATE organization SET phone = 'växeln' WHERE id = :id"), {"id": org.id})
    session.execute(text("UPDATE contact SET phone = 'växeln' WHERE id = :id"), {"id": contact.id})
    session.commit()
    session.expire_all()
    org, contact = session.get(Organization, org.id), session.get(Contact, contact.id)
    org_service.update_organization(session, None, org, expected_version=org.version, name="Renamed AB", phone="växeln")
    contact_service.update_contact(session, None, contact, expected_version=str(contact.version), title="CEO", phone="växeln")
    session.commit()
    assert (org.name, org.phone) == ("Renamed AB", "växeln") and (contact.title, contact.phone) == ("CEO", "växeln")
    with pytest.raises(ServiceError):  # a new value is checked
        org_service.update_organization(session, None, org, expected_version=org.version, phone="växeln 2")
    session.rollback()


def test_the_organization_form_refuses_a_bad_phone_beside_the_field(client, session, admin):
    login(client, admin)
    response = client.post("/admin/organizations/new/", data={
        "name": "Tel AB", "org_number": "556036-0793", "country": "SE", "phone": "ring oss"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    match = re.search(r'id="phone".*?<div class="invalid-feedback"[^>]*>\s*(.*?)\s*</div>', html, re.S)
    assert match and match.group(1).startswith("This is not a valid phone number.")
    assert session.scalar(select(Organization.id)) is None
    saved = client.post("/admin/organizations/new/", data={
        "name": "Tel AB", "org_number": "556036-0793", "country": "SE", "phone": "08-123 456 78"})
    assert saved.status_code == 302
    org = session.scalar(select(Organization))
    assert org.phone == "+46812345678"
    details = client.get(f"/admin/organizations/details/?id={org.id}").get_data(as_text=True)
    assert "+46 8 123 456 78" in details


def test_the_settings_page_sets_the_default_region(client, session, admin):
    login(client, admin)
    page = client.get("/admin/settings/").get_data(as_text=True)
    assert "Default region for phone numbers" in page and '<option selected value="SE">Sweden</option>' in page
    row = settings.get(session)
    data = {"version": row.version, "customer_number_min_length": "1", "customer_number_max_length": "64"}
    refused = client.post("/admin/settings/", data={**data, "default_region": "XX"})
    assert refused.status_code == 400
    session.expire_all()
    assert settings.get(session).default_region == "SE"
    saved = client.post("/admin/settings/", data={**data, "default_region": "FI"})
    assert saved.status_code == 302
    session.expire_all()
    assert session.scalar(select(RegisterSettings.default_region)) == "FI"
    org = factories.organization(session, phone="09 1234567")
    assert org.phone.startswith("+358")


def test_the_phone_template_filter(app):
    with app.test_request_context():
        rendered = app.jinja_env.from_string("{{ '+46812345678'|phone }} {{ 'NO'|country }}").render()
    assert rendered == "+46 8 123 456 78 Norway"
