"""Browser journey (issue 13, seed 001's "Upload registers"): from the side menu to "Import customers", upload
a CSV with a bad row, see the dry run, import only the valid rows, and see the import done with its counts."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in

REGISTER = (
    "\ufeffE-post;Förnamn;Efternamn;Kundgrupper\r\n"
    "ulla.upload@example.com;Ulla;Uppladd;Importerade\r\n"
    "inte-en-adress;Bo;Uppladd;Importerade\r\n"
    "vera.upload@example.com;Vera;Uppladd;Importerade\r\n"
)


def tick(page, label: str) -> None:
    """Tick a checkbox as a user does: by its label (the styled box is drawn over the input)."""
    page.get_by_text(label, exact=True).click()
    expect(page.get_by_label(label)).to_be_checked()


def test_upload_a_csv_dry_run_then_import_and_see_it_done(page, admin, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    sign_in(page, admin.email, TEST_PASSWORD)

    page.goto("/admin/customers/")
    page.get_by_role("link", name="Import customers").click()
    expect(page.get_by_role("heading", name="Import customers")).to_be_visible()
    page.get_by_label("Register file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Dry run: nothing has been imported yet")).to_be_visible()
    expect(page.locator(".bo-import-counts")).to_have_text(re.compile(
        r"3 rows:\s+2 new customers,\s+0 updated,\s+0 unchanged,\s+1 rejected\."))
    expect(page.locator(".bo-import-rejected tbody tr")).to_have_count(1)
    expect(page.locator(".bo-import-rejected")).to_contain_text("Enter a valid e-mail address.")
    expect(page.get_by_text("Customer groups: Importerade")).to_be_visible()

    # all or nothing: without the choice, nothing is imported
    tick(page, "Create the groups listed above")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Nothing was imported: 1 rows were rejected.", exact=False)).to_be_visible()

    tick(page, "Create the groups listed above")
    tick(page, "Import only the valid rows")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported: 2 new, 0 updated, 0 unchanged, 1 rejected.")).to_be_visible()
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Show the customers").click()
    expect(page).to_have_url(re.compile(r"/admin/customers/$"))
    page.goto("/admin/customers/?search=Uppladd")
    expect(page.locator("#bo-list tbody tr")).to_have_count(2)
