"""What each role may do (issue 14): the permission catalogue with a label and a help text per permission, the
read-only roles page for everyone who may open the users register, and a refusal page that names the permission
that is missing."""

from __future__ import annotations

import html
import re

from backoffice.models.roles import AREAS, BY_CODE, CATALOGUE, PERMISSIONS, ROLE_LABELS, ROLES
from tests.conftest import login

PAGE = "/admin/roles/"


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def holds(page: str, permission: str) -> dict[str, str]:
    """The row of ``permission``: role → "yes" / "no"."""
    row = re.search(rf'<tr data-permission="{re.escape(permission)}">(.*?)</tr>', page, re.S).group(1)
    return dict(re.findall(r'<td [^>]*data-role="([^"]+)" data-holds="(yes|no)"', row))


def test_every_permission_has_a_label_a_help_text_and_an_area():
    codes = [p.code for p in CATALOGUE]
    assert len(codes) == len(set(codes)) and set(codes) == set(PERMISSIONS) == set(BY_CODE)
    for permission in CATALOGUE:
        assert str(permission.label) and str(permission.help).endswith("."), permission.code
        assert permission.area in AREAS, permission.code
    assert all(ROLES[role] <= set(PERMISSIONS) for role in ROLES)


def test_staff_see_every_roles_permissions_with_its_users(client, make_user):
    staff = make_user(role="staff")
    make_user(role="editor")
    make_user(role="editor")
    login(client, staff)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.findall(r'<th scope="col" class="text-center" data-role="([^"]+)"', page) == list(ROLE_LABELS)
    assert re.search(r'data-role="editor">Editor\s*<div class="small text-muted font-weight-normal">2 users</div>', page)
    # what the roles hold, as the rules of models/roles.py have it
    assert holds(page, "customers.edit") == {"system-admin": "yes", "editor": "yes", "staff": "no",
                                             "technician": "no", "customer-admin": "no", "guest": "no"}
    assert holds(page, "customers.edit_assigned")["technician"] == "yes"
    assert holds(page, "users.delete")["system-admin"] == "yes" and holds(page, "users.delete")["editor"] == "no"
    assert holds(page, "portal.access")["customer-admin"] == "yes"
    assert holds(page, "portal.access")["system-admin"] == "no"
    assert page.count("<tr data-permission=") == len(CATALOGUE)
    text = text_of(response)
    assert "Settings and history" in text and "Put a field back to a value it had, from a record's History tab." in text
    table = page[page.index('<table class="table table-sm bo-roles">'):page.index("</table>")]
    assert "<input" not in table and client.post(PAGE).status_code == 405  # read-only
    # it is in the sidebar beside the users
    assert 'href="/admin/roles/"' in client.get("/admin/users/").get_data(as_text=True)


def test_the_roles_page_is_for_those_who_may_view_users(app, client, make_user):
    login(client, make_user(role="guest"))
    assert client.get(PAGE).status_code == 403
    anonymous = app.test_client().get(PAGE)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_refusal_names_the_missing_permission_and_links_to_the_roles(client, make_user):
    login(client, make_user(role="staff"))
    response = client.get("/admin/customers/new/?type=private")
    assert response.status_code == 403
    text = text_of(response)
    assert ("This page needs the permission “Create customers”, which your role, Staff, doesn't have. "
            "Ask a system administrator if you need it.") in text
    assert "Add a business or private customer, one at a time. customers.create" in text
    assert '<a href="/admin/roles/">See what each role may do</a>' in response.get_data(as_text=True)
    # a plain page's permission too (the import page needs customers.upload)
    refused = client.get("/admin/customers/upload/")
    assert refused.status_code == 403 and "“Add many customers at once and import registers”" in text_of(refused)


def test_a_rule_inside_a_page_names_its_permission_too(client, make_user):
    login(client, make_user(role="editor"))  # (may edit customers, may not restore from their history)
    restore = client.get("/admin/customers/history/restore/?id=1&entry=1&field=name")
    assert restore.status_code == 403 and "“Restore a previous value from a record's history”" in text_of(restore)


def test_a_refusal_in_swedish_without_the_roles_link_for_those_who_cant_see_users(client, make_user):
    login(client, make_user(role="guest", language="sv"))
    response = client.get("/admin/customers/")
    assert response.status_code == 403
    assert "Den här sidan kräver behörigheten ”Öppna backoffice”" in text_of(response)
    assert "/admin/roles/" not in response.get_data(as_text=True)
