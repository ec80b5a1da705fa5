"""Browser journey (issue 14, seed 001 "Assign technician"): a system administrator assigns a user to two customers
from the list's bulk action, and that user finds the news on their bell and the customer page names them."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import open_menu, sign_in
from tests.e2e.pickers import pick


def test_assign_from_the_list_and_the_user_sees_it_on_the_bell(page, admin, session, make_org, make_user):
    from tests.customer_helpers import customer

    alfa = customer(session, org=make_org(name="Assign Alfa AB"))
    customer(session, org=make_org(name="Assign Beta AB"))
    tove = make_user(role="staff", email="tove@example.com", first_name="Tove", last_name="Tekniker")
    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/?search=Assign")
    page.wait_for_load_state("load")
    for name in ("Assign Alfa AB", "Assign Beta AB"):
        page.get_by_label(f"Select {name}").check()
    open_menu(page, "With selected").get_by_role("link", name="Assign…", exact=True).click()
    expect(page.get_by_role("heading", name="Assign a user")).to_be_visible()
    page.wait_for_load_state("load")  # (the page's scripts have made the picker a combobox)
    pick(page, "User", "Tove", "Tove Tekniker")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("Assigned to 2 customers.")).to_be_visible()

    page.goto(f"/admin/customers/details/?id={alfa.id}")
    expect(page.get_by_role("region", name="Assigned users")).to_contain_text("Tove Tekniker")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, tove.email, TEST_PASSWORD)
    bell = page.get_by_role("link", name="Notifications: 2 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_text("You have been assigned to customer Assign Alfa AB.")).to_be_visible()
    expect(page.get_by_text("You have been assigned to customer Assign Beta AB.")).to_be_visible()


def test_a_technician_sees_only_the_customers_assigned_to_them(page, admin, session, make_org, make_user):
    from backoffice.services import assignments
    from tests.customer_helpers import customer

    mine = customer(session, org=make_org(name="Tekniker Alfa AB"))
    other = customer(session, org=make_org(name="Tekniker Beta AB"))
    tim = make_user(role="technician", email="tim@example.com", first_name="Tim", last_name="Tekniker")
    assignments.assign(session, admin, [mine], tim)
    session.commit()
    sign_in(page, tim.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    expect(page.get_by_role("cell", name="Tekniker Alfa AB", exact=True)).to_be_visible()
    expect(page.get_by_text("Tekniker Beta AB")).to_have_count(0)
    expect(page.get_by_text("Showing 1–1 of 1 results")).to_be_visible()
    response = page.goto(f"/admin/customers/details/?id={other.id}")
    assert response.status == 404
    page.goto(f"/admin/customers/details/?id={mine.id}")
    expect(page.get_by_role("region", name="Assigned users")).to_contain_text("Tim Tekniker")
