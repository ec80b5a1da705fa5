"""Customers in Chromium: add (side panel) → view → edit → delete (typed DELETE) → recover → permanently delete."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.customer_helpers import guest
from tests.e2e.conftest import open_menu, sign_in, add_business_customer
from tests.e2e.pickers import pick

LIST_URL = re.compile(r"/admin/customers/(\?[^#]*)?$")


def _row_menu(page, name):
    return open_menu(page, f"Actions for {name}")


def test_customer_journey(page, admin, session, make_org):
    org = make_org(name="Journey AB", region="Skåne län", address="Resvägen 1")
    first = guest(session, first_name="Greta", last_name="Guest")
    second = guest(session, first_name="Nora", last_name="New")
    sign_in(page, admin.email, TEST_PASSWORD)

    # Add, in the side panel over the list
    page.goto("/admin/customers/")
    expect(page.get_by_text("No customers yet.")).to_be_visible()
    add_business_customer(page)
    panel = page.locator("#bo-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_text("No customers yet.")).to_be_visible()  # the list stays behind the panel
    pick(panel, "Organization", "Journ", "Journey AB")
    pick(panel, "Customer admin", "Gret", "Greta Guest")
    panel.get_by_label("Customer number").fill("12ab")
    panel.get_by_role("button", name="Create", exact=True).click()
    expect(panel.get_by_text("The customer number may contain digits only.")).to_be_visible()
    expect(panel.get_by_label("Customer number")).to_have_value("12ab")
    panel.get_by_label("Customer number").fill("1234")
    panel.get_by_text("Allow shared billing accounts").click()  # Bootstrap custom checkbox: the label is the target
    expect(panel.get_by_label("Allow shared billing accounts")).to_be_checked()
    panel.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(LIST_URL)
    expect(panel).to_be_hidden()
    row = page.locator("tr", has_text="Journey AB")
    expect(row).to_contain_text("ACTIVE")
    expect(row).to_contain_text("Greta Guest")

    # View
    _row_menu(page, "Journey AB").get_by_role("link", name="View").click()
    expect(page.get_by_role("heading", name=re.compile("Journey AB"))).to_be_visible()
    expect(page.get_by_text("Skåne län · Resvägen 1")).to_be_visible()
    expect(page.get_by_role("heading", name="Customer admin details")).to_be_visible()
    expect(page.get_by_text("1234")).to_be_visible()
    page.get_by_role("link", name="Back to customers").click()

    # Edit, in the same panel
    _row_menu(page, "Journey AB").get_by_role("link", name="Edit").click()
    expect(panel.get_by_role("heading", name="Edit customer")).to_be_visible()
    panel.get_by_label("Status").select_option("INACTIVE")
    panel.get_by_label("Responsible person").fill("Rut Responsible")
    panel.get_by_role("button", name="Update").click()
    expect(page).to_have_url(LIST_URL)
    expect(page.locator("tr", has_text="Journey AB")).to_contain_text("INACTIVE")

    # Delete: the typed confirmation is case-sensitive
    _row_menu(page, "Journey AB").get_by_role("link", name="Delete").click()
    dialog = page.locator("#bo-dialog")
    expect(dialog.get_by_text("The customer account Journey AB will be marked as deleted and will be unreachable.")).to_be_visible()
    expect(dialog.get_by_text("This operation cannot be undone.")).to_have_count(0)
    dialog.get_by_label("Type DELETE to confirm").fill("delete")
    expect(dialog.get_by_role("button", name="Delete")).to_be_disabled()
    # The server checks it again, whatever the page did.
    dialog.get_by_role("button", name="Delete").evaluate("button => { button.disabled = false; }")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog.get_by_text("Type DELETE exactly, in capital letters.")).to_be_visible()
    dialog.get_by_label("Type DELETE to confirm").fill("DELETE")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("tr", has_text="Journey AB")).to_contain_text("DELETED")
    expect(page.locator("tr", has_text="Journey AB")).not_to_contain_text("Greta Guest")

    # Recover with a new admin
    _row_menu(page, "Journey AB").get_by_role("link", name="Recover").click()
    expect(dialog.get_by_text("Do you want to recover the customer account Journey AB?")).to_be_visible()
    pick(dialog, "Customer admin", "Nor", "Nora New")
    dialog.get_by_role("button", name="Recover").click()
    row = page.locator("tr", has_text="Journey AB")
    expect(row).to_contain_text("INACTIVE")
    expect(row).to_contain_text("Nora New")

    # Delete again, then permanently
    _row_menu(page, "Journey AB").get_by_role("link", name="Delete").click()
    dialog.get_by_label("Type DELETE to confirm").fill("DELETE")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("tr", has_text="Journey AB")).to_contain_text("DELETED")
    _row_menu(page, "Journey AB").get_by_role("link", name="Permanently delete").click()
    expect(dialog.get_by_text("This operation cannot be undone.")).to_be_visible()
    dialog.get_by_label("Type DELETE to confirm").fill("DELETE")
    dialog.get_by_role("button", name="Permanently delete").click()
    expect(page.get_by_text("No customers yet.")).to_be_visible()


def test_closing_the_panel_with_unsaved_changes_asks_first(page, admin, session, make_org):
    make_org(name="Unsaved AB")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    add_business_customer(page)
    panel = page.locator("#bo-panel")
    panel.get_by_label("Customer number").fill("99")
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    panel.get_by_role("link", name="Cancel").click()
    expect(panel).to_be_visible()  # dismissed: the panel stays with what was typed
    expect(panel.get_by_label("Customer number")).to_have_value("99")
    panel.get_by_role("link", name="Cancel").click()
    expect(panel).to_be_hidden()
    assert questions == ["Discard your unsaved changes?"] * 2


def test_bulk_set_inactive_and_delete(page, admin, session, make_org):
    from tests.customer_helpers import customer

    customer(session, org=make_org(name="Bulk One AB"))
    customer(session, org=make_org(name="Bulk Two AB"))
    customer(session, org=make_org(name="Bulk Gone AB"), deleted=True)
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/?search=Bulk")
    page.wait_for_load_state("load")
    for name in ("Bulk One AB", "Bulk Two AB"):
        page.get_by_label(f"Select {name}").check()
    open_menu(page, "With selected").get_by_role("link", name="Set inactive").click()
    expect(page.get_by_text("2 customer accounts set to inactive.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"search=Bulk"))
    expect(page.locator("tr", has_text="Bulk One AB")).to_contain_text("INACTIVE")

    for name in ("Bulk One AB", "Bulk Two AB", "Bulk Gone AB"):
        page.get_by_label(f"Select {name}").check()
    open_menu(page, "With selected").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete customer accounts")).to_be_visible()
    for name in ("Bulk One AB", "Bulk Two AB", "Bulk Gone AB"):
        expect(page.get_by_role("listitem").filter(has_text=name)).to_be_visible()
    page.get_by_label("Type DELETE to confirm").fill("DELETE")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("2 customer accounts were deleted.")).to_be_visible()
    expect(page.get_by_text("Bulk Gone AB: This customer is already deleted.")).to_be_visible()
    expect(page.locator("tr", has_text="Bulk Two AB")).to_contain_text("DELETED")


def test_live_search_and_back_to_the_list_as_it_was(page, admin, session, make_org):
    from tests.customer_helpers import customer

    customer(session, org=make_org(name="Live Alfa AB"))
    customer(session, org=make_org(name="Other Beta AB"))
    org = make_org(name="Live New AB")
    person = guest(session, first_name="Lova")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    page.get_by_label("Search").first.fill("live")
    expect(page).to_have_url(re.compile(r"search=live"))
    expect(page.locator("tr", has_text="Other Beta AB")).to_have_count(0)
    expect(page.locator("tr", has_text="Live Alfa AB")).to_have_count(1)
    page.get_by_label("Search").first.fill("no such customer")
    expect(page.get_by_text("No results for “no such customer”.")).to_be_visible()
    page.get_by_label("Search").first.fill("live")
    expect(page.locator("tr", has_text="Live Alfa AB")).to_have_count(1)

    add_business_customer(page)
    panel = page.locator("#bo-panel")
    pick(panel, "Organization", "Live N", "Live New AB")
    pick(panel, "Customer admin", "Lov", "Lova")
    panel.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/customers/\?.*search=live"))
    expect(page.locator("tr", has_text="Live New AB")).to_contain_text("Lova")
    expect(page.locator("tr", has_text="Other Beta AB")).to_have_count(0)


def test_the_pager_goes_past_its_numbered_pages_by_next_and_last(page, admin, session, monkeypatch):
    """(issue 12) Page 1 is numbered; Next past the window follows a cursor, Last is the last page; both are
    links a keyboard reaches (Enter on the focused link)."""
    from backoffice.services import customer_list
    from tests import factories

    monkeypatch.setattr(customer_list, "KEYSET_WINDOW", 1)  # (the list's is 10 pages; small data here)
    for n in range(45):
        factories.customer(session, name=f"Kund {n:02d} AB")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    expect(page.locator("tr", has_text="Kund 00 AB")).to_have_count(1)
    pager = page.get_by_role("navigation", name="Pages")
    pager.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"after=\d+"))
    expect(page.locator("tr", has_text="Kund 20 AB")).to_have_count(1)
    expect(page.locator("tr", has_text="Kund 00 AB")).to_have_count(0)
    expect(page.get_by_text("Showing 20 of 45 results")).to_be_visible()
    last = pager.get_by_role("link", name="Last page")
    last.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"last=1"))
    expect(page.locator("tr", has_text="Kund 44 AB")).to_have_count(1)
    expect(page.locator("tr", has_text="Kund 39 AB")).to_have_count(0)
    expect(page.get_by_text("Showing 41–45 of 45 results")).to_be_visible()
    pager.get_by_role("link", name="Previous page").click()
    expect(page.locator("tr", has_text="Kund 39 AB")).to_have_count(1)
    pager.get_by_role("link", name="First page").click()
    expect(page.locator("tr", has_text="Kund 00 AB")).to_have_count(1)
