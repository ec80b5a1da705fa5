"""Browser journey (issue 13, seed 001's "Upload registers"): from the side menu to "Import customers", upload
a CSV with a bad row, see its dry run run as a background job and then its report, import only the valid rows as a background job (the live server has a
worker beside it: tests/e2e/conftest.py), see its progress bar, and see the job done with its counts."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect

from backoffice.services import customer_import

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in
from tests.e2e.test_csp import watched  # noqa: F401  (the page, with its CSP violations collected)

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


@pytest.fixture
def held(monkeypatch):
    """The dry run and the import with "only the valid rows" each stop in their worker after the first row until
    their event (``held["check"]``, ``held["import"]``) is set, so the page is seen while the job runs (whatever
    the machine's speed)."""
    held = {"check": threading.Event(), "import": threading.Event()}
    real_run = customer_import.run
    monkeypatch.setattr(customer_import, "BATCH", 1)  # (progress is told after each batch: here each row)

    def run(*args, progress=None, **kwargs):
        release = held["check"] if kwargs.get("dry_run") else held["import"] if kwargs.get("valid_only") else None

        def report(done, total):
            progress(done, total)
            if done == 1 and release is not None:
                release.wait(60)

        return real_run(*args, progress=progress and report, **kwargs)

    monkeypatch.setattr(customer_import, "run", run)
    yield held
    for event in held.values():
        event.set()


def test_upload_a_csv_dry_run_then_import_and_see_it_done(watched, admin, tmp_path, held):
    page = watched
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    sign_in(page, admin.email, TEST_PASSWORD)

    page.goto("/admin/customers/")
    page.get_by_role("link", name="Import customers").click()
    expect(page.get_by_role("heading", name="Import customers")).to_be_visible()
    page.get_by_label("Register file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    # the dry run is a job of the worker too: its progress shows while it runs, with nothing to import yet
    expect(page.get_by_role("heading", name="Checking the file")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "1")
    expect(page.get_by_text("Checked 1 of 3 rows")).to_be_visible()
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    held["check"].set()
    # checked: the page turns to the dry run's report by itself
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

    expect(page.get_by_role("heading", name="Not imported")).to_be_visible()

    tick(page, "Create the groups listed above")
    tick(page, "Import only the valid rows")
    page.get_by_role("button", name="Import", exact=True).click()
    # the worker has the job: the page shows its progress while it runs
    expect(page.get_by_role("heading", name="Importing")).to_be_visible()
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "1")
    expect(bar).to_have_attribute("aria-valuemax", "3")
    expect(page.get_by_text("1 of 3 rows")).to_be_visible()
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    page.check_csp()  # (the polling script is a static file, as the policy wants)
    held["import"].set()
    # done: the page turns to the report by itself
    expect(page.get_by_text("Imported: 2 new, 0 updated, 0 unchanged, 1 rejected.")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)
    page.check_csp()
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Show the customers").click()
    expect(page).to_have_url(re.compile(r"/admin/customers/$"))
    page.goto("/admin/customers/?search=Uppladd")
    expect(page.locator("#bo-list tbody tr")).to_have_count(2)
