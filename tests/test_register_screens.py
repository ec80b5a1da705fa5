"""One way through the screens (issue 9): every register adds and edits in the same side-panel form,
names its dialogs, marks its default sort and builds its status chip in one place."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.models import Organization, User
from backoffice.services import customers as customer_service
from backoffice.services import organizations as org_service
from tests.conftest import login
from tests.customer_helpers import customer, guest


@pytest.fixture
def sysadmin(client, admin):
    login(client, admin)
    return client


def _buttons(html: str) -> list[str]:
    """The labels of the form's submit buttons and of its Cancel link, in order."""
    form = re.search(r"<form[^>]*data-panel-form.*?</form>", html, re.S).group(0)
    return [re.sub(r"\s+", " ", label).strip() for label in re.findall(
        r'<button type="submit"[^>]*>(.*?)</button>|<a [^>]*class="btn[^"]*"[^>]*data-panel-close>(.*?)</a>', form, re.S
    ) for label in label if label]


def _title(html: str) -> str:
    match = re.search(r'id="bo-(?:panel|dialog)-title">\s*(.*?)\s*</h2>', html, re.S)
    return match.group(1) if match else ""


# --- the add/edit form ---------------------------------------------------------------------------
@pytest.mark.parametrize("register, title", [("organizations", "Add organization"), ("users", "Add user")])
def test_the_add_form_has_one_primary_button_add_another_and_a_quiet_cancel(sysadmin, register, title):
    html = sysadmin.get(f"/admin/{register}/new/").get_data(as_text=True)
    assert _title(html) == title
    assert _buttons(html) == ["Create", "Create and add another", "Cancel"]
    assert "Save and Continue Editing" not in html and "Save and Add Another" not in html
    assert 'class="btn btn-danger' not in html  # no red Cancel
    assert "nav-tabs" not in html  # no stock List / Create tabs


def test_the_edit_form_has_update_and_cancel_only(sysadmin, make_org, make_user):
    org = make_org(name="Havsdata AB")
    html = sysadmin.get(f"/admin/organizations/edit/?id={org.id}").get_data(as_text=True)
    assert _title(html) == "Edit organization"
    assert _buttons(html) == ["Update", "Cancel"]
    user = make_user(role="staff")
    html = sysadmin.get(f"/admin/users/edit/?id={user.id}").get_data(as_text=True)
    assert _title(html) == "Edit user" and _buttons(html) == ["Update", "Cancel"]


def test_a_new_users_form_offers_no_edit_only_fields(sysadmin):
    html = sysadmin.get("/admin/users/new/").get_data(as_text=True)
    assert "Remove the photo" not in html and 'name="remove_photo"' not in html
    assert "Leave empty to keep the current password" not in html
    assert 'name="password"' in html and "At least 12 characters." in html
    assert 'enctype="multipart/form-data"' in html  # the photo upload works without JavaScript too


def test_editing_a_user_offers_to_keep_the_password_and_to_remove_a_photo_they_have(sysadmin, session, make_user):
    plain = make_user(role="staff", email="plain@example.com")
    pictured = make_user(role="staff", email="pictured@example.com")
    pictured.photo, pictured.photo_mime = b"\x89PNG", "image/png"
    session.commit()
    html = sysadmin.get(f"/admin/users/edit/?id={plain.id}").get_data(as_text=True)
    assert "Leave empty to keep the current password" in html
    assert "Remove the photo" not in html  # there is none
    html = sysadmin.get(f"/admin/users/edit/?id={pictured.id}").get_data(as_text=True)
    assert "Remove the photo" in html


