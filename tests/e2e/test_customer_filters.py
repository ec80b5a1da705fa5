"""Browser journey (issue 11, list filters): filter the customers list by a customer group (the dropdown
submits itself), narrow it with a status pill and the live search, remove a chip, and download that view."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from backoffice.services import customer_groups as groups
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in


def test_filter_by_group_and_status_search_live_and_download_that_view(page, session, admin):
    members = [factories.customer(session, name=n, status=s)
               for n, s in (("Filterdata AB", "ACTIVE"), ("Filterbygg AB", "INACTIVE"), ("Fjärran AB", "ACTIVE"))]
    factories.customer(session, name="Filterutanför AB")
    key = groups.create_group(session, None, name="Key accounts")
    session.flush()
    groups.add_members(session, None, key, [c.id for c in members])
    session.commit()
    sign_in(page, admin.email, TEST_PASSWORD)

    page.goto("/admin/customers/")
    page.wait_for_load_state()
    rows = page.locator("#bo-list tbody tr")
    expect(rows).to_have_count(4)
    with page.expect_navigation():  # the group dropdown submits itself
        page.get_by_label("Customer group").select_option(label="Key accounts")
    expect(page).to_have_url(re.compile(rf"group={key.id}"))
    expect(rows).to_have_count(3)
    expect(page.locator(".bo-chip")).to_have_text(["Group: Key accounts ×"])

    page.get_by_role("link", name="Active", exact=True).click()
    expect(page.locator('[data-status="active"]')).to_have_attribute("aria-current", "true")
    expect(rows).to_have_count(2)

    page.wait_for_load_state()
    page.get_by_label("Search").first.fill("filter")  # the live search keeps the filters
    expect(page).to_have_url(re.compile(r"search=filter"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Filterdata AB")

    page.get_by_role("button", name="Download CSV").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="This filtered view").click()
    with open(info.value.path(), "rb") as fh:
        data = fh.read().decode("utf-8")[1:]
    assert [r[0] for r in list(csv.reader(io.StringIO(data, newline="")))[1:]] == ["Filterdata AB"]

    # the chips' links were refreshed with the live search: removing the status keeps the search and group
    page.locator(".bo-chip", has_text="Status: Active").click()
    expect(page).to_have_url(re.compile(r"search=filter"))
    expect(page).not_to_have_url(re.compile(r"status="))
    expect(rows).to_have_count(2)
