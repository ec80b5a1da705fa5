"""Browser journey (issue 11, customer fields): a system administrator adds a location group, sets it and a
payment method on a customer from the customer page's card, filters the customers list by both, removes a
chip, and sees that the location group can't be deleted while a customer is in it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in


def test_location_group_and_payment_method_set_on_the_card_filter_the_list(page, admin, session):
    customer = factories.customer(session, name="Distrikt AB")
    factories.customer(session, name="Utanför AB")
    session.commit()
    sign_in(page, admin.email, TEST_PASSWORD)

    page.goto("/admin/location-groups/")
    page.wait_for_load_state()  # (the page's scripts have wired the links to the panel)
    page.get_by_role("link", name="Add location group").click()
    panel = page.get_by_role("dialog", name="Add location group")
    panel.get_by_label("Name").fill("Norr")
    panel.get_by_role("button", name="Create").click()
    expect(page.locator("table")).to_contain_text("Norr")

    page.goto(f"/admin/customers/details/?id={customer.id}")
    page.wait_for_load_state()
    card = page.get_by_role("region", name="Customer data")
    card.get_by_role("link", name="Edit").click()
    panel = page.get_by_role("dialog", name="Edit customer")
    panel.get_by_label("Payment method").select_option(label="Card")
    panel.get_by_label("Location group").select_option(label="Norr")
    panel.get_by_role("button", name="Update").click()
    expect(panel).to_be_hidden()
    card = page.get_by_role("region", name="Customer data")
    expect(card).to_contain_text("Card")
    expect(card).to_contain_text("Norr")

    page.goto("/admin/customers/")
    page.wait_for_load_state()
    rows = page.locator("#bo-list tbody tr")
    expect(rows).to_have_count(2)
    with page.expect_navigation():  # the dropdowns submit themselves
        page.get_by_label("Location group").select_option(label="Norr")
    expect(rows).to_have_count(1)
    with page.expect_navigation():
        page.get_by_label("Payment method").select_option(label="Card")
    expect(page).to_have_url(re.compile(r"payment_method=card"))
    expect(page).to_have_url(re.compile(r"location_group="))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Distrikt AB")
    expect(page.locator(".bo-chip")).to_have_text(["Payment method: Card ×", "Location group: Norr ×"])

    page.locator(".bo-chip", has_text="Location group: Norr").click()
    expect(page).not_to_have_url(re.compile(r"location_group="))
    expect(page).to_have_url(re.compile(r"payment_method=card"))
    expect(page.locator(".bo-chip")).to_have_text(["Payment method: Card ×"])
    expect(rows).to_have_count(1)

    page.goto("/admin/location-groups/")
    page.wait_for_load_state()
    page.locator("tr", has_text="Norr").get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_text(re.compile(r"1 customer.* in this location group"))).to_be_visible()
    page.goto("/admin/location-groups/")
    expect(page.locator("table")).to_contain_text("Norr")
