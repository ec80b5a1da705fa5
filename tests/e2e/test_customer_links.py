"""Browser journey: link two customers from one customer's Contacts tab and see the link from both sides,
then remove it through the dialog (gone from both). The links are on the Contacts tab only."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in
from tests.e2e.pickers import pick


def test_link_two_customers_and_see_it_from_both_pages(page, session, admin):
    parent = factories.customer(session, name="Moderbolaget AB")
    child = factories.customer(session, name="Dotterbolaget AB")
    factories.customer(session, name="Dotter Sovande AB", status="INACTIVE")
    session.commit()

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto(f"/admin/customers/details/?id={parent.id}")
    expect(page.get_by_role("region", name="Linked customers")).to_have_count(0)  # not on the Overview
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.wait_for_load_state("load")
    links = page.get_by_role("region", name="Linked customers")
    expect(links.get_by_text("This customer is not linked to any other customer yet.")).to_be_visible()
    links.get_by_role("link", name="Add link").click()
    expect(page.get_by_role("heading", name="Linked customers of Moderbolaget AB")).to_be_visible()
    page.wait_for_load_state("load")
    links = page.get_by_role("region", name="Linked customers")
    links.get_by_label("This customer is").select_option(label="Parent company of")
    pick(page, "Customer account", "dotter", "Dotterbolaget AB")
    # the inactive one was never offered
    links.get_by_role("button", name="Add link").click()
    expect(page.locator(".alert").filter(has_text="Parent company of Dotterbolaget AB")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/admin/customers/contacts/\?id={parent.id}$"))  # back on the Contacts tab
    listed = page.get_by_role("list", name="Linked customers")
    expect(listed).to_contain_text("Parent company of Dotterbolaget AB")

    # the other side, by following the link
    listed.get_by_role("link", name="Dotterbolaget AB", exact=True).click()
    expect(page.get_by_role("heading", name="Dotterbolaget AB")).to_be_visible()
    page.get_by_role("link", name="Contacts", exact=True).click()
    listed = page.get_by_role("list", name="Linked customers")
    expect(listed).to_contain_text("Subsidiary of Moderbolaget AB")

    # remove from this side: gone from both
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Remove the link to Moderbolaget AB").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("The link is removed for both customers.")).to_be_visible()
    dialog.get_by_role("button", name="Remove").click()
    expect(page.locator(".alert").filter(has_text="is no longer linked to Moderbolaget AB")).to_be_visible()
    expect(page.get_by_role("list", name="Linked customers")).to_have_count(0)
    page.goto(f"/admin/customers/contacts/?id={parent.id}")
    expect(page.get_by_text("This customer is not linked to any other customer yet.")).to_be_visible()
