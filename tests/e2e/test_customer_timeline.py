from playwright.sync_api import expect

from backoffice.services import customers as customer_service
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import open_menu, sign_in


def test_edit_a_customer_see_old_to_new_in_its_timeline_add_a_note_and_scroll(page, session, admin, make_org):
    customer = factories.customer(session, organization=make_org(name="Tidslinje AB"), allow_shared_billing=False)
    for n in range(1, 31):  # more than one page of entries
        customer_service.update_customer(session, None, customer, customer_number=str(1000 + n))
        session.commit()

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto("/admin/customers/")
    open_menu(page, "Actions for Tidslinje AB").get_by_role("link", name="Edit").click()
    panel = page.locator("#bo-panel")
    expect(panel.get_by_label("Status")).to_be_visible()
    panel.get_by_label("Status").select_option("INACTIVE")
    panel.get_by_role("button", name="Update").click()
    expect(page.get_by_text("Customer Tidslinje AB was updated.")).to_be_visible()

    page.goto(f"/admin/customers/details/?id={customer.id}")
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("link", name="Timeline")).to_have_attribute("aria-current", "page")
    first = page.locator("li.bo-entry").first
    expect(first).to_contain_text("Root Admin")
    expect(first).to_contain_text("Status: Active → Inactive")  # the values by their labels (issue 9)

    page.get_by_label("Add a note").fill("Called about the invoice address.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("li.bo-entry").first).to_contain_text("Called about the invoice address.")

    entries = page.locator("li.bo-entry")
    expect(entries).to_have_count(25)
    page.locator("[data-timeline-more]").scroll_into_view_if_needed()
    expect(entries).to_have_count(33)  # note + status edit + 30 number changes + creation
    expect(page.locator("[data-timeline-more]")).to_have_count(0)
