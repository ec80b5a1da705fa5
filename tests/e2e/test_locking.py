"""No lost updates, in Chromium: two people edit the same customer in the side panel at once.

The second save is refused inside the panel with who changed it and when; what they typed stays in
the inputs, the stored value is shown beside it, and saving again deliberately overwrites."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in

LIST_URL = re.compile(r"/admin/customers/(\?[^#]*)?$")


@pytest.fixture
def second_page(browser, live_server):
    """Another person's browser: its own context, so its own cookies and session."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 900})
    other = context.new_page()
    other.set_default_timeout(10_000)
    yield other
    context.close()


def open_edit_panel(page, name):
    page.goto("/admin/customers/")
    page.wait_for_load_state("load")
    button = page.get_by_role("button", name=f"Actions for {name}")
    button.click()
    button.locator("xpath=following-sibling::div[contains(@class, 'dropdown-menu')]").get_by_role("link", name="Edit").click()
    panel = page.locator("#bo-panel")
    expect(panel.get_by_role("heading", name="Edit customer")).to_be_visible()
    return panel


def test_second_save_in_the_side_panel_is_refused_with_both_values(page, second_page, session, make_user, make_org):
    alice = make_user(role="system-admin", first_name="Alice", last_name="Ek", email="alice@example.com")
    bob = make_user(role="system-admin", first_name="Bob", last_name="Berg", email="bob@example.com")
    customer = factories.customer(session, organization=make_org(name="Twice AB"), customer_number="100")
    sign_in(page, alice.email, TEST_PASSWORD)
    sign_in(second_page, bob.email, TEST_PASSWORD)

    alices_panel = open_edit_panel(page, "Twice AB")
    bobs_panel = open_edit_panel(second_page, "Twice AB")  # both opened the same version

    alices_panel.get_by_label("Customer number").fill("111")
    with page.expect_navigation():  # saved: the panel's script goes back to the list
        alices_panel.get_by_role("button", name="Update").click()
    expect(page).to_have_url(LIST_URL)
    expect(page.locator("#bo-panel")).to_be_hidden()

    bobs_panel.get_by_label("Customer number").fill("222")
    bobs_panel.get_by_label("Address", exact=True).fill("Bobgatan 2")
    bobs_panel.get_by_role("button", name="Update").click()
    expect(bobs_panel.get_by_role("alert")).to_have_text(
        re.compile(r"Alice Ek changed this record at \d\d:\d\d; your changes were not saved\.")
    )
    expect(bobs_panel.get_by_label("Customer number")).to_have_value("222")  # what Bob typed ...
    expect(bobs_panel.get_by_text("Now: 111")).to_be_visible()  # ... beside what Alice saved
    expect(bobs_panel.get_by_label("Address", exact=True)).to_have_value("Bobgatan 2")
    session.expire_all()
    assert session.get(type(customer), customer.id).customer_number == "111"

    # Bob has seen Alice's number and saves his own on purpose.
    with second_page.expect_navigation():
        bobs_panel.get_by_role("button", name="Update").click()
    expect(second_page).to_have_url(LIST_URL)
    expect(second_page.locator("#bo-panel")).to_be_hidden()
    session.expire_all()
    saved = session.get(type(customer), customer.id)
    assert (saved.customer_number, saved.billing.address) == ("222", "Bobgatan 2")
