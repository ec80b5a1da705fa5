"""The organizations register through the test client: permissions, list, create/edit, the dialogs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backoffice.models import Organization
from tests.conftest import login

FIELDS = {
    "name": "Fjällbygg AB",
    "org_number": "556677-8899",
    "legal_form": "Aktiebolag",
    "digital_address": "0007:5566778899",
    "address": "Storgatan 1",
    "post_number": "903 26",
    "region": "Västerbottens län",
    "municipality": "Umeå",
    "country": "SE",
    "phone": "090-12 34 56",
    "website": "https://fjallbygg.se",
    "email": "info@fjallbygg.se",
}


def html_of(response) -> str:
    return response.get_data(as_text=True)


def snapshot(session):
    session.expire_all()
    return [
        (o.id, o.name, o.org_number, o.deleted_at is not None)
        for o in session.scalars(select(Organization).order_by(Organization.id))
    ]


def row_names(html: str) -> list[str]:
    return re.findall(r'<td class="col-name">(.*?)</td>', html)


def field_error(html: str, field: str) -> str | None:
    """The error message shown beside ``field`` in a Flask-Admin form, if any."""
    match = re.search(rf'<input[^>]*\bclass="[^"]*is-invalid"[^>]*\bid="{field}".*?<div class="invalid-feedback"[^>]*>\s*(.*?)\s*</div>', html, re.S)
    return match and re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def showing(html: str) -> str:
    return re.search(r'<div class="text-muted bo-showing">\s*(.*?)\s*</div>', html, re.S).group(1)


# --- create, edit, details -----------------------------------------------------------------


def test_admin_creates_an_organization_with_every_field(client, admin, session):
    login(client, admin)
    assert client.get("/admin/organizations/new/").status_code == 200
    response = client.post("/admin/organizations/new/", data=FIELDS)
    assert response.status_code == 302
    org = session.scalar(select(Organization))
    for name, value in FIELDS.items():
        if name != "phone":
            assert getattr(org, name) == value
    assert org.phone == "+4690123456"  # checked and stored in international form (E.164)
    assert org.org_number_key == "5566778899"
    details = html_of(client.get(f"/admin/organizations/details/?id={org.id}"))
    assert "Fjällbygg AB" in details and "info@fjallbygg.se" in details and "ACTIVE" in details


def test_duplicate_number_with_other_punctuation_shows_beside_the_field(client, admin, make_org, session):
    make_org(org_number="5566778899")
    login(client, admin)
    response = client.post("/admin/organizations/new/", data={"name": "Copy AB", "org_number": "556677 - 8899",
                                                               "country": "SE"})
    assert response.status_code == 400  # refused: the form again, beside the field (the one save path answers 400)
    html = html_of(response)
    assert field_error(html, "org_number") == "An organization in Sweden with this organization number already exists."
    assert 'value="Copy AB"' in html  # the typed input is kept
    assert session.scalar(select(func.count()).select_from(Organization)) == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "", "org_number": "1234567897"}, "name"),
        ({"name": "No Number AB", "org_number": ""}, "org_number"),
        ({"name": "Bad Mail AB", "org_number": "1234567897", "email": "not-an-email"}, "email"),
        ({"name": "Long Post AB", "org_number": "1234567897", "post_number": "9" * 30}, "post_number"),
    ],
)
def test_bad_input_is_refused_beside_the_field(client, admin, session, data, field):
    login(client, admin)
    response = client.post("/admin/organizations/new/", data=data)
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert field_error(html_of(response), field), html_of(response)
    assert session.scalar(select(func.count()).select_from(Organization)) == 0


def test_admin_edits_an_organization(client, admin, make_org, session):
    org = make_org(name="Old Name AB", org_number="1111111116")
    login(client, admin)
    assert client.get(f"/admin/organizations/edit/?id={org.id}").status_code == 200
    response = client.post(f"/admin/organizations/edit/?id={org.id}", data={**FIELDS, "version": str(org.version), "name": "New Name AB"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Organization, org.id).name == "New Name AB"


# --- list: search, sort, paging --------------------------------------------------------------


def test_list_pages_20_at_a_time_with_a_count(client, admin, make_org):
    for i in range(45):
        make_org(name=f"Org {i:02d}")  # (each with a valid number of its own)
    login(client, admin)
    html = html_of(client.get("/admin/organizations/"))
    assert len(row_names(html)) == 20
    assert showing(html) == "Showing 1–20 of 45 results"
    html = html_of(client.get("/admin/organizations/?page=2"))
    assert showing(html) == "Showing 41–45 of 45 results" and len(row_names(html)) == 5
    html = html_of(client.get("/admin/organizations/?page_size=50"))
    assert len(row_names(html)) == 45 and showing(html) == "Showing 1–45 of 45 results"


def test_list_sorted_by_name_by_default_and_by_column(client, admin, make_org):
    make_org(name="Bravo AB", org_number="2222222222", municipality="Umeå")
    make_org(name="Alfa AB", org_number="3333333338", municipality="Malmö")
    make_org(name="Charlie AB", org_number="1111111116", municipality="Luleå")
    login(client, admin)
    assert row_names(html_of(client.get("/admin/organizations/"))) == ["Alfa AB", "Bravo AB", "Charlie AB"]
    assert row_names(html_of(client.get("/admin/organizations/?sort=0&desc=1"))) == ["Charlie AB", "Bravo AB", "Alfa AB"]
    assert row_names(html_of(client.get("/admin/organizations/?sort=1"))) == ["Charlie AB", "Bravo AB", "Alfa AB"]
    assert row_names(html_of(client.get("/admin/organizations/?sort=2"))) == ["Charlie AB", "Alfa AB", "Bravo AB"]


def test_search_by_name_and_by_number(client, admin, make_org):
    make_org(name="Fjällbygg AB", org_number="556677-8899")
    make_org(name="Havsdata AB", org_number="112233-4459")
    login(client, admin)
    assert row_names(html_of(client.get("/admin/organizations/?search=fjäll"))) == ["Fjällbygg AB"]
    assert row_names(html_of(client.get("/admin/organizations/?search=HAVS"))) == ["Havsdata AB"]
    assert row_names(html_of(client.get("/admin/organizations/?search=556677-8899"))) == ["Fjällbygg AB"]
    assert row_names(html_of(client.get("/admin/organizations/?search=1122334459"))) == ["Havsdata AB"]
    html = html_of(client.get("/admin/organizations/?search=nothing-like-this"))
    assert row_names(html) == [] and "No results for" in html


def test_empty_list_says_so(client, admin):
    login(client, admin)
    assert "No organizations yet." in html_of(client.get("/admin/organizations/"))


# --- soft delete, recover, purge ---------------------------------------------------------------


def test_typed_delete_must_be_exactly_DELETE(client, admin, make_org, session):
    org = make_org(name="Keep Me AB")
    login(client, admin)
    url = f"/admin/organizations/soft-delete/?id={org.id}"
    dialog = html_of(client.get(url))
    assert 'data-confirm-text="DELETE"' in dialog and "data-needs-confirm" in dialog
    before = snapshot(session)
    for typed in ("delete", "Delete", "DELETE ", "", "DELET"):
        response = client.post(url, data={"confirmation": typed})
        assert response.status_code == 400, typed
        assert snapshot(session) == before
    assert "Type DELETE exactly" in html_of(client.post(url, data={"confirmation": "delete"}))


def test_modal_fragment_of_the_dialog(client, admin, make_org):
    org = make_org(name="Frag AB")
    login(client, admin)
    html = html_of(client.get(f"/admin/organizations/soft-delete/?id={org.id}&modal=1"))
    assert html.lstrip().startswith("<form") and "<html" not in html


def test_soft_delete_keeps_the_row_with_a_deleted_badge_then_recover(client, admin, make_org, session):
    org = make_org(name="Going AB")
    make_org(name="Staying AB")
    login(client, admin)
    response = client.post(f"/admin/organizations/soft-delete/?id={org.id}", data={"confirmation": "DELETE"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Organization, org.id).deleted_at is not None

    html = html_of(client.get("/admin/organizations/"))
    assert "Going AB" in html and "DELETED" in html and "bo-row-deleted" in html
    assert f"/admin/organizations/recover/?id={org.id}" in html
    assert f"/admin/organizations/purge/?id={org.id}" in html
    assert f"/admin/organizations/edit/?id={org.id}" not in html  # no Edit for a deleted row

    # Editing a deleted organization is refused, even by URL.
    response = client.get(f"/admin/organizations/edit/?id={org.id}")
    assert response.status_code == 302 and "details" in response.location
    client.post(f"/admin/organizations/edit/?id={org.id}", data={**FIELDS, "version": str(org.version), "name": "Sneaky AB"})
    session.expire_all()
    assert session.get(Organization, org.id).name == "Going AB"

    # Deleting again is refused politely.
    response = client.post(f"/admin/organizations/soft-delete/?id={org.id}", data={"confirmation": "DELETE"})
    assert response.status_code == 302

    response = client.post(f"/admin/organizations/recover/?id={org.id}")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Organization, org.id).deleted_at is None


def test_permanent_delete_only_of_a_soft_deleted_one(client, admin, make_org, session):
    org = make_org(name="Purge Me AB")
    login(client, admin)
    response = client.post(f"/admin/organizations/purge/?id={org.id}", data={"confirmation": "DELETE"})
    assert response.status_code == 302
    assert session.get(Organization, org.id) is not None
    assert "Only a deleted record can be permanently deleted" in html_of(client.get("/admin/organizations/"))

    client.post(f"/admin/organizations/soft-delete/?id={org.id}", data={"confirmation": "DELETE"})
    response = client.post(f"/admin/organizations/purge/?id={org.id}", data={"confirmation": "delete"})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Organization, org.id) is not None
    response = client.post(f"/admin/organizations/purge/?id={org.id}", data={"confirmation": "DELETE"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Organization, org.id) is None


def test_dialogs_for_a_missing_id_are_404(client, admin):
    login(client, admin)
    for action in ("delete", "recover", "purge"):
        assert client.get(f"/admin/organizations/{action}/?id=999").status_code == 404
        assert client.get(f"/admin/organizations/{action}/?id=abc").status_code == 404


def test_return_url_after_a_dialog_stays_on_this_site(client, admin, make_org):
    org = make_org()
    login(client, admin)
    response = client.post(
        f"/admin/organizations/soft-delete/?id={org.id}&url=https://evil.com/", data={"confirmation": "DELETE"}
    )
    assert response.status_code == 302 and "evil" not in response.location


# --- who may do what ---------------------------------------------------------------------------


def _all_posts(org_id, deleted_id):
    return [
        ("/admin/organizations/new/", {"name": "Sneaky AB", "org_number": "9999999999"}),
        (f"/admin/organizations/edit/?id={org_id}", {**FIELDS, "name": "Sneaky AB", "version": "1"}),
        (f"/admin/organizations/soft-delete/?id={org_id}", {"confirmation": "DELETE"}),
        (f"/admin/organizations/recover/?id={deleted_id}", {}),
        (f"/admin/organizations/purge/?id={deleted_id}", {"confirmation": "DELETE"}),
    ]


def _live_and_deleted(make_org, session):
    from backoffice.services import organizations as service

    org = make_org(name="Live AB")
    gone = make_org(name="Gone AB")
    service.soft_delete_organization(session, None, gone)
    session.commit()
    return org, gone


def test_staff_sees_the_register_without_change_controls(as_user, make_org, session):
    org, gone = _live_and_deleted(make_org, session)
    client = as_user("staff")
    html = html_of(client.get("/admin/organizations/"))
    assert "Live AB" in html and "Gone AB" in html
    for forbidden in ("/admin/organizations/new/", "/admin/organizations/edit/", "/admin/organizations/soft-delete/",
                      "/admin/organizations/recover/", "/admin/organizations/purge/", "Add organization"):
        assert forbidden not in html, forbidden
    details = html_of(client.get(f"/admin/organizations/details/?id={org.id}"))
    assert "Live AB" in details and "/admin/organizations/edit/" not in details


def test_staff_is_refused_every_change_on_the_server(as_user, make_org, session):
    org, gone = _live_and_deleted(make_org, session)
    client = as_user("staff")
    before = snapshot(session)
    for url, data in _all_posts(org.id, gone.id):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data=data).status_code == 403, url
    assert snapshot(session) == before


def test_editor_creates_and_edits_but_cannot_delete_or_purge(as_user, make_org, session):
    org, gone = _live_and_deleted(make_org, session)
    client = as_user("editor")
    html = html_of(client.get("/admin/organizations/"))
    assert "Add organization" in html and f"/admin/organizations/edit/?id={org.id}" in html
    assert "/admin/organizations/soft-delete/" not in html and "/admin/organizations/purge/" not in html
    assert "/admin/organizations/recover/" not in html

    assert client.post("/admin/organizations/new/", data={"name": "Editor AB", "org_number": "7777777777"}).status_code == 302
    assert client.post(f"/admin/organizations/edit/?id={org.id}", data={**FIELDS, "version": str(org.version), "name": "Edited AB"}).status_code == 302
    before = snapshot(session)
    assert ("Edited AB" in [row[1] for row in before]) and ("Editor AB" in [row[1] for row in before])
    for url, data in _all_posts(org.id, gone.id)[2:]:
        assert client.post(url, data=data).status_code == 403, url
    assert snapshot(session) == before


def test_flask_admins_own_delete_and_export_do_nothing(client, admin, make_org, session):
    org = make_org(name="Still Here AB")
    login(client, admin)
    before = snapshot(session)
    client.post("/admin/organizations/action/", data={"action": "delete", "rowid": str(org.id)})
    assert snapshot(session) == before
    assert client.get("/admin/organizations/export/csv/").status_code == 403  # not mapped: fail closed


@pytest.mark.parametrize("register", ["organizations", "users"])
@pytest.mark.parametrize("bad_id", ["abc", "-1", "1.5", "99999999999999999999", "2147483648", "", "²"])
def test_a_malformed_id_never_gives_a_500(client, admin, register, bad_id):
    login(client, admin)
    # The edit form is the base's one save path (a record that isn't there is a 404, as on customers);
    # details is Flask-Admin's (back to the list with a message).
    assert client.get(f"/admin/{register}/edit/", query_string={"id": bad_id}).status_code == 404, bad_id
    response = client.get(f"/admin/{register}/details/", query_string={"id": bad_id})
    assert response.status_code == 302 and response.location.startswith(f"/admin/{register}/"), bad_id
    dialog = "delete" if register == "organizations" else "password"
    assert client.get(f"/admin/{register}/{dialog}/", query_string={"id": bad_id}).status_code == 404
