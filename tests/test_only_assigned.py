"""Only assigned (issue 14, seed 001): a technician (customers.view_assigned + customers.edit_assigned) sees and
changes only the customers assigned to them — in the list, the search, the filters, the export, the home page, the
pickers and every page that names a customer; any other customer is a 404 by any URL. A customer they add is
assigned to them. The walk below goes over the URL map, not a hand list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.models import Contact, Customer
from backoffice.models.roles import can
from backoffice.parsers import declared
from backoffice.services import assignments, customer_list
from backoffice.services import customers as customer_service
from tests import factories
from tests.conftest import login

BASE = "/admin/customers/"


@pytest.fixture
def world(session, admin, make_user):
    mine = factories.customer(session, name="Tilldelad AB")
    other = factories.customer(session, name="Främmande AB")
    tech = make_user(role="technician", email="tim@example.com", first_name="Tim", last_name="Tekniker")
    assignments.assign(session, admin, [mine], tech)
    session.commit()
    return {"tech": tech, "mine": mine, "other": other}


def test_can_with_a_customer_is_true_only_for_assigned_ones(session, world):
    tech, mine, other = world["tech"], world["mine"], world["other"]
    assert can(tech, "customers.view") and can(tech, "customers.edit")  # (the endpoints: scoped queries)
    assert can(tech, "customers.view", mine) and can(tech, "customers.edit", mine)
    assert not can(tech, "customers.view", other) and not can(tech, "customers.edit", other)
    assert not can(tech, "customers.delete") and not can(tech, "customers.archive")


def test_the_list_search_filters_export_and_home_show_only_assigned_customers(client, session, world):
    tech = world["tech"]
    page = customer_list.list_page(session, tech)
    assert [c.display_name for c in page.rows] == ["Tilldelad AB"] and int(page.count) == 1
    assert customer_list.list_page(session, tech, search="Främmande").rows == []
    assert len(customer_list.list_page(session, None).rows) == 2  # (the system sees every one)
    login(client, tech)
    html = client.get(BASE).get_data(as_text=True)
    assert "Tilldelad AB" in html and "Främmande AB" not in html
    assert "Främmande AB" not in client.get(BASE + "?search=Fr%C3%A4mmande&status=all").get_data(as_text=True)
    assert "Främmande AB" not in client.get(BASE + "?assigned=none").get_data(as_text=True)
    home = client.get("/admin/").get_data(as_text=True)
    assert '<span class="h3 mb-0">1</span>' in home


def signed_in_with(client, session, make_user, world, *more):
    """Signed in with a role of only-assigned customers and ``more``, assigned to world's "mine"."""
    from backoffice.models import Role, RolePermission

    role = Role(code="scoped", name="Scoped", staff=True)
    role.grants = [RolePermission(permission=p) for p in ("admin.access", "customers.view_assigned", *more)]
    session.add(role)
    session.commit()
    user = make_user(role="scoped")
    assignments.assign(session, None, [world["mine"]], user)
    session.commit()
    login(client, user)


def test_the_export_of_one_who_sees_only_assigned_customers_has_only_those(client, session, world, make_user):
    signed_in_with(client, session, make_user, world, "customers.export")
    for url in ("/admin/customers/export/customers.csv", f"/admin/customers/export/customers.csv?ids={world['other'].id}"
                f"&ids={world['mine'].id}"):
        csv = client.get(url).get_data(as_text=True)
        assert "Tilldelad AB" in csv and "Främmande AB" not in csv, url


