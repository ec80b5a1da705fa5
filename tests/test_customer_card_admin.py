"""The customer card through the admin (issue 10): the edit panel's addresses ("+ Add visiting address",
"+ Add mail address", Remove; with and without JavaScript), discount letters and their suggestions, language
and cost center per the register settings, the Overview's sidebar card and its Edit, the tabs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.models import Address, Customer, DiscountLetter, HistoryEntry
from backoffice.services import addresses, discount_letters
from backoffice.services import settings as register_settings
from tests import factories

BASE = "/admin/customers/"


@pytest.fixture
def editor(as_user):
    return as_user("editor")


@pytest.fixture
def customer(session):
    return factories.customer(session, name="Kortet AB")


def show(session, **flags):
    register_settings.update(session, None, **flags)
    session.commit()


def form_data(c: Customer, **extra) -> dict:
    """What the edit panel posts when nothing is changed (hidden flags included)."""
    data = {"organization_id": c.organization_id, "admin_user_id": c.admin_user_id, "status": c.status,
            "customer_number": c.customer_number or "", "version": c.version, "has_visiting": "", "has_mail": "",
            "discount_letters": ""}
    data.update(extra)
    return data


def edit(client, c, **extra):
    return client.post(f"{BASE}edit/?id={c.id}&panel=1&url={BASE}details/%3Fid%3D{c.id}", data=form_data(c, **extra))


def test_add_a_visiting_address_in_the_edit_panel_then_remove_it(editor, session, customer):
    html = editor.get(f"{BASE}edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert "+ Add visiting address" in html and "+ Add mail address" in html
    response = edit(editor, customer, has_visiting="1", visiting_street="Besöksgatan 1", visiting_post_number="111 22",
                    visiting_city="Stockholm", visiting_country="Sverige", has_mail="1",
                    mail_email="meddelanden@example.com")
    assert response.status_code == 200 and response.headers["X-Redirect"] == f"{BASE}details/?id={customer.id}&saved={customer.id}"
    session.expire_all()
    stored = addresses.addresses_of(session, customer)
    assert stored["visiting"].lines == ["Besöksgatan 1", "111 22 Stockholm", "Sverige"]
    assert stored["email"].email == "meddelanden@example.com"
    # the card shows them
    page = editor.get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    assert "Besöksgatan 1" in page and "meddelanden@example.com" in page
    # opening the panel again: the addresses are there, with Remove
    html = editor.get(f"{BASE}edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert 'value="Besöksgatan 1"' in html and "Remove visiting address" in html
    customer = session.get(Customer, customer.id)
    response = edit(editor, customer, has_mail="1", mail_email="meddelanden@example.com")  # the visiting one removed
    assert response.status_code == 200 and "X-Redirect" in response.headers
    session.expire_all()
    assert set(addresses.addresses_of(session, customer)) == {"email"}
    kinds = session.scalars(select(HistoryEntry.kind).where(HistoryEntry.record_type == "customer_address")
                            .order_by(HistoryEntry.id)).all()
    assert kinds == ["create", "create", "purge"]


def test_without_javascript_add_and_remove_show_the_form_again_and_save_nothing(editor, session, customer):
    before = customer.version
    response = editor.post(f"{BASE}edit/?id={customer.id}", data=form_data(customer, _add_address="visiting"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="has_visiting" type="hidden" value="1"' in html
    assert "Remove visiting address" in html
    session.expire_all()
    assert session.get(Customer, customer.id).version == before
    assert session.scalar(select(func.count()).select_from(Address)) == 0
    response = editor.post(f"{BASE}edit/?id={customer.id}", data=form_data(
        customer, has_visiting="1", visiting_street="Gatan 1", _remove_address="visiting"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="has_visiting" type="hidden" value=""' in html
    assert 'value="Gatan 1"' not in html
    assert session.scalar(select(func.count()).select_from(Address)) == 0


def test_an_empty_added_address_is_refused_beside_its_field(editor, session, customer):
    response = edit(editor, customer, has_visiting="1", visiting_post_number="111 22")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter the street address or the city" in html
    assert 'id="visiting_street-error"' in html
    assert session.scalar(select(func.count()).select_from(Address)) == 0


def test_discount_letters_are_saved_and_shown_on_the_card(editor, session, customer):
    response = edit(editor, customer, discount_letters="vip, k2")
    assert response.status_code == 200 and "X-Redirect" in response.headers
    assert discount_letters.codes_of(session, customer) == ["K2", "VIP"]
    page = editor.get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    card = page.split('data-card="discount-letters"', 1)[1].split("</dd>", 1)[0]
    assert "K2" in card and "VIP" in card
    html = editor.get(f"{BASE}edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert 'value="K2, VIP"' in html


def test_a_bad_discount_letter_is_refused_beside_the_field_and_nothing_changes(editor, session, customer):
    discount_letters.set_codes(session, None, customer, "A")
    session.commit()
    customer = session.get(Customer, customer.id)
    response = edit(editor, customer, discount_letters="B, FAR-TOO-LONG", status="INACTIVE")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="discount_letters-error"' in html and "is not a discount letter" in html
    session.expire_all()
    assert discount_letters.codes_of(session, customer) == ["A"]
    assert session.get(Customer, customer.id).status == "ACTIVE"


def test_the_suggestions_are_the_codes_in_use(editor, session, customer):
    other = factories.customer(session, name="Andra AB")
    discount_letters.set_codes(session, None, customer, "VIP, A")
    discount_letters.set_codes(session, None, other, "VIP, VOLYM")
    session.commit()
    found = editor.get(f"{BASE}discount-letters/?q=v").get_json()["results"]
    assert found == [{"id": "VIP", "text": "VIP"}, {"id": "VOLYM", "text": "VOLYM"}]
    assert len(editor.get(f"{BASE}discount-letters/").get_json()["results"]) == 3
    html = editor.get(f"{BASE}edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert f'data-search-url="{BASE}discount-letters/"' in html


def test_staff_cant_ask_for_suggestions(as_user):
    assert as_user("staff").get(f"{BASE}discount-letters/?q=a").status_code == 403


def test_language_and_cost_center_hidden_while_the_settings_are_off(editor, session, customer):
    customer.language, customer.cost_center = "de", "KS-1"
    session.commit()
    html = editor.get(f"{BASE}edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert 'name="language"' not in html and 'name="cost_center"' not in html
    page = editor.get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    assert 'data-card="language"' not in page and 'data-card="cost-center"' not in page
    # a post naming them changes nothing while they are hidden
    edit(editor, session.get(Customer, customer.id), language="sv", cost_center="KS-2")
    session.expire_all()
    assert (session.get(Customer, customer.id).language, session.get(Customer, customer.id).cost_center) == ("de", "KS-1")


def test_language_and_cost_center_shown_and_saved_when_the_settings_are_on(editor, session, customer):
    show(session, show_language=True, show_cost_center=True)
    html = editor.get(f"{BASE}edit/?id={customer.id}&panel=1").get_data(as_text=True)
    assert 'name="language"' in html and "Norwegian Bokmål" in html and 'name="cost_center"' in html
    customer = session.get(Customer, customer.id)
    assert "X-Redirect" in edit(editor, customer, language="nb", cost_center="KS-7").headers
    session.expire_all()
    customer = session.get(Customer, customer.id)
    assert (customer.language, customer.cost_center) == ("nb", "KS-7")
    page = editor.get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    assert "Norwegian Bokmål" in page.split('data-card="language"', 1)[1].split("</dd>", 1)[0]
    assert "KS-7" in page.split('data-card="cost-center"', 1)[1].split("</dd>", 1)[0]
    response = edit(editor, customer, language="xx")
    assert response.status_code == 400 and 'id="language-error"' in response.get_data(as_text=True)


def test_the_overview_has_the_sidebar_card_with_edit_and_no_documents_tab(editor, session, customer):
    page = editor.get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    assert "Customer data" in page
    edit_link = page.split("data-card-edit", 1)[0].rsplit("<a ", 1)[1]
    assert f"{BASE}edit/?id={customer.id}" in edit_link and "data-panel" in edit_link
    assert f"url=/admin/customers/details/?id%3D{customer.id}" in edit_link  # after saving: back to this page
    tabs = page.split("bo-record-tabs", 1)[1].split("</ul>", 1)[0]
    assert ">Overview<" in tabs and ">Contacts<" in tabs and ">Timeline<" in tabs and "Documents" not in tabs
    assert "Linked customers" not in page  # links are on the Contacts tab


def test_staff_see_the_card_without_edit(as_user, customer):
    staff_page = as_user("staff").get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    assert "Customer data" in staff_page and "data-card-edit" not in staff_page


def test_a_deleted_customers_card_has_no_edit(editor, session):
    gone = factories.customer(session, deleted=True)
    page = editor.get(f"{BASE}details/?id={gone.id}").get_data(as_text=True)
    assert "Customer data" in page and "data-card-edit" not in page


def test_the_card_fields_in_the_add_panel(editor, session):
    org = factories.organization(session)
    guest = factories.user(session, role="guest")
    response = editor.post(f"{BASE}new/?panel=1", data={
        "organization_id": org.id, "admin_user_id": guest.id, "status": "ACTIVE", "discount_letters": "ny",
        "has_mail": "1", "mail_email": "info@example.com", "has_visiting": "",
    })
    assert response.status_code == 200 and "X-Redirect" in response.headers
    created = session.scalars(select(Customer).where(Customer.organization_id == org.id)).one()
    assert discount_letters.codes_of(session, created) == ["NY"]
    assert set(addresses.addresses_of(session, created)) == {"email"}
    assert session.scalar(select(func.count()).select_from(DiscountLetter)) == 1


def test_the_timeline_shows_the_card_changes(editor, session, customer):
    edit(editor, customer, discount_letters="VIP", has_visiting="1", visiting_street="Besöksgatan 1")
    html = editor.get(f"{BASE}history/?id={customer.id}").get_data(as_text=True)
    assert "Discount letter" in html and "VIP" in html
    assert "Street address" in html and "Besöksgatan 1" in html
