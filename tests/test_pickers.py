"""Pickers (backoffice/admin/pickers.py) and too-long input (backoffice/forms.py), through the test client.

The pickers: every place a record is picked renders a select marked for the combobox, with its search
endpoint, the first candidates and the current choice; the search endpoints answer JSON, search on the
server, refuse who may not pick, and take hostile values; a forged id is refused beside its field.
Too long: no field renders a maxlength that would cut what was typed; the server says "At most 64
characters (you typed 65)." beside the field and stores nothing.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backoffice.models import Customer, Organization, SharedAccount, User
from tests.conftest import login
from tests.customer_helpers import customer, guest

BASE = "/admin/customers/"
TOO_LONG_65 = "At most 64 characters (you typed 65)."


@pytest.fixture
def sysadmin(client, admin):
    login(client, admin)
    return client


def _select(html: str, name: str) -> str:
    """The <select> tag of field ``name`` with its options."""
    match = re.search(r'<select[^>]*\bid="' + re.escape(name) + r'"[^>]*>.*?</select>', html, re.S)
    assert match, f"no select {name}"
    return match.group(0)


def _feedback(html: str, name: str) -> list[str]:
    """The messages shown beside field ``name`` (its invalid-feedback)."""
    return re.findall(r'<div class="invalid-feedback[^"]*" id="' + re.escape(name) + r'-error">([^<]*)</div>', html)


def _customers(session) -> int:
    return session.scalar(select(func.count()).select_from(Customer))


# --- the pickers on the pages ----------------------------------------------------------------------
def test_add_form_pickers_are_comboboxes_with_their_search_and_first_rows(sysadmin, session, make_org):
    for i in range(25):
        make_org(name=f"Org {i:02d}")
    for i in range(25):
        guest(session, first_name=f"Gus{i:02d}", last_name="Guest")
    html = sysadmin.get(BASE + "new/?type=business&panel=1").get_data(as_text=True)
    organization = _select(html, "organization_id")
    admin = _select(html, "admin_user_id")
    assert "data-picker" in organization and 'data-search-url="/admin/customers/organization-search/"' in organization
    assert "data-picker" in admin and 'data-search-url="/admin/customers/admin-search/"' in admin
    assert 'data-placeholder="Choose an organization…"' in organization
    assert organization.count("<option") == 21 and "Org 00" in organization and "Org 20" not in organization
    assert admin.count("<option") == 21
    assert 'data-no-results="No matches. Try another name or number."' in admin


def test_edit_form_lists_the_current_choice_though_it_is_no_candidate(sysadmin, session, make_org):
    for i in range(25):
        make_org(name=f"Aaa {i:02d}")
    c = customer(session, org=make_org(name="Zulu AB"))
    html = sysadmin.get(f"{BASE}edit/?id={c.id}&panel=1").get_data(as_text=True)
    organization = _select(html, "organization_id")
    assert re.search(rf'<option selected value="{c.organization_id}">Zulu AB', organization) or re.search(
        rf'value="{c.organization_id}" selected', organization
    ), organization[:500]
    admin = _select(html, "admin_user_id")
    assert f'value="{c.admin_user_id}"' in admin and "selected" in admin


def _statements_of(client, url) -> tuple[str, list[str]]:
    """The page at ``url`` and the SQL statements its request ran."""
    from sqlalchemy import event

    from backoffice.extensions import db

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    db.session.remove()  # (the request shares the test's app context: nothing cached from the test's session)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), statements


def _options(select_html: str) -> list[str]:
    return [v for v in re.findall(r'<option[^>]*value="([^"]*)"', select_html) if v]


def test_edit_form_renders_without_querying_the_candidates(sysadmin, session, make_org):
    """(issue 12) The edit form lists only the current organization and customer admin: no anti-join over every
    organization or guest runs (269 ms at 1,000,000); the combobox asks the search endpoint once used."""
    for i in range(5):
        make_org(name=f"Free {i}")
        guest(session, first_name=f"Free{i}")
    c = customer(session, org=make_org(name="Zulu AB"))
    for url in (f"{BASE}edit/?id={c.id}", f"{BASE}edit/?id={c.id}&panel=1"):
        html, statements = _statements_of(sysadmin, url)
        organization, admin = _select(html, "organization_id"), _select(html, "admin_user_id")
        assert _options(organization) == [str(c.organization_id)] and "Zulu AB" in organization, organization
        assert _options(admin) == [str(c.admin_user_id)], admin
        assert 'data-search-url="/admin/customers/organization-search/"' in organization
        assert 'data-search-url="/admin/customers/admin-search/"' in admin
        candidates = [s for s in statements if "NOT (EXISTS" in s]  # available organizations, eligible admins
        assert candidates == [], candidates
    # the new-customer form still lists the first candidates (it works without JavaScript), at most 20
    html, statements = _statements_of(sysadmin, BASE + "new/?type=business")
    assert "Free 0" in _select(html, "organization_id") and "Free0" in _select(html, "admin_user_id")
    candidates = [s for s in statements if "NOT (EXISTS" in s]
    assert len(candidates) == 2 and all("LIMIT" in s for s in candidates), candidates


def test_edit_form_posted_with_another_choice_lists_it_beside_the_current_one(sysadmin, session, make_org):
    c = customer(session, org=make_org(name="Zulu AB"))
    other = make_org(name="Other AB")
    make_org(name="Free AB")
    response = sysadmin.post(
        f"{BASE}edit/?id={c.id}",
        data={"organization_id": other.id, "admin_user_id": c.admin_user_id, "status": "ACTIVE",
              "customer_number": "1" * 65, "version": c.version},
    )
    organization = _select(response.get_data(as_text=True), "organization_id")
    assert sorted(_options(organization)) == sorted([str(c.organization_id), str(other.id)]), organization
    assert "Free AB" not in organization


def test_recover_dialog_and_share_page_use_the_picker(sysadmin, session, make_org):
    gone = customer(session, org=make_org(name="Back AB"), deleted=True)
    guest(session, first_name="Nina")
    html = sysadmin.get(f"{BASE}recover/?id={gone.id}&modal=1").get_data(as_text=True)
    recover = _select(html, "admin_user_id")
    assert "data-picker" in recover and 'data-search-url="/admin/customers/admin-search/"' in recover and "Nina" in recover

    owner = customer(session, org=make_org(name="Owner AB"), allow_shared_billing=True)
    customer(session, org=make_org(name="Other AB"))
    html = sysadmin.get(f"{BASE}shared/{owner.id}/").get_data(as_text=True)
    share = _select(html, "shared_customer")
    assert "data-picker" in share and f'data-search-url="/admin/customers/shared/{owner.id}/lookup"' in share
    assert "Other AB" in share and "Owner AB" not in share
    assert "data-picker-fallback" in html  # the search form for browsers without JavaScript


def test_share_page_without_javascript_searches_with_its_form(sysadmin, session, make_org):
    owner = customer(session, org=make_org(name="Owner AB"), allow_shared_billing=True)
    customer(session, org=make_org(name="Alpha AB"))
    customer(session, org=make_org(name="Beta AB"))
    share = _select(sysadmin.get(f"{BASE}shared/{owner.id}/?search=beta").get_data(as_text=True), "shared_customer")
    assert "Beta AB" in share and "Alpha AB" not in share


# --- the search endpoints --------------------------------------------------------------------------
def test_search_endpoints_answer_matches_on_the_server(sysadmin, session, make_org):
    make_org(name="Zebra AB", org_number="556677-8899")
    make_org(name="Apple AB")
    guest(session, first_name="Zlatan", last_name="Z", email="zlatan@example.com")
    for i in range(30):
        guest(session, first_name=f"Many{i:02d}", last_name="M")
    response = sysadmin.get(BASE + "organization-search/?q=5566778899")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert [r["text"] for r in response.get_json()["results"]] == ["Zebra AB (556677-8899)"]
    found = sysadmin.get(BASE + "admin-search/?q=zlatan@").get_json()["results"]
    assert [r["text"] for r in found] == ["Zlatan Z <zlatan@example.com>"]
    assert isinstance(found[0]["id"], int)
    assert len(sysadmin.get(BASE + "admin-search/?q=many").get_json()["results"]) == 20
    assert len(sysadmin.get(BASE + "admin-search/").get_json()["results"]) == 20


def test_share_search_answers_only_eligible_accounts(sysadmin, session, make_org):
    owner = customer(session, org=make_org(name="Owner AB"), allow_shared_billing=True)
    customer(session, org=make_org(name="Match One"))
    customer(session, org=make_org(name="Match Off"), status="INACTIVE")
    found = sysadmin.get(f"{BASE}shared/{owner.id}/lookup?q=match").get_json()["results"]
    assert [r["text"].split(" (")[0] for r in found] == ["Match One"]


def test_search_endpoints_refuse_who_may_not_pick(as_user, client, session, make_org):
    owner = customer(session, org=make_org(name="Owner AB"), allow_shared_billing=True)
    urls = (BASE + "admin-search/?q=a", BASE + "organization-search/?q=a", f"{BASE}shared/{owner.id}/lookup?q=a")
    for url in urls:  # anonymous: to sign in
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    staff = as_user("staff")
    for url in urls:  # staff see customers but change nothing: no picking
        assert staff.get(url).status_code == 403


@pytest.mark.parametrize("q", ["%00", "x" * 5000, "%25_%5C", "' OR 1=1 --", "%F0%9F%98%80", "&q=a&q=b"])
def test_search_endpoints_take_hostile_queries(sysadmin, session, make_org, q):
    owner = customer(session, org=make_org(name="Owner AB"), allow_shared_billing=True)
    for url in (BASE + "admin-search/", BASE + "organization-search/", f"{BASE}shared/{owner.id}/lookup"):
        response = sysadmin.get(f"{url}?q={q}")
        assert response.status_code in (200, 400), (url, q, response.status_code)
        if response.status_code == 200:
            assert isinstance(response.get_json()["results"], list)


# --- a forged choice is refused beside its field -----------------------------------------------------
@pytest.mark.parametrize("forged", ["abc", "99999999999999999999999", "-1", "0", "OTHER_ADMIN", "OTHER_ORG"])
def test_a_forged_choice_is_refused_beside_the_field(sysadmin, session, make_org, forged):
    taken = customer(session, org=make_org(name="Taken AB"))
    org, user = make_org(name="Free AB"), guest(session)
    data = {"organization_id": org.id, "admin_user_id": user.id, "status": "ACTIVE"}
    if forged == "OTHER_ADMIN":
        data["admin_user_id"] = taken.admin_user_id
        field = "admin_user_id"
    elif forged == "OTHER_ORG":
        data["organization_id"] = taken.organization_id
        field = "organization_id"
    else:
        data["admin_user_id"] = forged
        field = "admin_user_id"
    before = _customers(session)
    response = sysadmin.post(BASE + "new/?panel=1", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _feedback(html, field), html[:2000]
    assert _customers(session) == before


def test_a_forged_shared_account_is_refused_beside_the_field(sysadmin, session, make_org):
    owner = customer(session, org=make_org(name="Owner AB"), allow_shared_billing=True)
    for value in ("abc", str(owner.id), "999999"):
        response = sysadmin.post(f"{BASE}shared/{owner.id}/add/", data={"shared_customer": value})
        assert response.status_code == 400
        assert _feedback(response.get_data(as_text=True), "shared_customer")
    assert session.scalar(select(func.count()).select_from(SharedAccount)) == 0


# --- too long: said beside the field, never cut ---------------------------------------------------
def test_a_65_digit_customer_number_is_refused_beside_the_field(sysadmin, session, make_org):
    org, user = make_org(name="Long AB"), guest(session)
    number = "1" * 65
    response = sysadmin.post(
        BASE + "new/?panel=1",
        data={"organization_id": org.id, "admin_user_id": user.id, "status": "ACTIVE", "customer_number": number},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _feedback(html, "customer_number") == [TOO_LONG_65]
    assert f'value="{number}"' in html  # what was typed is kept to correct
    assert _customers(session) == 0
    ok = sysadmin.post(
        BASE + "new/",
        data={"organization_id": org.id, "admin_user_id": user.id, "status": "ACTIVE", "customer_number": "1" * 64},
    )
    assert ok.status_code == 302 and session.scalar(select(Customer.customer_number)) == "1" * 64


def test_too_long_edit_leaves_the_customer_as_it_was(sysadmin, session, make_org):
    c = customer(session, org=make_org(name="Keep AB"), customer_number="42")
    response = sysadmin.post(
        f"{BASE}edit/?id={c.id}&panel=1",
        data={"organization_id": c.organization_id, "admin_user_id": c.admin_user_id, "status": "ACTIVE",
              "customer_number": "9" * 65, "billing_post_number": "1" * 21, "version": c.version},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _feedback(html, "customer_number") == [TOO_LONG_65]
    assert _feedback(html, "billing_post_number") == ["At most 20 characters (you typed 21)."]
    session.expire_all()
    assert session.get(Customer, c.id).customer_number == "42"


def test_too_long_on_a_scaffolded_form_is_said_once(sysadmin, session):
    response = sysadmin.post("/admin/organizations/new/", data={"name": "N" * 201, "org_number": "556677-0003"})
    html = response.get_data(as_text=True)
    assert html.count("At most 200 characters (you typed 201).") == 1, re.findall(r"At most[^<]*", html)
    assert session.scalar(select(func.count()).select_from(Organization)) == 0


def test_too_long_on_the_users_form(sysadmin, session):
    response = sysadmin.post(
        "/admin/users/new/",
        data={"first_name": "F" * 101, "last_name": "L", "email": "long@example.com", "role": "staff", "language": "en"},
    )
    assert "At most 100 characters (you typed 101)." in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email == "long@example.com")) is None


def test_the_message_is_translated(client, session, make_org, make_user):
    login(client, make_user(role="system-admin", language="sv"))
    org, user = make_org(name="Lång AB"), guest(session)
    html = client.post(
        BASE + "new/?panel=1",
        data={"organization_id": org.id, "admin_user_id": user.id, "status": "ACTIVE", "customer_number": "1" * 65},
    ).get_data(as_text=True)
    assert _feedback(html, "customer_number") == ["Högst 64 tecken (du skrev 65)."]


def test_no_form_renders_a_maxlength(client, session, make_org, make_user):
    anonymous = [client.get(url).get_data(as_text=True) for url in ("/login", "/forgot-password")]
    admin = make_user(role="system-admin")
    login(client, admin)
    c = customer(session, org=make_org(name="Form AB"), allow_shared_billing=True)
    gone = customer(session, org=make_org(name="Gone AB"), deleted=True)
    org = make_org(name="Edit Org")
    pages = [
        BASE + "new/?type=business", BASE + "new/?type=private", f"{BASE}edit/?id={c.id}", f"{BASE}recover/?id={gone.id}", f"{BASE}soft-delete/?id={c.id}",
        f"{BASE}shared/{c.id}/", "/admin/organizations/new/", f"/admin/organizations/edit/?id={org.id}",
        "/admin/users/new/", f"/admin/users/edit/?id={admin.id}", f"/admin/users/password/?id={admin.id}",
        "/profile", "/profile/password",
    ]
    rendered = []
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        if response.status_code == 200:
            rendered.append((url, response.get_data(as_text=True)))
    assert len(rendered) >= 10
    for url, html in [*rendered, *(("anonymous", h) for h in anonymous)]:
        assert "<input" in html or "<select" in html, url
        assert "maxlength" not in html.lower() and "minlength" not in html.lower(), url


def test_column_length_reads_the_model():
    from backoffice.forms import column_length

    assert column_length(Customer.customer_number).max == 64
    assert column_length(Organization.name).max == Organization.__table__.c.name.type.length
    with pytest.raises(ValueError):
        column_length(Customer.id)

