"""Customer groups in the back office (issue 11, first part): the groups list (priority, moves, its own
search, empty state, the overview switch), a group's page (members with quick filters, add and remove
several, settings, rename, delete), and the customer page (the Settings card with each effective value's
source; Change customer group and Remove from group; groups and own settings in the edit panel)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.models import Customer, CustomerGroup, CustomerGroupMember
from backoffice.services import customer_groups as service
from backoffice.services import customers as customer_service
from tests import factories
from tests.conftest import login


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", email="editor@example.com")


@pytest.fixture
def signed_in(client, editor):
    login(client, editor)
    return client


def _group(session, name, **settings):
    group = service.create_group(session, None, name=name, **settings)
    session.commit()
    return group


def _groups(session):
    session.expire_all()
    return [(g.name, g.priority) for g in service.all_groups(session)]


def _member_names(session, group):
    session.expire_all()
    return [c.display_name for c in service.members(session, session.get(CustomerGroup, group.id))]


def test_the_empty_list_says_so_and_offers_create(signed_in):
    page = signed_in.get("/admin/customer-groups/").get_data(as_text=True)
    assert "No customer groups yet." in page
    assert "+ Create customer group" in page and 'href="/admin/customer-groups/new/"' in page


def test_the_overview_switch_is_on_both_lists(signed_in):
    for url in ("/admin/customers/", "/admin/customer-groups/"):
        page = signed_in.get(url).get_data(as_text=True)
        assert 'href="/admin/customer-groups/"' in page and 'href="/admin/customers/"' in page, url
        assert "Add customer" in page and "+ Create customer group" in page, url
        assert 'aria-current="page"' in page
    assert "+ Add customer" in signed_in.get("/admin/customer-groups/").get_data(as_text=True)


def test_create_a_group_then_a_duplicate_name_is_refused_beside_the_field(signed_in, session):
    response = signed_in.post("/admin/customer-groups/new/", data={
        "name": "Key accounts", "description": "Top 20", "automatic_settlement": "on", "payment_terms_days": "10"})
    assert response.status_code == 302
    group = session.scalar(select(CustomerGroup))
    assert (group.name, group.automatic_settlement, group.payment_terms_days) == ("Key accounts", True, 10)
    assert response.headers["Location"].endswith(f"/admin/customer-groups/details/?id={group.id}")
    response = signed_in.post("/admin/customer-groups/new/?panel=1", data={"name": "key accounts"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "A customer group with this name already exists." in page and "is-invalid" in page
    assert [g for g in _groups(session)] == [("Key accounts", 1)]


@pytest.mark.parametrize("days", ["366", "-1", "ten"])
def test_bad_payment_terms_are_refused_beside_the_field(signed_in, session, days):
    response = signed_in.post("/admin/customer-groups/new/", data={"name": "Key accounts", "payment_terms_days": days})
    assert response.status_code == 400
    assert "Enter a whole number of days from 0 to 365." in response.get_data(as_text=True)
    assert session.scalar(select(CustomerGroup)) is None


def test_the_list_shows_priority_members_and_moves_and_has_its_own_search(signed_in, session):
    a, b = _group(session, "Key accounts"), _group(session, "Public sector")
    factories.customer(session, name="Bergdata AB", group_ids=[b.id])
    page = signed_in.get("/admin/customer-groups/").get_data(as_text=True)
    assert page.index("Key accounts") < page.index("Public sector")
    assert f'action="/admin/customer-groups/move/?id={b.id}&amp;direction=up"' in page
    assert signed_in.post(f"/admin/customer-groups/move/?id={b.id}&direction=up").status_code == 302
    assert _groups(session) == [("Public sector", 1), ("Key accounts", 2)]
    found = signed_in.get("/admin/customer-groups/?q=publ").get_data(as_text=True)
    assert "Public sector" in found and "Key accounts" not in found
    assert "No customer group matches" in signed_in.get("/admin/customer-groups/?q=zzz").get_data(as_text=True)


def test_add_members_filter_them_and_remove_several(signed_in, session):
    group = _group(session, "Key accounts")
    one, two, three = (factories.customer(session, name=n) for n in ("Alfa AB", "Beta AB", "Gamma AB"))
    customer_service.set_status(session, None, three, "INACTIVE")
    session.commit()
    page = signed_in.get(f"/admin/customer-groups/details/?id={group.id}").get_data(as_text=True)
    assert "No customers here yet." in page and "data-search-url" in page
    found = signed_in.get(f"/admin/customer-groups/members/search/?id={group.id}&q=alf").get_json()
    assert [r["id"] for r in found["results"]] == [one.id]
    response = signed_in.post(f"/admin/customer-groups/members/add/?id={group.id}",
                              data={"customer_ids": [str(one.id), str(two.id), str(three.id)]})
    assert response.status_code == 302
    assert _member_names(session, group) == ["Alfa AB", "Beta AB", "Gamma AB"]
    page = signed_in.get(f"/admin/customer-groups/details/?id={group.id}").get_data(as_text=True)
    assert "All <span class=\"badge badge-light\">3</span>" in page
    assert "Active <span class=\"badge badge-light\">2</span>" in page
    inactive = signed_in.get(f"/admin/customer-groups/details/?id={group.id}&status=inactive").get_data(as_text=True)
    assert "Gamma AB" in inactive and "Alfa AB" not in inactive
    confirm = signed_in.get(f"/admin/customer-groups/members/remove/?id={group.id}&ids={one.id}&ids={two.id}"
                            f"&url=/admin/customer-groups/details/?id={group.id}")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Alfa AB" in text and "Beta AB" in text and "Remove from group" in text
    assert _member_names(session, group) == ["Alfa AB", "Beta AB", "Gamma AB"]  # nothing yet
    done = signed_in.post(f"/admin/customer-groups/members/remove/?id={group.id}&ids={one.id}&ids={two.id}")
    assert done.status_code == 302
    assert _member_names(session, group) == ["Gamma AB"]


def test_a_deleted_customer_cant_be_added(signed_in, session):
    group = _group(session, "Key accounts")
    gone = factories.customer(session, name="Gone AB", deleted=True)
    response = signed_in.post(f"/admin/customer-groups/members/add/?id={group.id}", data={"customer_ids": [str(gone.id)]})
    assert response.status_code == 400
    assert "is deleted and can&#39;t be added to a group." in response.get_data(as_text=True)
    assert session.scalar(select(CustomerGroupMember)) is None


def test_settings_and_details_are_saved_with_the_version(signed_in, session):
    group = _group(session, "Key accounts")
    response = signed_in.post(f"/admin/customer-groups/settings/?id={group.id}", data={
        "automatic_settlement": "on", "payment_terms_days": "14", "version": str(group.version)})
    assert response.status_code == 302
    session.expire_all()
    group = session.get(CustomerGroup, group.id)
    assert (group.automatic_settlement, group.payment_terms_days) == (True, 14)
    stale = signed_in.post(f"/admin/customer-groups/edit/?id={group.id}", data={"name": "Renamed", "version": "1"})
    assert stale.status_code == 409
    renamed = signed_in.post(f"/admin/customer-groups/edit/?id={group.id}",
                             data={"name": "Key customers", "description": "", "version": str(group.version)})
    assert renamed.status_code == 302
    session.expire_all()
    assert session.get(CustomerGroup, group.id).name == "Key customers"


def test_delete_a_group_through_the_typed_confirmation(signed_in, session):
    group = _group(session, "Key accounts")
    customer = factories.customer(session, name="Bergdata AB", group_ids=[group.id])
    assert signed_in.post(f"/admin/customer-groups/delete/?id={group.id}", data={"confirmation": "delete"}).status_code == 400
    assert session.get(CustomerGroup, group.id) is not None
    assert signed_in.post(f"/admin/customer-groups/delete/?id={group.id}", data={"confirmation": "DELETE"}).status_code == 302
    session.expire_all()
    assert session.get(CustomerGroup, group.id) is None and session.get(Customer, customer.id) is not None


def test_the_customer_page_shows_each_setting_with_its_source_and_changes_the_groups(signed_in, session):
    key = _group(session, "Key accounts", automatic_settlement=True)
    public = _group(session, "Public sector", payment_terms_days=45)
    customer = factories.customer(session, name="Bergdata AB", group_ids=[key.id])
    url = f"/admin/customers/details/?id={customer.id}"
    page = signed_in.get(url).get_data(as_text=True)
    assert "inherited from group Key accounts" in page and "default" in page
    assert "Change customer group" in page and "Remove from group" in page
    dialog = signed_in.get(f"/admin/customer-groups/customer/change/?id={customer.id}&modal=1").get_data(as_text=True)
    assert "multiple" in dialog and "Key accounts" in dialog
    response = signed_in.post(f"/admin/customer-groups/customer/change/?id={customer.id}&url={url}",
                              data={"group_ids": [str(key.id), str(public.id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = signed_in.get(url).get_data(as_text=True)
    assert "45 days" in page and "inherited from group Public sector" in page
    response = signed_in.post(f"/admin/customer-groups/customer/leave/?id={customer.id}",
                              data={"group_ids": [str(key.id)]})
    assert response.status_code == 302
    assert [g.name for g in service.groups_of(session, customer)] == ["Public sector"]
    page = signed_in.get(url).get_data(as_text=True)
    assert "Off" in page and "inherited from group Key accounts" not in page


def test_groups_and_own_settings_in_the_customer_edit_panel(signed_in, session):
    key = _group(session, "Key accounts", payment_terms_days=10)
    customer = factories.customer(session, name="Bergdata AB", allow_shared_billing=False)
    form = signed_in.get(f"/admin/customers/edit/?id={customer.id}").get_data(as_text=True)
    assert "Customer groups" in form and "Inherit" in form
    response = signed_in.post(f"/admin/customers/edit/?id={customer.id}", data={
        "organization_id": str(customer.organization_id), "admin_user_id": str(customer.admin_user_id),
        "status": "ACTIVE", "customer_number": "", "version": str(customer.version),
        "group_ids": [str(key.id)], "automatic_settlement": "off", "payment_terms_days": "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    customer = session.get(Customer, customer.id)
    assert customer.automatic_settlement is False and customer.payment_terms_days is None
    assert service.effective_settings(session, customer)["payment_terms_days"] == (10, ("group", key))
    page = signed_in.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    assert "set on this customer" in page and "inherited from group Key accounts" in page


def test_staff_see_groups_but_cant_change_them(client, make_user, session):
    group = _group(session, "Key accounts")
    login(client, make_user(role="staff"))
    page = client.get(f"/admin/customer-groups/details/?id={group.id}").get_data(as_text=True)
    assert "Key accounts" in page and "Save settings" not in page and "Remove from group" not in page
    assert client.post("/admin/customer-groups/new/", data={"name": "X"}).status_code == 403


def test_joining_and_leaving_show_on_the_customer_timeline(signed_in, session):
    group = _group(session, "Key accounts")
    customer = factories.customer(session, name="Bergdata AB")
    signed_in.post(f"/admin/customer-groups/members/add/?id={group.id}", data={"customer_ids": [str(customer.id)]})
    signed_in.post(f"/admin/customer-groups/members/remove/?id={group.id}&ids={customer.id}")
    page = signed_in.get(f"/admin/customers/history/?id={customer.id}").get_data(as_text=True)
    assert "Added to group" in page and "Removed from group" in page
    assert "Customer groups" in page and "Key accounts" in page
