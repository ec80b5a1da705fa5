"""Assigned users (issue 14, seed 001 "Assign technician"): with customers.assign, users whose role can view
customers are assigned on the customer page or from the list's bulk actions; each one assigned or unassigned is
told exactly once (in the app and by e-mail, in their language), a no-op tells nobody, the customer is never told,
and the customer's timeline records both."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.models import HistoryEntry, Notification, OutboxMessage
from backoffice.models.assignment import CustomerAssignment
from backoffice.services import assignments as service
from backoffice.services.errors import ServiceError
from tests import factories
from tests.conftest import login

BASE = "/admin/customers/"


def told(session, user) -> list[str]:
    return list(session.scalars(select(Notification.text).where(Notification.user_id == user.id)
                                .order_by(Notification.id)))


def mails(session, user) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == user.email))


def assigned(session, customer) -> list[str]:
    return [u.email for u in service.assigned_users(session, customer)]


def test_assigning_tells_the_user_once_a_no_op_tells_nobody_and_unassigning_tells_again(session, admin, make_user):
    customer = factories.customer(session, name="Fältdata AB")
    tove = make_user(role="staff", email="tove@example.com", language="sv")
    assert service.set_assigned(session, admin, customer, [tove.id]) == (1, 0)
    session.commit()
    assert told(session, tove) == ["Du har tilldelats kunden Fältdata AB."]  # (her language)
    assert mails(session, tove) == 1
    assert service.set_assigned(session, admin, customer, [str(tove.id)]) == (0, 0)  # already: nothing
    assert service.assign(session, admin, [customer], tove) == 0
    session.commit()
    assert len(told(session, tove)) == 1 and mails(session, tove) == 1
    assert service.set_assigned(session, admin, customer, []) == (0, 1)
    session.commit()
    assert told(session, tove)[-1] == "Du är inte längre tilldelad kunden Fältdata AB."
    assert mails(session, tove) == 2
    assert customer.admin is not None and told(session, customer.admin) == []  # the customer is not told
    kinds = list(session.scalars(select(HistoryEntry.kind).where(
        HistoryEntry.record_type == "customer", HistoryEntry.record_id == customer.id,
        HistoryEntry.kind.in_(("assign", "unassign"))).order_by(HistoryEntry.id)))
    assert kinds == ["assign", "unassign"]


def test_only_active_users_whose_role_can_view_customers_are_assigned(session, admin, make_user):
    customer = factories.customer(session, name="Fältdata AB")
    guest = make_user(role="guest", email="gus@example.com")
    gone = make_user(role="staff", email="gone@example.com", active=False)
    for user in (guest, gone):
        with pytest.raises(ServiceError) as caught:
            service.set_assigned(session, admin, customer, [user.id])
        assert caught.value.field == "user_ids" and "only active users whose role can view customers" in str(
            caught.value.message)
        session.rollback()
    with pytest.raises(ServiceError):
        service.assign(session, admin, [customer], 999999)
    session.rollback()
    emails = [u.email for u in session.scalars(service.assignable_query())]
    assert admin.email in emails and guest.email not in emails and gone.email not in emails
    assert assigned(session, customer) == []


def test_a_deleted_customer_gets_nobody_new(session, admin, make_user):
    customer = factories.customer(session, name="Fältdata AB", deleted=True)
    tove = make_user(role="staff")
    with pytest.raises(ServiceError) as caught:
        service.assign(session, admin, [customer], tove.id)
    assert "is deleted" in str(caught.value.message)


def test_the_customer_page_shows_who_is_assigned_and_its_dialog_changes_it(client, session, admin, make_user):
    customer = factories.customer(session, name="Fältdata AB")
    tove = make_user(role="staff", email="tove@example.com", first_name="Tove", last_name="Tekniker")
    login(client, admin)
    page = client.get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    assert "Nobody is assigned to this customer." in page and "/admin/assignments/customer/" in page
    dialog = client.get(f"/admin/assignments/customer/?id={customer.id}").get_data(as_text=True)
    assert "Tove Tekniker &lt;tove@example.com&gt;" in dialog
    done = client.post(f"/admin/assignments/customer/?id={customer.id}&url={BASE}details/?id={customer.id}",
                       data={"user_ids": [str(tove.id)]})
    assert done.status_code == 302
    page = client.get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    assert "The assigned users of Fältdata AB were saved." in page and f'data-assigned="{tove.id}"' in page
    # someone who can't view customers is refused beside the field, and nothing changes
    guest = make_user(role="guest", first_name="Gus", last_name="Guest")
    refused = client.post(f"/admin/assignments/customer/?id={customer.id}", data={"user_ids": [str(guest.id)]})
    assert refused.status_code == 400 and "Gus Guest can&#39;t be assigned" in refused.get_data(as_text=True)
    assert assigned(session, customer) == ["tove@example.com"]


def test_the_bulk_actions_assign_and_unassign_one_user_on_every_selected_customer(client, session, admin, make_user):
    a = factories.customer(session, name="Alfa AB")
    b = factories.customer(session, name="Beta AB")
    tove = make_user(role="staff", email="tove@example.com")
    service.assign(session, admin, [a], tove)
    session.commit()
    login(client, admin)
    to_dialog = client.post(BASE + "action/", data={"action": "assign", "rowid": [a.id, b.id], "url": BASE})
    assert to_dialog.status_code == 302 and "/admin/assignments/bulk/" in to_dialog.headers["Location"]
    dialog = client.get(to_dialog.headers["Location"]).get_data(as_text=True)
    assert "Alfa AB" in dialog and "Beta AB" in dialog and "Assign a user" in dialog
    done = client.post(to_dialog.headers["Location"], data={"user_id": str(tove.id)})
    assert done.status_code == 302
    assert "Assigned to 1 customer." in client.get(BASE).get_data(as_text=True)  # (Alfa AB had her already)
    assert assigned(session, b) == ["tove@example.com"] and len(told(session, tove)) == 2
    unassign = client.post(BASE + "action/", data={"action": "unassign", "rowid": [a.id, b.id], "url": BASE})
    client.post(unassign.headers["Location"], data={"user_id": str(tove.id)})
    assert session.scalar(select(func.count()).select_from(CustomerAssignment)) == 0
    assert told(session, tove)[-2:] == ["You are no longer assigned to customer Alfa AB.",
                                        "You are no longer assigned to customer Beta AB."]


def test_without_customers_assign_there_is_no_change_button_and_the_dialogs_are_refused(client, session, make_user):
    customer = factories.customer(session, name="Fältdata AB")
    staff = make_user(role="staff")
    login(client, staff)
    page = client.get(f"{BASE}details/?id={customer.id}").get_data(as_text=True)
    assert "Assigned users" in page and "/admin/assignments/customer/" not in page
    assert client.get(f"/admin/assignments/customer/?id={customer.id}").status_code == 403
    assert client.post(f"/admin/assignments/customer/?id={customer.id}",
                       data={"user_ids": [str(staff.id)]}).status_code == 403
    client.post(BASE + "action/", data={"action": "assign", "rowid": [customer.id], "url": BASE})
    assert assigned(session, customer) == []


def test_the_list_filters_assigned_to_me_to_someone_and_to_nobody_and_the_export_follows(client, session, admin,
                                                                                          make_user):
    a = factories.customer(session, name="Alfa AB")
    b = factories.customer(session, name="Beta AB")
    factories.customer(session, name="Gamma AB")
    tove = make_user(role="staff", email="tove@example.com", first_name="Tove", last_name="Tekniker")
    service.assign(session, admin, [a], admin)
    service.assign(session, admin, [a, b], tove)
    session.commit()
    login(client, admin)

    def names(url):
        html = client.get(url).get_data(as_text=True)
        return [n for n in ("Alfa AB", "Beta AB", "Gamma AB") if f'>{n}<' in html], html

    shown, html = names(BASE + "?assigned=me")
    assert shown == ["Alfa AB"] and "Assigned to me" in html
    shown, html = names(BASE + f"?assigned={tove.id}")
    assert shown == ["Alfa AB", "Beta AB"] and "Assigned to Tove Tekniker" in html
    shown, _html = names(BASE + "?assigned=none")
    assert shown == ["Gamma AB"]
    assert names(BASE + "?assigned=nobody-at-all")[0] == ["Alfa AB", "Beta AB", "Gamma AB"]  # (no filter)
    csv = client.get(f"/admin/customers/export/customers.csv?assigned={tove.id}").get_data(as_text=True)
    assert "Alfa AB" in csv and "Beta AB" in csv and "Gamma AB" not in csv


def test_the_optional_column_lists_each_customers_assigned_users(client, session, admin, make_user):
    a = factories.customer(session, name="Alfa AB")
    factories.customer(session, name="Beta AB")
    tove = make_user(role="staff", email="tove@example.com", first_name="Tove", last_name="Tekniker")
    service.assign(session, admin, [a], tove)
    session.commit()
    login(client, admin)
    plain = client.get(BASE + "?status=active").get_data(as_text=True)
    assert "col-assigned_users" not in plain and "Show assigned users" in plain
    assert 'href="/admin/customers/?status=active&amp;assigned_column=1"' in plain
    shown = client.get(BASE + "?status=active&assigned_column=1").get_data(as_text=True)
    assert '<td class="col-assigned_users">Tove Tekniker</td>' in shown
    assert '<td class="col-assigned_users">—</td>' in shown and "Hide assigned users" in shown
    # the filters, search and pages keep it
    assert 'name="assigned_column" value="1"' in shown
