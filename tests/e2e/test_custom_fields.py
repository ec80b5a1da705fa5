"""Browser journey (issue 10, seed 001): a system administrator defines a yes/no custom field from the register
settings, ticks it on a customer in the edit panel, and sees it on the customer page under its header."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import open_menu, sign_in


def test_define_a_yes_no_field_set_it_on_a_customer_and_see_it_on_the_card(page, admin, session):
    customer = factories.customer(session, name="Fältdata AB", allow_shared_billing=False)
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/settings/")
    page.get_by_role("link", name="Custom fields of the customer register").click()
    expect(page.get_by_text("No custom fields yet.")).to_be_visible()

    page.wait_for_load_state()  # (the page's scripts have wired its links to the panel)
    page.get_by_role("link", name="Add custom field").click()
    panel = page.get_by_role("dialog", name="Add custom field")
    panel.get_by_label("Label").fill("Key account")
    panel.get_by_label("Type").select_option(label="Yes/no")
    panel.get_by_role("button", name="Create").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_text("Custom field Key account was created.")).to_be_visible()
    expect(page.locator(".bo-custom-fields tbody tr")).to_have_count(1)

    page.goto(f"/admin/customers/details/?id={customer.id}")
    card = page.get_by_label("Custom fields")
    expect(card).to_contain_text("Key account: No")
    open_menu(page, "Actions").get_by_role("link", name="Edit").click()
    panel = page.get_by_role("dialog", name="Edit customer")
    checkbox = panel.get_by_label("Key account")
    expect(checkbox).not_to_be_checked()
    panel.get_by_text("Key account", exact=True).click()
    expect(checkbox).to_be_checked()
    panel.get_by_role("button", name="Update").click()
    expect(panel).to_be_hidden()

    page.goto(f"/admin/customers/details/?id={customer.id}")
    expect(page.get_by_label("Custom fields")).to_contain_text("Key account: Yes")
