"""Browser journey (issue 13, seed 003): from the side menu to "Add multiple customers", paste five lines of
which two are bad, preview them, add the three good ones, fix the two left in the box and add them too."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from backoffice.services import customer_groups as groups
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in
from tests.e2e.pickers import pick

FIVE = "\n".join([
    "anna.paste@example.com, Anna, Klistra, 070-123 45 67",
    "inte-en-adress, Bo, Klistra",
    "cia.paste@example.com; Cia; Klistra",
    "dag.paste@example.com\tDag\tKlistra\t12",
    "eva.paste@example.com, Eva, Klistra",
])


def test_paste_five_lines_fix_the_two_bad_ones_and_add_them(page, session, admin):
    chosen = groups.create_group(session, None, name="Klistrade")
    session.commit()
    sign_in(page, admin.email, TEST_PASSWORD)

    page.goto("/admin/customers/")
    page.get_by_role("link", name="Add multiple customers").click()
    expect(page.get_by_role("heading", name="Add multiple customers")).to_be_visible()

    box = page.get_by_label("Customers, one per line")
    box.fill(FIVE)
    pick(page, "Customer groups", "Klis", "Klistrade")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".bo-paste-counts")).to_have_text(re.compile(
        r"5 lines:\s+3 new customers,\s+0 updates of existing customers,\s+2 lines with problems\."))
    bad = page.locator(".bo-paste-lines tr.table-danger")
    expect(bad).to_have_count(2)
    expect(bad.nth(0)).to_contain_text("Enter a valid e-mail address.")
    expect(bad.nth(1)).to_contain_text("This is not a valid phone number")

    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("3 customers were added.")).to_be_visible()
    expect(page.get_by_text("2 lines were not added: fix them below and add them again.")).to_be_visible()
    expect(box).to_have_value("inte-en-adress, Bo, Klistra\ndag.paste@example.com\tDag\tKlistra\t12")

    box.fill("bo.paste@example.com, Bo, Klistra\ndag.paste@example.com\tDag\tKlistra\t070-765 43 21")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("2 customers were added.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/customers/$"))
    page.goto(f"/admin/customers/?group={chosen.id}")
    expect(page.locator("#bo-list tbody tr")).to_have_count(5)  # all five in the group chosen before Add
