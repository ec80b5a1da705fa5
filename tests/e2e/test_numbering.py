"""Customer numbers in Chromium (issue 10): turn on automatic numbering in Settings, add a customer without a
number and see it get the next one; then change it from the customer page's Change customer number dialog."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from backoffice.models import Customer
from tests.conftest import TEST_PASSWORD
from tests.customer_helpers import customer, guest
from tests.e2e.conftest import sign_in, add_business_customer
from tests.e2e.pickers import pick


def test_turn_on_automatic_numbering_and_a_new_customer_gets_the_next_number(page, admin, session, make_org):
    customer(session, org=make_org(name="Äldre AB"), customer_number="41")
    make_org(name="Nummer AB")
    guest(session, first_name="Nils", last_name="Nummer")
    sign_in(page, admin.email, TEST_PASSWORD)

    page.goto("/admin/settings/")
    page.get_by_label("Customer number minimum length").fill("5")
    page.get_by_label("Customer number maximum length").fill("10")
    page.get_by_text("Automatically generate the next customer number").click()
    page.get_by_role("button", name="Save settings").click()
    # 41 is shorter than 5: the page says so before saving, and saves once confirmed
    expect(page.get_by_role("alert").filter(has_text="1 customer has a number outside 5–10 characters. Save anyway?")).to_be_visible()
    page.get_by_text("Yes, save the new lengths").click()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The settings have been saved.")).to_be_visible()
    expect(page.get_by_label("Automatically generate the next customer number")).to_be_checked()

    page.goto("/admin/customers/")
    add_business_customer(page)
    panel = page.locator("#bo-panel")
    expect(panel.get_by_text("Leave it empty to get the next customer number.")).to_be_visible()
    pick(panel, "Organization", "Nummer", "Nummer AB")
    pick(panel, "Customer admin", "Nils", "Nils Nummer")
    panel.get_by_role("button", name="Create", exact=True).click()
    expect(panel).to_be_hidden()
    expect(page.locator("tr", has_text="Nummer AB")).to_be_visible()
    session.expire_all()
    created = session.scalar(select(Customer).where(Customer.customer_number != "41"))
    page.goto(f"/admin/customers/details/?id={created.id}")
    account = page.locator('.bo-customer-card [data-card="number"]')  # the Overview's sidebar card
    expect(account).to_contain_text("00042")  # above the highest in use, padded to the minimum length

    # The administrator changes it from the bottom of the page, in a dialog.
    page.get_by_role("link", name="Change customer number").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("New customer number").fill("12")
    dialog.get_by_role("button", name="Change").click()
    expect(dialog.locator("#customer_number-error")).to_have_text("The customer number must be 5–10 digits long.")
    dialog.get_by_label("New customer number").fill("70001")
    dialog.get_by_role("button", name="Change").click()
    expect(page.get_by_text("The customer number of Nummer AB was changed.")).to_be_visible()
    expect(page.locator('.bo-customer-card [data-card="number"]')).to_have_text("70001")
    session.expire_all()
    assert session.scalar(select(Customer.customer_number).where(Customer.customer_number == "70001")) == "70001"
