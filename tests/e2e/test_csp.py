"""The Content-Security-Policy holds in a real browser: no violation on the main pages, and the menus and
dialogs (all JavaScript from static files) still work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import open_menu, sign_in, add_business_customer
from tests.e2e.pickers import combobox

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation (DOM event or console report) collected in page.csp_violations."""
    violations: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None,
    )
    page.on("pageerror", lambda err: violations.append(f"page error: {err}"))

    def check():
        found = violations + page.evaluate("window.__cspViolations || []")
        assert found == [], f"{page.url}: {found}"

    page.check_csp = check
    return page


def test_main_pages_have_no_csp_violation_and_menus_and_dialogs_work(watched, admin, make_org, make_user):
    page = watched
    org = make_org(name="Acme Widgets AB")
    make_org(name="Beta Bolts AB")
    make_user(first_name="Ulla", last_name="Users")

    page.goto("/login")
    expect(page.get_by_role("link", name="Forgotten your password?")).to_be_visible()
    page.check_csp()
    sign_in(page, admin.email, TEST_PASSWORD)
    expect(page).to_have_url("/admin/")
    page.check_csp()

    page.goto("/admin/users/")
    expect(page.get_by_text("Ulla Users")).to_be_visible()
    menu = open_menu(page, "Actions for Ulla Users")
    expect(menu.get_by_role("link", name="Sign out everywhere")).to_be_visible()
    page.check_csp()

    page.goto(f"/admin/organizations/edit/?id={org.id}")
    expect(page.get_by_label("Name")).to_have_value("Acme Widgets AB")
    # The register form (issue 9): no Flask-Admin List / Create / Edit tabs (javascript:void(0) links) any more
    expect(page.locator(".nav-tabs")).to_have_count(0)
    page.check_csp()

    page.goto("/admin/organizations/")
    # the column ⋮ menu
    open_menu(page, "Column menu for Name").get_by_role("link", name="Sort descending").click()
    expect(page.locator("tbody tr").first).to_contain_text("Beta Bolts AB")
    page.check_csp()
    # the row ⋮ menu and the delete dialog (a modal loaded by backoffice.js)
    open_menu(page, "Actions for Acme Widgets AB").get_by_role("link", name="Delete").click()
    dialog = page.locator("#bo-dialog")
    expect(dialog).to_be_visible()
    confirm = dialog.get_by_label("Type DELETE to confirm")
    confirm.fill("DELETE")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("row", name="Acme Widgets AB")).to_contain_text("DELETED")
    page.check_csp()

    # the dialog as a page of its own (no JavaScript needed) and the profile pages
    page.goto(f"/admin/organizations/recover/?id={org.id}")
    expect(page.get_by_role("button", name="Recover")).to_be_visible()
    page.goto("/profile")
    page.goto("/logout")
    expect(page.get_by_text("Do you want to sign out?")).to_be_visible()
    page.check_csp()


def test_customer_pages_panel_timeline_and_portal_have_no_csp_violation(watched, admin, session, make_org):
    from backoffice.services import sharing
    from tests import factories

    page = watched
    owner = factories.customer(session, organization=make_org(name="Csp Kund AB"), allow_shared_billing=True)
    other = factories.customer(session, organization=make_org(name="Csp Delad AB"))
    sharing.add_shared_account(session, None, owner, other)
    session.commit()
    factories.user(session, role="guest", first_name="Gun", last_name="Guest")

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    add_business_customer(page)
    expect(combobox(page.locator("#bo-panel"), "Organization")).to_be_visible()
    page.check_csp()
    page.keyboard.press("Escape")  # closes the picker's list
    page.keyboard.press("Escape")  # closes the panel

    page.goto(f"/admin/customers/details/?id={owner.id}")
    expect(page.get_by_text("Csp Delad AB")).to_be_visible()
    page.check_csp()
    page.get_by_role("link", name="Timeline").click()
    expect(page.locator("li.bo-entry").first).to_be_visible()
    page.check_csp()
    page.goto(f"/admin/customers/shared/{owner.id}/")
    expect(page.get_by_text("Csp Delad AB")).to_be_visible()
    page.check_csp()
    page.goto("/admin/audit-log/")
    expect(page.locator("body")).to_contain_text("Csp Kund AB")
    page.check_csp()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, other.admin.email, TEST_PASSWORD)
    expect(page.get_by_text("Csp Kund AB", exact=True)).to_be_visible()
    page.check_csp()