def test_the_side_panel_gets_the_form_alone_and_a_save_answers_with_the_next_page(sysadmin, session):
    fragment = sysadmin.get("/admin/organizations/new/?panel=1").get_data(as_text=True)
    assert "<html" not in fragment and "data-panel-form" in fragment
    assert 'action="/admin/organizations/new/?panel=1"' in fragment  # posted back as the panel

    saved = sysadmin.post("/admin/organizations/new/?panel=1", data={"name": "Panel AB", "org_number": "556677-8899"})
    assert saved.status_code == 200 and saved.headers["X-Redirect"].startswith("/admin/organizations/")
    assert session.scalar(select(Organization).where(Organization.name == "Panel AB")) is not None

    another = sysadmin.post(
        "/admin/organizations/new/?panel=1", data={"name": "Next AB", "org_number": "112233-4459", "_add_another": "1"}
    )
    assert another.status_code == 200 and "/admin/organizations/new/" in another.headers["X-Redirect"]

    refused = sysadmin.post("/admin/organizations/new/?panel=1", data={"name": "", "org_number": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "X-Redirect" not in refused.headers and "<html" not in html
    assert 'id="name-error">This field is required.' in html  # beside the field in the panel, not on a later page


def test_the_users_panel_creates_a_user(sysadmin, session):
    saved = sysadmin.post(
        "/admin/users/new/?panel=1",
        data={"first_name": "Nora", "last_name": "New", "email": "nora@example.com", "language": "en", "role": "staff",
              "active": "y"},
    )
    assert saved.status_code == 200 and "X-Redirect" in saved.headers
    assert session.scalar(select(User).where(User.email == "nora@example.com")).full_name == "Nora New"


def test_row_menus_open_edit_in_the_side_panel(sysadmin, make_org):
    org = make_org(name="Havsdata AB")
    html = sysadmin.get("/admin/organizations/").get_data(as_text=True)
    assert re.search(r'href="/admin/organizations/edit/\?[^"]*"\s*data-panel>Edit</a>', html)
    assert re.search(r'href="/admin/organizations/new/[^"]*"\s*data-panel>Add organization</a>', html)
    html = sysadmin.get("/admin/users/").get_data(as_text=True)
    assert re.search(r'href="/admin/users/edit/\?[^"]*"\s*data-panel>Edit</a>', html)
    details = sysadmin.get(f"/admin/organizations/details/?id={org.id}").get_data(as_text=True)  # its Edit too
    assert re.search(r'href="/admin/organizations/edit/\?[^"]*" data-panel>Edit</a>', details)
    assert 'id="bo-panel"' in details and "js/panel.js" in details


# --- named dialogs -----------------------------------------------------------------------------------
def test_delete_dialogs_are_titled_with_the_action_and_the_record(sysadmin, session, make_org, make_user):
    org = make_org(name="Havsdata AB")
    assert _title(sysadmin.get(f"/admin/organizations/soft-delete/?id={org.id}&modal=1").get_data(as_text=True)) == (
        "Delete organization Havsdata AB?"
    )
    account = customer(session, org=make_org(name="Bergdata HA 30"))
    assert _title(sysadmin.get(f"/admin/customers/soft-delete/?id={account.id}&modal=1").get_data(as_text=True)) == (
        "Delete customer Bergdata HA 30?"
    )
    user = make_user(role="staff", first_name="Sara", last_name="Staff")
    assert _title(sysadmin.get(f"/admin/users/remove/?id={user.id}&modal=1").get_data(as_text=True)) == (
        "Delete user Sara Staff?"
    )
    org_service.soft_delete_organization(session, None, org)
    session.commit()
    assert _title(sysadmin.get(f"/admin/organizations/recover/?id={org.id}&modal=1").get_data(as_text=True)) == (
        "Recover organization Havsdata AB?"
    )
    assert _title(sysadmin.get(f"/admin/organizations/purge/?id={org.id}&modal=1").get_data(as_text=True)) == (
        "Permanently delete organization Havsdata AB?"
    )


def test_the_recover_dialog_says_who_the_customer_admin_was(sysadmin, session, make_org, admin):
    person = guest(session, first_name="Greta", last_name="Garbo", email="greta@example.com")
    account = customer(session, org=make_org(name="Bergdata HA 30"), admin=person)
    customer_service.soft_delete_customer(session, admin, account)
    session.commit()
    html = sysadmin.get(f"/admin/customers/recover/?id={account.id}&modal=1").get_data(as_text=True)
    assert _title(html) == "Recover customer Bergdata HA 30?"
    assert "Before it was deleted, its customer admin was Greta Garbo &lt;greta@example.com&gt;." in html


def test_the_previous_admin_is_the_one_of_the_latest_delete(session, make_org):
    first = guest(session, email="first@example.com")
    account = customer(session, org=make_org(name="Twice AB"), admin=first, deleted=True)
    assert customer_service.previous_admin(session, account) == first
    second = guest(session, email="second@example.com")
    customer_service.recover_customer(session, None, account, second.id)
    session.commit()
    customer_service.soft_delete_customer(session, None, account)
    session.commit()
    assert customer_service.previous_admin(session, account) == second


# --- the list -----------------------------------------------------------------------------------------
def _sorted_header(html: str) -> str | None:
    match = re.search(r'<th scope="col" class="column-header[^"]*" aria-sort="(\w+)">\s*<span>(.*?)</span>', html, re.S)
    return match and f"{match.group(2)} {match.group(1)}"


def test_the_default_sort_is_marked_in_its_column_header(sysadmin, make_org):
    make_org(name="Havsdata AB")
    assert _sorted_header(sysadmin.get("/admin/organizations/").get_data(as_text=True)) == "Name ascending"
    assert _sorted_header(sysadmin.get("/admin/users/").get_data(as_text=True)) == "Name ascending"
    assert _sorted_header(sysadmin.get("/admin/customers/").get_data(as_text=True)) == "Name ascending"  # (issue 11, private: the display name)
    # A chosen sort replaces the mark: the Organization number column, descending.
    html = sysadmin.get("/admin/organizations/?sort=1&desc=1").get_data(as_text=True)
    assert _sorted_header(html) == "Organization number descending"


def test_the_search_box_shows_its_whole_placeholder(sysadmin):
    html = sysadmin.get("/admin/customers/").get_data(as_text=True)
    text = "Search by name, organization number, customer number or e-mail"
    assert f'placeholder="{text}" title="{text}"' in html


# --- one status chip ------------------------------------------------------------------------------------
def test_the_status_chip_is_the_same_on_the_list_the_details_and_shared_accounts(sysadmin, session, make_org):
    inactive = customer(session, org=make_org(name="Sleepy AB"), status="INACTIVE", allow_shared_billing=True)
    chip = '<span class="badge badge-pill bo-badge-inactive">INACTIVE</span>'
    assert chip in sysadmin.get("/admin/customers/").get_data(as_text=True)
    assert chip in sysadmin.get(f"/admin/customers/details/?id={inactive.id}").get_data(as_text=True)
    deleted = customer(session, org=make_org(name="Gone AB"), deleted=True)
    assert '<span class="badge badge-pill bo-badge-deleted">DELETED</span>' in sysadmin.get(
        f"/admin/customers/details/?id={deleted.id}"
    ).get_data(as_text=True)
    org = make_org(name="Active Org AB")
    assert '<span class="badge badge-pill bo-badge-active">ACTIVE</span>' in sysadmin.get(
        f"/admin/organizations/details/?id={org.id}"
    ).get_data(as_text=True)
