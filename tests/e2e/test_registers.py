"""Browser journeys through the registers: sidebar, create, live search, typed-DELETE dialog, sign out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import open_menu, sign_in


def test_admin_journey_through_the_registers(page, admin, make_org):
    make_org(name="Havsdata AB", org_number="112233-4459")
    make_org(name="Solmedia AB", org_number="223344-5564")
    sign_in(page, admin.email, TEST_PASSWORD)
    expect(page).to_have_url("/admin/")

    # The sidebar: REGISTERS -> Organizations, Users.
    sidebar = page.get_by_role("navigation", name="Main navigation")
    expect(sidebar.get_by_text("REGISTERS", exact=True)).to_be_visible()
    sidebar.get_by_role("link", name="Users").click()
    expect(page).to_have_url("/admin/users/")
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_role("cell", name="Root Admin", exact=True)).to_be_visible()
    sidebar.get_by_role("link", name="Organizations").click()
    expect(page).to_have_url("/admin/organizations/")
    expect(page.get_by_text("Showing 1–2 of 2 results")).to_be_visible()

    # Create an organization (in the side panel, issue 9; once the page's scripts have wired the link).
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Add organization").click()
    panel = page.get_by_role("dialog", name="Add organization")
    panel.get_by_label("Name").fill("Fjällbygg AB")
    expect(panel.get_by_label("Country")).to_have_value("SE")  # the register's default region, by name
    expect(panel.get_by_label("Country").locator("option:checked")).to_have_text("Sweden")
    panel.get_by_label("Organization number").fill("556677-8898")  # the check digit is wrong
    panel.get_by_label("E-mail").fill("info@fjallbygg.se")
    panel.get_by_role("button", name="Create", exact=True).click()
    panel = page.get_by_role("dialog", name="Add organization")
    expect(panel.get_by_text("This is not a valid Swedish organization number (the check digit is wrong).")).to_be_visible()
    panel.get_by_label("Organization number").fill("556677-8899")
    panel.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/organizations/"))
    expect(page.get_by_text("Showing 1–3 of 3 results")).to_be_visible()

    # Live search as you type: the list narrows without submitting, and the URL keeps the search.
    page.wait_for_load_state("load")  # (the page's scripts have wired the search box: typed before, nothing asks)
    page.get_by_label("Search").press_sequentially("fjäll", delay=30)
    expect(page.get_by_text("Showing 1–1 of 1 results")).to_be_visible()
    expect(page.get_by_role("cell", name="Fjällbygg AB", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Havsdata AB", exact=True)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"search=fj"))
    page.get_by_label("Search").fill("")
    page.get_by_label("Search").press_sequentially("5566778899", delay=30)
    expect(page).to_have_url(re.compile(r"search=5566778899"))  # the list has been swapped in
    expect(page.get_by_role("cell", name="Fjällbygg AB", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Solmedia AB", exact=True)).to_have_count(0)

    # Soft delete through the dialog: the button stays disabled until DELETE is typed exactly.
    open_menu(page, "Actions for Fjällbygg AB").get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Fjällbygg AB will be marked as deleted")).to_be_visible()
    confirm = dialog.get_by_role("button", name="Delete")
    box = dialog.get_by_label("Type DELETE to confirm")
    expect(confirm).to_be_disabled()
    box.fill("delete")
    expect(confirm).to_be_disabled()
    box.fill("DELETE")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.get_by_text("“Fjällbygg AB” was deleted.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Fjällbygg AB"))
    expect(row.get_by_text("DELETED")).to_be_visible()

    # Sign out.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url("/login")
    page.goto("/admin/organizations/")
    expect(page).to_have_url(re.compile(r"/login\?next=/admin/organizations/"))


def test_staff_sees_no_change_controls_and_gets_403(page, make_user, make_org):
    org = make_org(name="Havsdata AB", org_number="112233-4459")
    staff = make_user(role="staff", email="sara@example.com", first_name="Sara", last_name="Staff")
    sign_in(page, staff.email, TEST_PASSWORD)
    expect(page).to_have_url("/admin/")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Organizations").click()
    expect(page.get_by_role("cell", name="Havsdata AB", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Add organization")).to_have_count(0)
    menu = open_menu(page, "Actions for Havsdata AB")
    expect(menu.get_by_role("link", name="View")).to_be_visible()
    expect(menu.get_by_role("link")).to_have_count(1)  # no Edit, Delete, Recover or Permanently delete

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Users").click()
    expect(page.get_by_role("link", name="Add user")).to_have_count(0)

    for url in (
        "/admin/organizations/new/",
        f"/admin/organizations/edit/?id={org.id}",
        f"/admin/organizations/soft-delete/?id={org.id}",
        "/admin/users/new/",
    ):
        response = page.goto(url)
        assert response.status == 403, url
        expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    # (issue 14) the refusal says which permission is missing and leads to what each role may do
    page.goto("/admin/users/new/")
    expect(page.get_by_text("This page needs the permission “Create users”, which your role, Staff, doesn't have.",
                            exact=False)).to_be_visible()
    page.get_by_role("link", name="See what each role may do").click()
    expect(page).to_have_url("/admin/roles/")
    expect(page.get_by_role("heading", name="Roles and permissions")).to_be_visible()
    row = page.get_by_role("row", name=re.compile(r"^Create users"))
    expect(row.get_by_role("cell")).to_have_count(6)  # (the built-in roles)
    expect(row.locator('td[data-role="staff"]')).to_have_accessible_name("No")
    expect(row.locator('td[data-role="system-admin"]')).to_have_accessible_name("Yes")
    expect(page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Roles and permissions")
           ).to_be_visible()
