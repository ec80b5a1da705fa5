"""Browser journey (issue 11, first part): an editor creates a customer group from the overview switch, adds
two members with the picker, switches on automatic settlement, opens a member and sees the setting
"inherited from group …" on its page, then filters the customers list by the group and downloads that view."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in
from tests.e2e.pickers import pick


def test_create_a_group_add_members_switch_on_settlement_see_it_inherited_filter_and_download(page, session, make_user):
    editor = make_user(role="editor", email="editor@example.com")
    first = factories.customer(session, name="Gruppdata AB")
    factories.customer(session, name="Gruppbygg AB")
    factories.customer(session, name="Utanför AB")
    sign_in(page, editor.email, TEST_PASSWORD)

    page.goto("/admin/customers/")
    page.get_by_role("link", name="Customer groups", exact=True).click()
    expect(page.get_by_text("No customer groups yet.")).to_be_visible()
    page.wait_for_load_state()  # (the page's scripts have wired its links to the panel)
    page.locator(".bo-empty").get_by_role("link", name="+ Create customer group").click()
    panel = page.get_by_role("dialog", name="Create customer group")
    panel.get_by_label("Name").fill("Key accounts")
    panel.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Customer group Key accounts was created.")).to_be_visible()
    expect(page.get_by_role("heading", name="Key accounts")).to_be_visible()

    for name in ("Gruppdata AB", "Gruppbygg AB"):
        page.wait_for_load_state()
        pick(page, "Add customers", name[:8], name)
        page.get_by_role("button", name="Add customers").click()
        expect(page.get_by_text("1 customer was added to Key accounts.")).to_be_visible()
    members = page.locator(".bo-members tbody tr")
    expect(members).to_have_count(2)

    settings = page.locator(".bo-group-settings")
    settings.get_by_label("Automatic settlement").select_option(label="On")
    settings.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The settings of Key accounts were saved.")).to_be_visible()

    page.get_by_role("link", name="Gruppdata AB").click()
    card = page.locator(".bo-customer-settings")
    expect(card).to_contain_text("Automatic settlement")
    expect(card).to_contain_text("On")
    expect(card).to_contain_text("inherited from group Key accounts")
    expect(card).to_contain_text("Payment terms (days)")
    expect(card.locator("[data-card=groups]")).to_contain_text("Key accounts")

    page.goto("/admin/customers/")
    page.wait_for_load_state()
    rows = page.locator("#bo-list tbody tr")
    expect(rows).to_have_count(3)
    with page.expect_navigation():  # the group dropdown submits itself
        page.get_by_label("Customer group").select_option(label="Key accounts")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Download CSV").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="This filtered view").click()
    with open(info.value.path(), "rb") as fh:
        data = fh.read().decode("utf-8")[1:]  # (after the BOM)
    names = sorted(r[0] for r in list(csv.reader(io.StringIO(data, newline="")))[1:])
    assert names == ["Gruppbygg AB", first.organization.name]
