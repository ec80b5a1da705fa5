"""Browser journey (issue 11, private customers): "+ Add customer" asks for the type, the private form
(seed 003: e-mail, first name, last name, phone) creates the customer, and the list filtered by the
customer type shows it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in


def test_add_a_private_customer_by_type_and_filter_the_list_by_type(page, session, admin):
    factories.customer(session, name="Företaget AB")
    session.commit()
    sign_in(page, admin.email, TEST_PASSWORD)

    page.goto("/admin/customers/")
    page.wait_for_load_state()
    page.get_by_role("link", name="Add customer").first.click()
    panel = page.locator("#bo-panel")
    expect(panel.get_by_text("What kind of customer do you want to add?")).to_be_visible()
    panel.get_by_role("link", name=re.compile("Private customer")).click()
    expect(panel.get_by_role("heading", name="Add private customer")).to_be_visible()

    panel.get_by_label("E-mail", exact=True).fill("not-an-email")
    panel.get_by_label("First name").fill("Petra")
    panel.get_by_label("Last name").fill("Persson")
    panel.get_by_label("Phone number").fill("070-123 45 67")
    panel.get_by_role("button", name="Create", exact=True).click()
    expect(panel.locator(".invalid-feedback").first).to_be_visible()  # beside the e-mail, in the panel
    panel.get_by_label("E-mail", exact=True).fill("petra@example.com")
    with page.expect_navigation():
        panel.get_by_role("button", name="Create", exact=True).click()
    rows = page.locator("#bo-list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#bo-list")).to_contain_text("Petra Persson")

    with page.expect_navigation():  # the type dropdown submits itself
        page.get_by_label("Customer type").select_option(label="Private")
    expect(page).to_have_url(re.compile(r"customer_type=private"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Petra Persson")
    expect(page.locator(".bo-chip")).to_have_text(["Customer type: Private ×"])
    page.locator(".bo-chip").click()
    expect(rows).to_have_count(2)
