"""Pickers and too-long input in Chromium: type into the combobox, pick with the arrow keys and Enter, save;
paste 65 digits into Customer number and see the message beside it (nothing cut, nothing saved)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from backoffice.models import Customer
from tests.conftest import TEST_PASSWORD
from tests.customer_helpers import guest
from tests.e2e.conftest import add_business_customer, open_menu, sign_in
from tests.e2e.pickers import combobox, pick


def test_pick_organization_and_admin_with_the_keyboard_and_save(page, admin, session, make_org):
    make_org(name="Bergdata AB")
    chosen_org = make_org(name="Bergsala AB")
    for i in range(22):  # more than the page lists: the one we want is found by the server's search
        make_org(name=f"Aaa {i:02d} AB")
    guest(session, first_name="Greta", last_name="Guest")
    person = guest(session, first_name="Gretchen", last_name="Gunn", email="gretchen@example.com")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    add_business_customer(page)
    panel = page.locator("#bo-panel")
    expect(panel).to_be_visible()

    box = combobox(panel, "Organization")
    expect(box).to_be_focused()  # the panel gives the first field, the picker, the focus
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    box.press_sequentially("berg", delay=30)
    expect(listbox.get_by_role("option")).to_have_count(2)
    expect(listbox.get_by_role("option")).to_have_text([re.compile("^Bergdata AB"), re.compile("^Bergsala AB")])
    expect(box).to_have_attribute("aria-expanded", "true")
    pick(panel, "Organization", "", "Bergsala AB")  # already typed: arrow down to the second, Enter

    pick(panel, "Customer admin", "gretchen@", "Gretchen Gunn")
    panel.get_by_role("button", name="Create", exact=True).click()
    expect(panel).to_be_hidden()
    row = page.locator("tr", has_text="Bergsala AB")
    expect(row).to_contain_text("Gretchen Gunn")
    session.expire_all()
    saved = session.scalar(select(Customer))
    assert (saved.organization_id, saved.admin_user_id) == (chosen_org.id, person.id)


def test_pasting_65_digits_keeps_them_all_and_says_it_is_too_long(page, admin, session, make_org):
    make_org(name="Paste AB")
    guest(session, first_name="Pia", last_name="Paste")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    add_business_customer(page)
    panel = page.locator("#bo-panel")
    pick(panel, "Organization", "Paste", "Paste AB")
    pick(panel, "Customer admin", "Pia", "Pia Paste")
    number = panel.get_by_label("Customer number")
    number.focus()
    page.keyboard.insert_text("1" * 65)  # what a paste does: one insertion of the whole text
    expect(number).to_have_value("1" * 65)  # nothing cut
    panel.get_by_role("button", name="Create", exact=True).click()
    message = panel.locator("#customer_number-error")
    expect(message).to_have_text("At most 64 characters (you typed 65).")
    expect(panel.get_by_label("Customer number")).to_have_value("1" * 65)
    expect(panel.get_by_label("Customer number")).to_have_attribute("aria-invalid", "true")
    assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_edit_form_lists_only_the_current_organization_and_searches_the_others(page, admin, session, make_org):
    """(issue 12) The edit form renders without the candidates; the combobox asks the server once used."""
    from tests.customer_helpers import customer

    c = customer(session, org=make_org(name="Zulu AB"))
    new_org = make_org(name="Bergsala AB")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    open_menu(page, "Actions for Zulu AB").get_by_role("link", name="Edit").click()
    panel = page.locator("#bo-panel")
    expect(panel.get_by_role("heading", name="Edit customer")).to_be_visible()
    options = panel.locator("select#organization_id option:not([value=''])")
    expect(options).to_have_count(1)  # the current one only (no candidates queried)
    expect(options).to_have_text(re.compile("^Zulu AB"))
    pick(panel, "Organization", "bergs", "Bergsala AB")
    panel.get_by_role("button", name="Update").click()
    expect(panel).to_be_hidden()
    expect(page.locator("tr", has_text="Bergsala AB")).to_have_count(1)  # the list shows its new name
    session.expire_all()
    assert session.get(Customer, c.id).organization_id == new_org.id
