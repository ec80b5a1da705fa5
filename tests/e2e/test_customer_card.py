"""Browser journey (issue 10): open a customer, Edit from the Overview's sidebar card (the same side panel as
the list's Edit), add a visiting address and a discount letter, save, and see them on the card; then remove
the address again."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from backoffice.services import discount_letters
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in


def test_edit_the_customer_from_the_sidebar_card(page, admin, session):
    customer = factories.customer(session, name="Sidokort AB")
    other = factories.customer(session, name="Annan AB")
    discount_letters.set_codes(session, None, other, "VIP")
    session.commit()

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto(f"/admin/customers/details/?id={customer.id}")
    card = page.get_by_role("region", name="Customer data")
    expect(card.locator('[data-card="visiting"]')).to_have_text("—")
    page.wait_for_load_state()  # (the page's scripts have wired the Edit link to the panel)
    card.get_by_role("link", name="Edit").click()
    panel = page.get_by_role("dialog", name="Edit customer")
    expect(panel).to_be_visible()

    # "+ Add visiting address" opens its fields in place
    expect(panel.get_by_label("Street address")).to_be_hidden()
    panel.get_by_role("button", name="+ Add visiting address").click()
    expect(panel.get_by_label("Street address")).to_be_focused()
    panel.get_by_label("Street address").fill("Besöksgatan 7")
    panel.get_by_label("City").fill("Lund")
    expect(panel.get_by_role("button", name="+ Add visiting address")).to_be_hidden()

    # the discount letters field suggests the codes in use
    codes = panel.locator(".ts-wrapper input").last
    codes.click()
    codes.type("v")
    page.locator(".ts-dropdown .option", has_text="VIP").click()
    panel.get_by_role("button", name="Update").click()

    expect(panel).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/admin/customers/details/\?id={customer.id}"))
    card = page.get_by_role("region", name="Customer data")
    expect(card.locator('[data-card="visiting"]')).to_contain_text("Besöksgatan 7")
    expect(card.locator('[data-card="visiting"]')).to_contain_text("Lund")
    expect(card.locator('[data-card="discount-letters"]')).to_have_text("VIP")

    # and remove it again
    page.wait_for_load_state()
    card.get_by_role("link", name="Edit").click()
    panel = page.get_by_role("dialog", name="Edit customer")
    expect(panel.get_by_label("Street address")).to_have_value("Besöksgatan 7")
    panel.get_by_role("button", name="Remove visiting address").click()
    expect(panel.get_by_label("Street address")).to_be_hidden()
    panel.get_by_role("button", name="Update").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_role("region", name="Customer data").locator('[data-card="visiting"]')).to_have_text("—")