def _urls(app, customer: Customer, contact: Contact) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every endpoint that names a customer (by ?id=, ?customer=, ?ids= or the path),
    pointed at ``customer`` (a contact's endpoints at its ``contact``)."""
    found = []
    with app.app_context():
        for rule in app.url_map.iter_rules():
            params = declared(rule.endpoint, app) or {}
            by_path = "customer_id" in rule.arguments
            names_customer = by_path or any(name in params for name in ("customer", "ids")) or (
                "id" in params and rule.endpoint.split(".")[0] in
                ("customers", "customer_contacts", "customer_groups", "assignments"))
            if not names_customer or rule.endpoint.startswith("customer_groups.") and "/customer/" not in rule.rule:
                continue
            if rule.endpoint in ("customers.index_view", "customers.action_view"):
                continue  # (the list itself: above)
            if set(rule.arguments) - {"customer_id"}:
                continue  # (a shared account's or a link's own id: test_customer_links_admin, test_sharing)
            path = rule.rule.replace("<int:customer_id>", str(customer.id))
            contact_endpoint = rule.endpoint.startswith("customer_contacts.") and rule.endpoint != "customer_contacts.index" \
                and "customer" not in params
            query = []
            if "id" in params:
                query.append(f"id={contact.id if contact_endpoint else customer.id}")
            if "customer" in params:
                query.append(f"customer={customer.id}")
            if "ids" in params:
                query.append(f"ids={customer.id}")
            url = path + ("?" + "&".join(query) if query else "")
            for method in ("GET", "POST"):
                if method in rule.methods:
                    found.append((rule.endpoint, method, url))
    return found


def test_every_endpoint_that_names_a_customer_finds_only_assigned_ones(app, client, session, world):
    tech, mine, other = world["tech"], world["mine"], world["other"]
    contacts = {c.customer_id: c for c in session.scalars(select(Contact))}
    for customer in (mine, other):
        if customer.id not in contacts:
            from backoffice.services import contacts as contact_service

            contacts[customer.id] = contact_service.add_contact(session, None, customer, first_name="Kim",
                                                               last_name="Kontakt")
    session.commit()
    login(client, tech)
    walked, failures = 0, []
    before = session.get(Customer, other.id).version
    for endpoint, method, url in _urls(app, other, contacts[other.id]):
        walked += 1
        response = client.open(url, method=method, data={})
        text = response.get_data(as_text=True)
        if response.status_code >= 500:
            failures.append(f"{method} {url}: {response.status_code}")
        elif response.status_code not in (302, 403, 404) or "Främmande AB" in text:
            failures.append(f"{method} {url} reached another's customer ({response.status_code})")
    session.expire_all()
    assert session.get(Customer, other.id).version == before
    for endpoint, method, url in _urls(app, mine, contacts[mine.id]):
        with app.app_context():
            names_entry = "entry" in (declared(endpoint, app) or {})
        if method != "GET" or names_entry:
            continue  # (a history entry's endpoints name the entry too: test_history_admin)
        response = client.get(url)
        if response.status_code in (404, 500):
            failures.append(f"GET {url} refused an assigned customer ({response.status_code})")
    assert walked >= 20, walked  # (the walk found the customer pages: details, edit, history, contacts, links …)
    assert failures == [], "\n".join(failures)


def test_a_technicians_own_new_customer_is_assigned_to_them(session, world):
    tech = world["tech"]
    org = factories.organization(session, name="Ny Kund AB")
    guest = factories.user(session, role="guest")
    made = customer_service.create_customer(session, tech, organization_id=org.id, admin_user_id=guest.id)
    session.commit()
    assert [u.id for u in assignments.assigned_users(session, made)] == [tech.id]
    assert can(tech, "customers.edit", made)


def test_technicians_are_offered_for_assignment_and_their_import_changes_only_theirs(session, world):
    emails = {u.email for u in session.scalars(assignments.assignable_query())}
    assert "tim@example.com" in emails


def test_a_groups_members_are_those_one_may_see(client, session, world, make_user):
    from backoffice.services import customer_groups

    group = customer_groups.create_group(session, None, name="Norr")
    customer_groups.add_members(session, None, group, [world["mine"], world["other"]])
    signed_in_with(client, session, make_user, world, "groups.view", "groups.edit")
    page = client.get(f"/admin/customer-groups/details/?id={group.id}").get_data(as_text=True)
    assert "Tilldelad AB" in page and "Främmande AB" not in page
    found = client.get(f"/admin/customer-groups/members/search/?id={group.id}&q=AB").get_json()["results"]
    assert all("Främmande" not in r["text"] for r in found)
    refused = client.post(f"/admin/customer-groups/members/add/?id={group.id}",
                          data={"customer_ids": [str(world["other"].id)]})
    assert refused.status_code == 400
