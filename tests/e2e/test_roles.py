"""Browser journey (issue 14): a system administrator duplicates the Staff role into a role of their own, ticks a
permission, gives the role to a user in the users register, and that user may then do what the role grants."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in


def test_create_a_role_from_a_duplicate_and_give_it_to_a_user(page, admin, make_user, session):
    factories.customer(session, name="Fältdata AB")
    sara = make_user(role="staff", email="sara@example.com", first_name="Sara", last_name="Staff")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/roles/")
    page.wait_for_load_state()  # (the page's scripts have wired its links to the panel)
    page.get_by_role("link", name="Duplicate Staff").click()
    panel = page.get_by_role("dialog", name="Duplicate Staff")
    expect(panel.get_by_label("Name")).to_have_value("Copy of Staff")
    expect(panel.get_by_label("View customers", exact=True)).to_be_checked()
    export = panel.get_by_label("Download customers as CSV")
    expect(export).not_to_be_checked()
    panel.get_by_text("Download customers as CSV", exact=True).click()
    expect(export).to_be_checked()
    panel.get_by_label("Name").fill("Exporters")
    panel.get_by_label("Description").fill("Staff who download the register")
    panel.get_by_role("button", name="Create").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_text("Role Exporters was created.")).to_be_visible()
    row = page.locator(".bo-role-list").get_by_role("row", name=re.compile("^Exporters"))
    expect(row).to_contain_text("Staff who download the register")
    export_row = page.locator(".bo-roles").get_by_role("row", name=re.compile(r"^Download customers as CSV"))
    expect(export_row.locator('td[data-role="exporters"]')).to_have_accessible_name("Yes")
    expect(export_row.locator('td[data-role="staff"]')).to_have_accessible_name("No")

    # The users register offers it; Sara gets it.
    page.goto(f"/admin/users/edit/?id={sara.id}")
    page.get_by_label("Role").select_option(label="Exporters")
    page.get_by_role("button", name=re.compile("^(Save|Update)$")).first.click()
    expect(page.get_by_role("cell", name="Exporters")).to_be_visible()

    # Signed in as Sara: the customers list offers the download that Staff alone doesn't have.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, sara.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    expect(page.get_by_role("cell", name="Fältdata AB", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible()
    page.goto("/admin/roles/")
    expect(page.get_by_role("link", name="Add role")).to_have_count(0)  # (she may not edit roles)
