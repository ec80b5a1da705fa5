"""Browser journeys: manage shared accounts and see the notification arrive on /portal/;
download the customers CSV in English and in Swedish."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from backoffice.models import SharedAccount
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in
from tests.e2e.pickers import combobox


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url("/login")


def test_admin_manages_shared_accounts_and_the_affected_admin_is_notified(page, session, admin):
    owner = factories.customer(session, name="Nordvik AB")
    solberg = factories.customer(session, name="Solberg AB")
    granit = factories.customer(session, name="Granit AB")
    factories.customer(session, name="Tallbo AB")
    factories.customer(session, name="Sovande AB", status="INACTIVE")
    session.add(SharedAccount(customer_id=owner.id, shared_customer_id=granit.id))
    session.commit()

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto(f"/admin/customers/shared/{owner.id}/")
    expect(page.get_by_role("heading", name="Shared accounts of Nordvik AB")).to_be_visible()
    shared = page.get_by_role("table", name="Shared accounts")
    expect(shared.get_by_role("cell", name="Granit AB", exact=True)).to_be_visible()

    # add: the picker asks the server as you type (the inactive one is never offered)
    page.wait_for_load_state("load")
    expect(page.get_by_label("Find a customer account")).to_be_hidden()  # the search form is for no JavaScript
    box = combobox(page, "Customer account")
    box.click()
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    expect(listbox.get_by_role("option")).to_have_count(2)  # Solberg, Tallbo: Granit is shared already
    box.press_sequentially("solb", delay=30)
    expect(listbox.get_by_role("option")).to_have_text([f"Solberg AB ({solberg.organization.org_number})"])
    box.press("Enter")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".alert").filter(has_text="Solberg AB is now shared with Nordvik AB")).to_be_visible()
    expect(shared.get_by_role("cell", name="Solberg AB", exact=True)).to_be_visible()

    # remove, through the confirmation dialog (once the page's scripts have wired the link)
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Remove Granit AB").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Granit AB will no longer be shared with Nordvik AB.")).to_be_visible()
    dialog.get_by_role("button", name="Remove").click()
    expect(page.locator(".alert").filter(has_text="Granit AB is no longer shared")).to_be_visible()
    expect(shared.get_by_role("cell", name="Granit AB", exact=True)).to_have_count(0)
    sign_out(page)

    # the affected customer admin sees it in the portal
    sign_in(page, solberg.admin.email, TEST_PASSWORD)
    expect(page).to_have_url("/portal/")
    expect(page.get_by_text("Your customer account Solberg AB is now shared with Nordvik AB for billing.")).to_be_visible()
    expect(page.get_by_text("1 unread")).to_be_visible()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("0 unread")).to_be_visible()
    sign_out(page)

    sign_in(page, granit.admin.email, TEST_PASSWORD)
    expect(page.get_by_text("Your customer account Granit AB is no longer shared with Nordvik AB for billing.")).to_be_visible()


def _download(page, link="Download CSV") -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    download = info.value
    with open(download.path(), "rb") as fh:
        return download.suggested_filename, fh.read()


def test_download_the_csv_in_both_languages(page, session, admin):
    factories.customer(session, name="Åsa Ekonomi AB", customer_number="42")
    gone = factories.customer(session, name="=Borta AB")
    from backoffice.models.base import utcnow

    gone.deleted_at = utcnow()
    session.commit()

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/export/")
    name, data = _download(page)
    assert name.startswith("customers-") and name.endswith(".csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")[1:], newline=""), delimiter=","))
    assert rows[0][:4] == ["Name", "Customer type", "Organization", "Organization number"]
    assert "Customer number" in rows[0]
    by_name = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert set(by_name) == {"Åsa Ekonomi AB", "'=Borta AB"}
    assert by_name["Åsa Ekonomi AB"]["Customer number"] == "42"
    assert by_name["'=Borta AB"]["Status"] == "DELETED"

    with page.expect_navigation():  # the language switch submits itself and comes back here
        page.get_by_label("Language").select_option("sv")
    expect(page.locator("#bo-language")).to_have_value("sv")
    _name, data = _download(page, "Ladda ner CSV")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")[1:], newline=""), delimiter=";"))
    assert rows[0][:4] == ["Namn", "Kundtyp", "Organisation", "Organisationsnummer"]
    assert "Kundnummer" in rows[0]
    assert {r[rows[0].index("Status")] for r in rows[1:]} == {"AKTIV", "BORTTAGEN"}
