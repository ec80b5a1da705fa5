"""Issue 9: one save path (backoffice/saving.py), the named flash after a save, the customers list in
services, request values through the parsers, and billing lengths from the model's columns."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.admin.customers import CustomerEditForm, CustomerView
from backoffice.admin.organizations import OrganizationView
from backoffice.models import BillingInfo, Customer, Organization
from backoffice.services.org_numbers import swedish_number
from backoffice.services import customer_list
from backoffice.services import customers as service
from tests.conftest import login
from tests.customer_helpers import customer, guest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "backoffice"


@pytest.fixture
def sysadmin(client, admin):
    login(client, admin)
    return client


def _flashes(html: str) -> str:
    return " ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S))


# --- the named flash, and the saved row marked --------------------------------------------------------
def test_a_created_customer_is_named_with_a_link_and_marked_in_the_list(sysadmin, session, make_org):
    org, user = make_org(name="Bergdata HA 30"), guest(session)
    response = sysadmin.post(
        "/admin/customers/new/", data={"organization_id": org.id, "admin_user_id": user.id, "status": "ACTIVE"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    c = session.scalar(select(Customer))
    assert response.status_code == 200
    assert f'Customer <a href="/admin/customers/details/?id={c.id}" class="alert-link">Bergdata HA 30</a> was created.' in html
    row = re.search(r'<tr class="([^"]*)">(?:(?!</tr>).)*Bergdata HA 30', html, re.S)
    assert row and "bo-row-saved" in row.group(1)


def test_an_updated_customer_is_named_in_swedish_too(client, session, make_user, make_org):
    admin = make_user(role="system-admin", language="sv")
    login(client, admin)
    c = customer(session, org=make_org(name="Sparad AB"))
    response = client.post(
        f"/admin/customers/edit/?id={c.id}",
        data={"organization_id": c.organization_id, "admin_user_id": c.admin_user_id, "status": "ACTIVE",
              "version": c.version},
        follow_redirects=True,
    )
    assert "Kunden" in _flashes(response.get_data(as_text=True))
    assert "uppdaterades" in _flashes(response.get_data(as_text=True))


def test_an_organization_saved_through_the_same_path_is_named(sysadmin, session):
    response = sysadmin.post("/admin/organizations/new/", data={"name": "Namngiven AB", "org_number": "556000-1116"})
    org = session.scalar(select(Organization).where(Organization.name == "Namngiven AB"))
    assert response.status_code == 302 and response.location.endswith(f"saved={org.id}")
    html = sysadmin.get(response.location).get_data(as_text=True)
    assert f'<a href="/admin/organizations/details/?id={org.id}" class="alert-link">Namngiven AB</a>' in html
    assert "Record was successfully created." not in html


def test_a_record_name_is_escaped_in_the_flash(sysadmin, session):
    sysadmin.post("/admin/organizations/new/", data={"name": "<b>Fet</b> AB", "org_number": "556000-2221"})
    html = sysadmin.get("/admin/organizations/").get_data(as_text=True)
    assert "<b>Fet</b>" not in html and "&lt;b&gt;Fet&lt;/b&gt; AB" in html


# --- one error path: conflicts answered from the outcome, nothing on flask.g -------------------------
def test_a_conflicting_customer_save_is_a_409_with_no_state_on_g(app, sysadmin, session, make_org):
    c = customer(session, org=make_org(name="Krock AB"))
    stale = c.version
    service.set_status(session, None, c, "INACTIVE")
    session.commit()
    response = sysadmin.post(
        f"/admin/customers/edit/?id={c.id}",
        data={"organization_id": c.organization_id, "admin_user_id": c.admin_user_id, "status": "ACTIVE",
              "version": stale},
    )
    assert response.status_code == 409
    assert "bo-conflict-now" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Customer, c.id).status == "INACTIVE"  # nothing overwritten
    web = "".join(p.read_text() for p in [*(PACKAGE / "admin").rglob("*.py"), *(PACKAGE / "auth").rglob("*.py")])
    assert not re.search(r"\bg\.(bo_)?conflict|g\.get\(\"bo_conflict", web)  # the outcome is a value, not on flask.g


def test_commit_happens_only_in_the_save_helper():
    """Done when: no commit() in admin/, auth/ or portal.py outside backoffice/saving.py, except the
    session bookkeeping of auth/sessions.py (sign-in, renew, sign-out, the idle touch: no form save)."""
    found = []
    for path in [*(PACKAGE / "admin").rglob("*.py"), *(PACKAGE / "auth").rglob("*.py"), PACKAGE / "portal.py"]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "commit()" in line:
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found and all(place.startswith("backoffice/auth/sessions.py:") for place in found), found


# --- the customers list in services -----------------------------------------------------------------
def test_list_page_searches_sorts_pages_and_counts_once(session, make_org):
    # Organization numbers of their own: a counted one ("5500000103") could match the search for "103".
    for i in range(5):
        customer(session, org=make_org(name=f"Lista {i} AB", org_number=swedish_number(f"77777777{i}")),
                 customer_number=str(100 + i))
    customer(session, org=make_org(name="Annan AB", org_number=swedish_number("777777779")))
    found = customer_list.list_page(session, None, search="lista", page=1, page_size=2)
    assert found.count == 5
    assert [c.organization.name for c in found.rows] == ["Lista 2 AB", "Lista 3 AB"]
    desc = customer_list.list_page(session, None, search="lista", sort="organization", desc=True, page_size=2)
    assert [c.organization.name for c in desc.rows] == ["Lista 4 AB", "Lista 3 AB"]
    assert customer_list.list_page(session, None, search="103").count == 1
    assert customer_list.list_page(session, None, page=10**9).rows == []  # held to a number OFFSET takes


def test_bench_and_services_import_nothing_from_the_web_layer():
    def imports(path):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                yield node.module
            elif isinstance(node, ast.Import):
                yield from (a.name for a in node.names)

    for path in (ROOT / "bench").rglob("*.py"):
        assert not [m for m in imports(path) if m.startswith("backoffice.admin")], path
    for path in (PACKAGE / "services").rglob("*.py"):
        assert not [m for m in imports(path) if m.startswith(("backoffice.admin", "backoffice.saving", "backoffice.portal"))], path


# What CustomerView overrides beyond OrganizationView, each for its side panel or its list (issue 9).
CUSTOMER_VIEW_OVERRIDES = {
    "get_list",  # the list is services/customer_list.list_page (one join, indexed sort, count once)
    "details_view",  # the details page shows the organization, the admin, billing and the shared accounts
    "create_form", "edit_form",  # its own form classes (the billing fields only when editing)
    "render_form",  # the side panel's form instead of Flask-Admin's create/edit page
    "prepare_form",  # the pickers' choices (current and posted choice kept)
    "conflict_values",  # the stored values shown beside the typed ones after a conflict
    "_handle_view", "is_action_allowed",  # the pickers' and bulk actions' permissions
    "init_search", "get_sortable_columns",  # the search box and the sortable columns of its own list query
    # (issue 12) keyset paging: the cursor (after= / before= / last=) left out of the sort, page and page size
    # links; the page's number is where the page served is (Last, a missing cursor's page 1)
    "_get_list_extra_args", "render",
}


def test_customer_view_overrides_only_what_its_side_panel_and_list_need():
    from flask_admin.contrib.sqla import ModelView

    flask_admin_methods = {name for name in dir(ModelView) if callable(getattr(ModelView, name, None))}

    def defined_in(view):  # (Flask-Admin's metaclass copies inherited exposed views into each class)
        return {name for name, value in view.__dict__.items() if name in flask_admin_methods
                and getattr(value, "__qualname__", "").startswith(view.__name__ + ".")}

    mine, theirs = defined_in(CustomerView), defined_in(OrganizationView)
    assert mine - theirs <= CUSTOMER_VIEW_OVERRIDES, mine - theirs - CUSTOMER_VIEW_OVERRIDES
    for name in ("create_view", "edit_view", "get_count_query", "get_one"):
        assert name not in mine, name


# --- field lengths from the model ---------------------------------------------------------------------
def test_billing_lengths_are_the_model_columns():
    for name in service.BILLING_FIELDS:
        column = BillingInfo.__table__.columns[name].type.length
        assert service.BILLING_MAX[name] == column
        lengths = [v.max for v in CustomerEditForm.__dict__[f"billing_{name}"].kwargs["validators"] if hasattr(v, "max")]
        assert lengths == [column], name


def test_a_too_long_billing_value_or_customer_number_is_a_message_never_a_cut(sysadmin, session, make_org):
    c = customer(session, org=make_org(name="Lång AB"))
    response = sysadmin.post(
        f"/admin/customers/edit/?id={c.id}",
        data={"organization_id": c.organization_id, "admin_user_id": c.admin_user_id, "status": "ACTIVE",
              "version": c.version, "customer_number": "1" * 65, "billing_post_number": "9" * 21},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "At most 64 characters (you typed 65)." in html
    assert "At most 20 characters (you typed 21)." in html and session.get(Customer, c.id).customer_number is None


# --- request values through the parsers ----------------------------------------------------------------
@pytest.mark.parametrize("value", ["\uff11", " 1", "1 ", "+1", "0x1", "1e0", "\u00b9"])
def test_an_id_in_a_form_that_only_int_would_read_picks_nothing(sysadmin, session, make_org, value):
    """Full-width or padded digits in a picker's posted value are refused beside the field (int() took them)."""
    org = make_org(name="Siffror AB")
    user = guest(session)
    response = sysadmin.post("/admin/customers/new/", data={"organization_id": value, "admin_user_id": user.id})
    assert response.status_code == 400
    assert session.scalar(select(Customer)) is None
    assert org.id is not None


@pytest.mark.parametrize("value", ["\uff11", "1.0", "-1", "99999999999999999999", "system ", "\x00"])
def test_the_audit_log_actor_filter_never_500s(sysadmin, value):
    response = sysadmin.get("/admin/audit-log/", query_string={"user": value})
    assert response.status_code == 200
    export = sysadmin.get("/admin/audit-log/export.csv", query_string={"user": value})
    assert export.status_code == 200


def test_the_audit_log_actor_filter_selects_that_actor(sysadmin, admin, session, make_org):
    make_org(name="Spår AB")
    html = sysadmin.get("/admin/audit-log/", query_string={"user": str(admin.id)}).get_data(as_text=True)
    assert f'<option value="{admin.id}" selected>' in html


@pytest.mark.parametrize("value", ["abc", "\uff11", "", "0", "2147483648"])
def test_the_saved_marker_takes_only_an_id(sysadmin, value):
    response = sysadmin.get("/admin/customers/", query_string={"saved": value})
    assert response.status_code == 200 and "bo-row-saved" not in response.get_data(as_text=True)
