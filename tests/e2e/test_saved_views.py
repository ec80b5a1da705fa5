"""Browser journey (issue 11, saved views): filter the customers list by a group and a status pill, search,
save that view under a name (shared), clear the list, and open the saved view from the "Saved views" menu:
the same URL, the same rows and chips, the view marked as the active one."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import expect

from backoffice.services import customer_groups as groups
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import open_menu, sign_in


def _query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


def test_save_a_filtered_view_clear_it_and_open_it_again(page, session, admin):
    members = [factories.customer(session, name=n, status=s)
               for n, s in (("Sparadata AB", "ACTIVE"), ("Sparabygg AB", "INACTIVE"), ("Spjärn AB", "ACTIVE"))]
    factories.customer(session, name="Sparautanför AB")
    key = groups.create_group(session, None, name="Key accounts")
    session.flush()
    groups.add_members(session, None, key, [c.id for c in members])
    session.commit()
    sign_in(page, admin.email, TEST_PASSWORD)

    page.goto("/admin/customers/")
    rows = page.locator("#bo-list tbody tr")
    expect(rows).to_have_count(4)
    with page.expect_navigation():
        page.get_by_label("Customer group").select_option(label="Key accounts")
    page.get_by_role("link", name="Active", exact=True).click()
    expect(page.locator('[data-status="active"]')).to_have_attribute("aria-current", "true")
    page.wait_for_load_state()
    page.get_by_label("Search").first.fill("spara")  # the live search refreshes the menu's "Save this view…"
    expect(page).to_have_url(re.compile(r"search=spara"))
    expect(rows).to_have_count(1)
    saved_url = page.url

    menu = open_menu(page, "Saved views")
    expect(menu).to_contain_text("No saved views yet.")
    menu.get_by_role("link", name="Save this view…").click()
    dialog = page.locator("#bo-dialog")
    expect(dialog.get_by_role("heading", name="Save this view")).to_be_visible()
    dialog.get_by_role("button", name="Save view").click()  # no name: said beside the field
    expect(dialog.locator("#name-error")).to_have_text("Enter a name.")
    dialog.get_by_label("Name").fill("Active key accounts")
    dialog.get_by_text("Share with everyone").click()  # (the custom checkbox: its label is what one clicks)
    expect(dialog.get_by_label("Share with everyone")).to_be_checked()
    dialog.get_by_role("button", name="Save view").click()
    expect(page.locator(".alert-success")).to_contain_text("The view Active key accounts was saved.")
    assert _query(page.url) == _query(saved_url)  # back on the same list
    expect(page.get_by_role("button", name="Saved views: Active key accounts")).to_be_visible()

    page.goto("/admin/customers/")  # cleared
    expect(rows).to_have_count(4)
    expect(page.locator(".bo-chip")).to_have_count(0)
    menu = open_menu(page, "Saved views")
    item = menu.locator(".bo-saved-view a.dropdown-item", has_text="Active key accounts")
    expect(item).to_contain_text("Shared")
    item.click()
    expect(page).to_have_url(re.compile(r"search=spara"))
    assert _query(page.url) == _query(saved_url) == {"search": "spara", "status": "active", "group": str(key.id)}
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sparadata AB")
    expect(page.locator(".bo-chip")).to_have_text(["Group: Key accounts ×", "Status: Active ×"])
    expect(page.locator('[data-status="active"]')).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("button", name="Saved views: Active key accounts")).to_be_visible()
