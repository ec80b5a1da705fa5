"""Browser journeys (issue 9): Organizations and Users add and edit in the side panel as Customers do,
by keyboard too (the first field has the focus, Escape closes), and their dialogs name the record."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import open_menu, sign_in


def test_an_organization_is_added_and_edited_in_the_side_panel(page, admin, make_org):
    make_org(name="Havsdata AB", org_number="112233-4459")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/organizations/")
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")

    # The panel opens with its first field focused, and Escape closes it (nothing typed yet).
    page.get_by_role("link", name="Add organization").click()
    panel = page.get_by_role("dialog", name="Add organization")
    expect(panel).to_be_visible()
    expect(panel.get_by_label("Name")).to_be_focused()
    expect(panel.get_by_role("button")).to_have_text(["Create", "Create and add another"])
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/admin/organizations/$"))  # no page was left

    # Added by keyboard: type, Tab, type, Enter submits the panel's form.
    page.get_by_role("link", name="Add organization").click()
    expect(panel.get_by_label("Name")).to_be_focused()
    page.keyboard.type("Fjällbygg AB")
    page.keyboard.press("Tab")
    expect(panel.get_by_label("Organization number")).to_be_focused()
    page.keyboard.type("556677-8899")
    page.keyboard.press("Enter")
    expect(panel).to_be_hidden()
    expect(page.get_by_text("Showing 1–2 of 2 results")).to_be_visible()
    expect(page.get_by_role("cell", name="Fjällbygg AB", exact=True)).to_be_visible()

    # Edited from the row menu, in the panel too.
    open_menu(page, "Actions for Fjällbygg AB").get_by_role("link", name="Edit").click()
    panel = page.get_by_role("dialog", name="Edit organization")
    expect(panel.get_by_label("Name")).to_be_focused()
    expect(panel.get_by_label("Name")).to_have_value("Fjällbygg AB")
    expect(panel.get_by_role("button", name="Create and add another")).to_have_count(0)
    panel.get_by_label("Municipality").fill("Umeå")
    panel.get_by_role("button", name="Update").click()
    expect(panel).to_be_hidden()
    row = page.get_by_role("row", name=re.compile("Fjällbygg AB"))
    expect(row.get_by_role("cell", name="Umeå", exact=True)).to_be_visible()

    # The delete dialog names the action and the record.
    open_menu(page, "Actions for Fjällbygg AB").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("dialog", name="Delete organization Fjällbygg AB?")).to_be_visible()
    page.screenshot(path="/tmp/screens-org-delete.png")


def test_a_user_is_added_and_edited_in_the_side_panel(page, admin):
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/users/")
    page.get_by_role("link", name="Add user").click()
    panel = page.get_by_role("dialog", name="Add user")
    expect(panel.get_by_label("First name")).to_be_focused()
    expect(panel.get_by_text("Remove the photo")).to_have_count(0)
    expect(panel.get_by_text("Leave empty to keep the current password")).to_have_count(0)
    page.screenshot(path="/tmp/screens-user-add.png")
    panel.get_by_label("First name").fill("Nora")
    panel.get_by_label("Last name").fill("Nilsson")
    panel.get_by_label("E-mail").fill("nora@example.com")
    panel.get_by_role("button", name="Create", exact=True).click()
    expect(panel).to_be_hidden()
    expect(page.get_by_role("cell", name="Nora Nilsson", exact=True)).to_be_visible()

    open_menu(page, "Actions for Nora Nilsson <nora@example.com>").get_by_role("link", name="Edit").click()
    panel = page.get_by_role("dialog", name="Edit user")
    expect(panel.get_by_label("First name")).to_be_focused()
    expect(panel.get_by_text("Leave empty to keep the current password")).to_be_visible()
    panel.get_by_label("Last name").fill("Norberg")
    # A changed form asks before Escape throws the change away; declining keeps the panel open.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.keyboard.press("Escape")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Update").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_role("cell", name="Nora Norberg", exact=True)).to_be_visible()
    page.wait_for_load_state("load")  # (the reloaded list's scripts have wired its dialogs)

    open_menu(page, "Actions for Nora Norberg <nora@example.com>").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("dialog", name="Delete user Nora Norberg?")).to_be_visible()


def test_the_customers_delete_dialog_names_the_customer(page, admin, session, make_org):
    from tests.customer_helpers import customer

    customer(session, org=make_org(name="Bergdata HA 30"))
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    open_menu(page, "Actions for Bergdata HA 30").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("dialog", name="Delete customer Bergdata HA 30?")).to_be_visible()
    page.screenshot(path="/tmp/screens-customers-delete.png")
