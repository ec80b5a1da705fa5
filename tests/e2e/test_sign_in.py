from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import sign_in


def test_admin_signs_in_and_out(page, admin):
    sign_in(page, admin.email, TEST_PASSWORD)
    expect(page).to_have_url("/admin/")
    expect(page.get_by_text("Root Admin")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url("/login")
