"""The customer portal (/portal/) and the staff's bell and notifications page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.models import Notification
from backoffice.models.base import utcnow
from backoffice.services import notifications, sharing
from tests import factories
from tests.conftest import TEST_PASSWORD, csrf_token_from, login


@pytest.fixture
def customer(session):
    return lambda **kw: factories.customer(session, **kw)


def note(session, user, text, **kw):
    created = notifications.notify(session, user, text, email=False, **kw)
    session.commit()
    return created


def unread(session, user):
    return session.scalars(select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))).all()


def test_customer_admin_sees_summary_shares_and_notifications(app, client, session, customer, admin):
    mine = customer(name="Mitt AB", customer_number="777")
    owner = customer(name="Ägare AB")
    with app.test_request_context():
        sharing.add_shared_account(session, admin, owner, mine)
        session.commit()
    login(client, mine.admin)
    html = client.get("/portal/").get_data(as_text=True)
    assert "Mitt AB" in html and "777" in html and "ACTIVE" in html
    assert "Ägare AB" in html  # who my account is shared with
    assert "is now shared with Ägare AB" in html
    assert "1 unread" in html
    assert 'href="/portal/#bo-notifications-title"' in html  # the bell


def test_mark_one_and_all_read(client, session, customer):
    mine = customer()
    first = note(session, mine.admin, "First")
    note(session, mine.admin, "Second")
    note(session, mine.admin, "Third")
    login(client, mine.admin)
    response = client.post(f"/portal/notifications/{first.id}/read")
    assert response.status_code == 302
    assert {n.text for n in unread(session, mine.admin)} == {"Second", "Third"}
    assert "2 unread" in client.get("/portal/").get_data(as_text=True)
    client.post("/portal/notifications/read-all")
    assert unread(session, mine.admin) == []
    assert "No notifications yet." not in client.get("/portal/").get_data(as_text=True)


def test_nobody_marks_someone_elses_notification(client, session, customer):
    mine, theirs = customer(), customer()
    other_note = note(session, theirs.admin, "Private")
    login(client, mine.admin)
    response = client.post(f"/portal/notifications/{other_note.id}/read", follow_redirects=True)
    assert "That notification does not exist." in response.get_data(as_text=True)
    assert len(unread(session, theirs.admin)) == 1


def test_marking_read_needs_a_csrf_token(app, client, session, customer):
    mine = customer()
    created = note(session, mine.admin, "Guarded")
    login(client, mine.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/portal/notifications/{created.id}/read").status_code == 400
        assert len(unread(session, mine.admin)) == 1
        token = csrf_token_from(client.get("/portal/").get_data(as_text=True))
        assert client.post(f"/portal/notifications/{created.id}/read", data={"csrf_token": token}).status_code == 302
        assert unread(session, mine.admin) == []
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_guest_gets_a_clear_message(client, make_user, session):
    guest = make_user(role="guest")
    note(session, guest, "Hidden")
    login(client, guest)
    html = client.get("/portal/").get_data(as_text=True)
    assert "not linked to a customer account" in html and "Hidden" not in html
    assert client.post("/portal/notifications/read-all").status_code == 403
    assert len(unread(session, guest)) == 1


def test_anonymous_goes_to_sign_in(client):
    response = client.get("/portal/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_without_customer_is_pointed_to_the_back_office(as_user):
    html = as_user("staff").get("/portal/").get_data(as_text=True)
    assert "The portal is for customer admins" in html


def test_signed_in_admin_of_an_inactive_or_deleted_customer_sees_it(client, session, customer):
    mine = customer(name="Sov AB")
    login(client, mine.admin)
    mine.status = "INACTIVE"
    session.commit()
    assert "Sov AB is inactive" in client.get("/portal/").get_data(as_text=True)
    mine.deleted_at = utcnow()
    session.commit()
    assert "has been deleted" in client.get("/portal/").get_data(as_text=True)


def test_inactive_customers_admin_cannot_sign_in(client, session, customer):
    mine = customer(status="INACTIVE")
    response = client.post("/login", data={"email": mine.admin.email, "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "customer account is inactive" in response.get_data(as_text=True)
    assert client.get("/portal/").status_code == 302  # not signed in
    wrong = client.post("/login", data={"email": mine.admin.email, "password": "wrong-password-1"})
    assert "customer account is inactive" not in wrong.get_data(as_text=True)  # no hint without the password
    mine.status = "ACTIVE"
    session.commit()
    login(client, mine.admin)


# --- staff: the bell and /admin/notifications/ -----------------------------------------------------


def test_bell_shows_the_unread_count_and_links_to_the_list(client, session, make_user):
    staff = make_user(role="staff")
    note(session, staff, "Look at this", link="/admin/")
    note(session, staff, "And this")
    login(client, staff)
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/notifications/"' in html and "Notifications: 2 unread" in html
    page = client.get("/admin/notifications/").get_data(as_text=True)
    assert "Look at this" in page and 'href="/admin/"' in page and "2 unread" in page


def test_staff_mark_read_and_all(client, session, make_user):
    staff = make_user(role="staff")
    first = note(session, staff, "One")
    note(session, staff, "Two")
    login(client, staff)
    assert client.post(f"/admin/notifications/{first.id}/read").status_code == 302
    assert [n.text for n in unread(session, staff)] == ["Two"]
    assert client.post("/admin/notifications/read-all").status_code == 302
    assert unread(session, staff) == []
    assert "Notifications: 0 unread" in client.get("/admin/").get_data(as_text=True)


def test_staff_notifications_page_pages_and_is_staff_only(client, session, make_user, customer):
    staff = make_user(role="staff")
    for i in range(25):
        note(session, staff, f"Note {i:02d}")
    login(client, staff)
    first = client.get("/admin/notifications/").get_data(as_text=True)
    assert "Note 24" in first and "Note 04" not in first and "Older" in first
    second = client.get("/admin/notifications/?page=2").get_data(as_text=True)
    assert "Note 04" in second and "Newer" in second
    client.post("/logout")
    login(client, customer().admin)
    assert client.get("/admin/notifications/").status_code == 403
    assert client.post("/admin/notifications/read-all").status_code == 403
