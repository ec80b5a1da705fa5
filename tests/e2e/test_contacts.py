"""Browser journey (issue 10): on the customer's Contacts tab, add two contacts in the side panel and switch
the primary; the Primary badge moves with it. Remove goes through a named dialog."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in


def _row(page, name):
    return page.locator(f'tr[data-contact="{name}"]')


def test_add_two_contacts_and_switch_the_primary(page, admin, session):
    customer = factories.customer(session, name="Kontaktdata AB")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto(f"/admin/customers/details/?id={customer.id}")
    tabs = page.locator(".bo-record-tabs .nav-link")
    expect(tabs).to_have_text(["Overview", "Contacts", "Timeline"])
    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(page.get_by_text("No contacts yet.")).to_be_visible()

    page.wait_for_load_state()  # (the tab's scripts have wired its links to the panel: else a page of its own)
    page.get_by_role("link", name="Add contact").click()
    panel = page.get_by_role("dialog", name="Add contact")
    expect(panel.get_by_label("First name")).to_be_focused()
    panel.get_by_label("First name").fill("Anna")
    panel.get_by_label("Last name").fill("Berg")
    panel.get_by_label("Title").fill("CEO")
    panel.get_by_text("Primary contact", exact=True).click()
    panel.get_by_role("button", name="Create").click()
    expect(panel).to_be_hidden()
    expect(_row(page, "Anna Berg").locator(".bo-primary-badge")).to_have_text("Primary")

    page.wait_for_load_state()  # (the reloaded page's scripts have wired its links to the panel)
    page.get_by_role("link", name="Add contact").click()
    panel = page.get_by_role("dialog", name="Add contact")
    panel.get_by_label("First name").fill("Bo")
    panel.get_by_label("Last name").fill("Ek")
    panel.get_by_label("E-mail").fill("bo@example.com")
    panel.get_by_text("Primary contact", exact=True).click()
    panel.get_by_role("button", name="Create").click()
    expect(panel).to_be_hidden()
    expect(_row(page, "Bo Ek").locator(".bo-primary-badge")).to_have_text("Primary")
    expect(_row(page, "Anna Berg").locator(".bo-primary-badge")).to_have_count(0)
    page.wait_for_load_state()

    # Back to Anna with one click: the badge moves again.
    _row(page, "Anna Berg").get_by_role("button", name="Make primary").click()
    expect(page.get_by_text("Anna Berg is now the primary contact.")).to_be_visible()
    expect(_row(page, "Anna Berg").locator(".bo-primary-badge")).to_have_text("Primary")
    expect(_row(page, "Bo Ek").locator(".bo-primary-badge")).to_have_count(0)

    # Removing asks first, naming the contact.
    page.wait_for_load_state()
    _row(page, "Bo Ek").get_by_role("link", name="Remove").click()
    dialog = page.get_by_role("dialog", name="Remove contact Bo Ek?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Remove contact").click()
    expect(page.get_by_text("Contact Bo Ek was removed.")).to_be_visible()
    expect(_row(page, "Bo Ek")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/admin/customers/contacts/\?id={customer.id}$"))
