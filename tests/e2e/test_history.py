from playwright.sync_api import expect

from backoffice.services import organizations as org_service
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in


def test_edit_see_old_to_new_add_a_note_and_scroll_for_older_entries(page, session, admin, make_org):
    org = make_org(name="Timeline AB")
    for n in range(1, 31):  # more than one page of history
        org_service.update_organization(session, None, org, region=f"Region {n}")
        session.commit()

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto(f"/admin/organizations/edit/?id={org.id}")
    page.get_by_label("Name").fill("Timeline Nordic AB")
    page.get_by_role("button", name="Update", exact=True).click()  # the register form's one save button (issue 9)
    expect(page.get_by_text("Showing 1–1 of 1 results")).to_be_visible()  # back on the list: saved

    page.goto(f"/admin/organizations/details/?id={org.id}")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("link", name="History")).to_have_attribute("aria-current", "page")
    first = page.locator("li.bo-entry").first
    expect(first).to_contain_text("Root Admin")
    expect(first).to_contain_text("Name: Timeline AB → Timeline Nordic AB")

    page.get_by_label("Add a note").fill("Spoke with their CFO.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("The note was added.")).to_be_visible()
    expect(page.locator("li.bo-entry").first).to_contain_text("Spoke with their CFO.")

    entries = page.locator("li.bo-entry")
    expect(entries).to_have_count(25)
    expect(page.get_by_text("Created", exact=True)).to_have_count(0)
    page.locator("[data-timeline-more]").scroll_into_view_if_needed()
    expect(entries).to_have_count(33)  # note + edit + 30 region changes + creation, loaded by scrolling
    expect(page.get_by_text("Created", exact=True)).to_be_visible()
    expect(page.locator("[data-timeline-more]")).to_have_count(0)
    assert page.url.endswith(f"/admin/organizations/history/?id={org.id}")  # no page navigation


def test_admin_restores_a_previous_value_from_the_history(page, session, admin, make_org):
    org = make_org(name="Restorable AB")
    org_service.update_organization(session, None, org, name="Renamed AB")
    session.commit()

    sign_in(page, admin.email, TEST_PASSWORD)
    page.goto(f"/admin/organizations/history/?id={org.id}")
    page.get_by_role("link", name="Restore this value").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Set Name back to “Restorable AB”?")
    dialog.get_by_role("button", name="Restore").click()
    expect(page.get_by_role("heading", name="Restorable AB")).to_be_visible()
    first = page.locator("li.bo-entry").first
    expect(first).to_contain_text("Name: Renamed AB → Restorable AB")
    expect(first).to_contain_text("Root Admin")
