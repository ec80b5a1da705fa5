"""Customer numbers and the customers' register settings (issue 10, seed 001): the length bounds, automatic
numbering from the counter on the settings row (padded, never reused, starting above the highest number
in use, distinct under a concurrent create), the customers.change_number permission, the display name
with the number, and the settings page's confirm step."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.extensions import db
from backoffice.models import Customer, HistoryEntry, RegisterSettings
from backoffice.models.roles import can
from backoffice.services import customers as service
from backoffice.services import numbering
from backoffice.services import settings
from backoffice.services.errors import ServiceError
from tests import factories
from tests.conftest import login
from tests.test_organizations_admin import field_error, html_of

BASE = "/admin/customers/"


def configure(session, **values):
    settings.update(session, None, **values)
    session.commit()


def new_customer(session, actor=None, **kw):
    org = factories.organization(session)
    admin = factories.user(session, role="guest")
    created = service.create_customer(session, actor, organization_id=org.id, admin_user_id=admin.id, **kw)
    session.commit()
    return created


def settings_form(session, **values) -> dict:
    row = settings.get(session)
    data = {"version": row.version, "customer_number_min_length": row.customer_number_min_length,
            "customer_number_max_length": row.customer_number_max_length, "default_region": row.default_region}
    data |= {name: "y" for name in settings.FLAGS if getattr(row, name)}
    return {**data, **values}


# --- service: bounds, padding, the counter ---------------------------------------------------------------
def test_numbers_outside_the_bounds_are_refused_beside_the_field(session):
    configure(session, customer_number_min_length=4, customer_number_max_length=6)
    with pytest.raises(ServiceError) as short:
        new_customer(session, customer_number="123")
    assert short.value.field == "customer_number"
    assert str(short.value.message) == "The customer number must be 4–6 digits long."
    session.rollback()
    with pytest.raises(ServiceError):
        new_customer(session, customer_number="1234567")
    session.rollback()
    assert new_customer(session, customer_number="1234").customer_number == "1234"
    configure(session, customer_number_min_length=5, customer_number_max_length=5)
    with pytest.raises(ServiceError) as exact:
        new_customer(session, customer_number="1234")
    assert str(exact.value.message) == "The customer number must be 5 digits long."


def test_the_bounds_themselves_are_checked(session):
    for low, high in ((0, 10), (5, 4), (1, 65)):
        with pytest.raises(ServiceError):
            settings.update(session, None, customer_number_min_length=low, customer_number_max_length=high)
        session.rollback()
    row = settings.get(session)
    assert (row.customer_number_min_length, row.customer_number_max_length) == (1, 64)


def test_automatic_numbers_are_padded_and_follow_the_highest_in_use(session):
    new_customer(session, customer_number="41")
    new_customer(session, customer_number="0007")
    configure(session, auto_customer_number=True, customer_number_min_length=5, customer_number_max_length=8)
    assert new_customer(session).customer_number == "00042"  # above the highest in use (41), zero-padded
    assert new_customer(session).customer_number == "00043"
    assert new_customer(session, customer_number="90000").customer_number == "90000"  # a typed one is kept
    assert new_customer(session).customer_number == "90001"  # and the counter starts above it


def test_without_automatic_numbering_a_customer_has_no_number(session):
    new_customer(session, customer_number="41")
    assert new_customer(session).customer_number is None


def test_a_purged_customers_number_is_never_handed_out_again(session):
    configure(session, auto_customer_number=True)
    first = new_customer(session)
    second = new_customer(session)
    assert (first.customer_number, second.customer_number) == ("1", "2")
    service.soft_delete_customer(session, None, second)
    session.commit()
    service.purge_customer(session, None, second)
    session.commit()
    assert session.scalar(select(Customer.id).where(Customer.customer_number == "2")) is None
    assert new_customer(session).customer_number == "3"


def test_the_counter_is_not_a_setting_anyone_edits(session):
    configure(session, auto_customer_number=True)
    version = settings.get(session).version
    before = session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.record_type == "register_settings"))
    new_customer(session)
    session.expire_all()
    assert settings.get(session).version == version and settings.get(session).last_customer_number == 1
    after = session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.record_type == "register_settings"))
    assert after == before


def test_no_next_number_beyond_the_maximum_length(session):
    new_customer(session, customer_number="999")
    configure(session, auto_customer_number=True, customer_number_min_length=1, customer_number_max_length=3)
    with pytest.raises(ServiceError) as refused:
        new_customer(session)
    assert refused.value.field == "customer_number" and "within 3 digits" in str(refused.value.message)


def test_settings_changes_are_recorded_in_history(session, admin):
    settings.update(session, admin, customer_number_min_length=4, customer_number_max_length=10, show_language=True)
    session.commit()
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "register_settings")
                            .order_by(HistoryEntry.id.desc())).first()
    fields = {c["field"]: (c.get("old"), c.get("new")) for c in entry.changes}
    assert fields["customer_number_min_length"] == (1, 4) and fields["show_language"] == (False, True)
    assert entry.actor_id == admin.id


# --- the change-number permission ---------------------------------------------------------------------
def test_only_a_system_admin_changes_the_number(session, admin, make_user):
    editor = make_user(role="editor")
    assert can(admin, "customers.change_number") and not can(editor, "customers.change_number")
    c = new_customer(session, customer_number="1000")
    with pytest.raises(ServiceError) as refused:
        service.update_customer(session, editor, c, customer_number="2000")
    assert refused.value.field == "customer_number"
    session.rollback()
    service.update_customer(session, editor, c, customer_number="1000", status="INACTIVE")  # unchanged: fine
    session.commit()
    service.update_customer(session, admin, c, customer_number="2000")
    session.commit()
    assert session.get(Customer, c.id).customer_number == "2000"


def test_an_old_number_outside_new_bounds_survives_other_edits(session, make_user):
    c = new_customer(session, customer_number="12")
    configure(session, customer_number_min_length=4, customer_number_max_length=6)
    service.update_customer(session, make_user(role="editor"), c, customer_number="12", status="INACTIVE")
    session.commit()
    assert session.get(Customer, c.id).status == "INACTIVE"


def test_the_non_web_path_honours_the_rules(session):
    """The CLI, the demo and later imports call the service without an actor: same bounds, same uniqueness."""
    configure(session, customer_number_min_length=4, customer_number_max_length=6, auto_customer_number=True)
    with pytest.raises(ServiceError):
        new_customer(session, None, customer_number="12")
    session.rollback()
    taken = new_customer(session, None, customer_number="4711")
    with pytest.raises(ServiceError) as duplicate:
        new_customer(session, None, customer_number="4711")
    assert str(duplicate.value.message) == "Another customer already has this customer number."
    session.rollback()
    assert new_customer(session, None).customer_number == "4712"
    assert taken.customer_number == "4711"


def test_display_name_prefix_is_rendered_never_stored(session):
    c = new_customer(session, customer_number="12345")
    name = c.organization.name
    assert numbering.with_number(session, c) == name
    configure(session, number_in_display_name=True)
    assert numbering.with_number(session, c) == f"12345 · {name}"
    assert c.display_name == name and c.organization.name == name


# --- the race: distinct numbers on PostgreSQL (threads), serialised on SQLite ----------------------------
def test_concurrent_creates_get_distinct_numbers(app, session):
    configure(session, auto_customer_number=True, customer_number_min_length=4)
    racers = 4
    # ids read here: threads touching the test session's expired records at once would share its connection
    orgs = [factories.organization(session).id for _ in range(racers)]
    guests = [factories.user(session, role="guest").id for _ in range(racers)]
    start = threading.Barrier(racers, timeout=30)
    outcomes: list = [None] * racers
    engine = db.engine

    def worker(i: int) -> None:
        s = Session(engine)  # its own connection, as a request's
        try:
            with app.app_context():
                start.wait()
                created = service.create_customer(s, None, organization_id=orgs[i], admin_user_id=guests[i])
                number = created.customer_number
                s.commit()
                outcomes[i] = number
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            outcomes[i] = exc
        finally:
            s.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    assert sorted(outcomes, key=str) == ["0001", "0002", "0003", "0004"], outcomes
    session.expire_all()
    assert settings.get(session).last_customer_number == racers


# --- test client: the settings page, the edit panel, the change dialog -------------------------------------
def test_settings_page_counts_numbers_outside_new_bounds_and_asks(client, session, admin):
    for number in ("12", "123", "1234", "1234567"):
        new_customer(session, customer_number=number)
    login(client, admin)
    page = html_of(client.get("/admin/settings/"))
    assert "Customer number minimum length" in page and "Automatically generate the next customer number" in page
    response = client.post("/admin/settings/", data=settings_form(
        session, customer_number_min_length="4", customer_number_max_length="6"))
    html = html_of(response)
    assert response.status_code == 400
    assert "3 customers have numbers outside 4–6 characters. Save anyway?" in html
    session.expire_all()
    assert settings.get(session).customer_number_min_length == 1  # nothing saved yet
    response = client.post("/admin/settings/", data=settings_form(
        session, customer_number_min_length="4", customer_number_max_length="6", confirm_outside="y"))
    assert response.status_code == 302
    session.expire_all()
    row = settings.get(session)
    assert (row.customer_number_min_length, row.customer_number_max_length) == (4, 6)
    # the customers keep their numbers
    assert sorted(session.scalars(select(Customer.customer_number))) == ["12", "123", "1234", "1234567"]


def test_settings_page_refuses_bad_bounds_beside_the_field(client, session, admin):
    login(client, admin)
    response = client.post("/admin/settings/", data=settings_form(
        session, customer_number_min_length="7", customer_number_max_length="3"))
    assert response.status_code == 400
    assert field_error(html_of(response), "customer_number_max_length") == \
        "The maximum length can&#39;t be less than the minimum length."
    response = client.post("/admin/settings/", data=settings_form(session, customer_number_max_length="65"))
    assert response.status_code == 400 and field_error(html_of(response), "customer_number_max_length")


def test_settings_page_saves_the_flags(client, session, admin):
    login(client, admin)
    response = client.post("/admin/settings/", data=settings_form(
        session, auto_customer_number="y", number_in_display_name="y", show_cost_center="y", view_service_items="y"))
    assert response.status_code == 302
    session.expire_all()
    row = settings.get(session)
    assert (row.auto_customer_number, row.number_in_display_name, row.show_cost_center, row.view_service_items,
            row.show_language, row.view_work_order_items) == (True, True, True, True, False, False)


def _edit_data(c, **values):
    return {"organization_id": c.organization_id, "admin_user_id": c.admin_user_id, "status": c.status,
            "customer_number": c.customer_number or "", "version": c.version, **values}


def test_editor_sees_the_number_read_only_and_a_changed_number_is_refused(client, session, make_user):
    c = new_customer(session, customer_number="1000")
    login(client, make_user(role="editor"))
    form = html_of(client.get(f"{BASE}edit/?id={c.id}&panel=1"))
    field = re.search(r'<input[^>]*id="customer_number"[^>]*>', form).group(0)
    assert "readonly" in field and 'value="1000"' in field
    assert "Change customer number" not in html_of(client.get(f"{BASE}details/?id={c.id}"))
    response = client.post(f"{BASE}edit/?id={c.id}&panel=1", data=_edit_data(c, customer_number="2000", status="INACTIVE"))
    assert response.status_code == 400
    assert field_error(html_of(response), "customer_number") == "Only a system administrator can change the customer number."
    session.expire_all()
    c = session.get(Customer, c.id)
    assert (c.customer_number, c.status) == ("1000", "ACTIVE")  # nothing saved
    assert client.get(f"{BASE}change-number/?id={c.id}").status_code == 403
    response = client.post(f"{BASE}edit/?id={c.id}", data=_edit_data(c, status="INACTIVE"))  # the same number: saved
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Customer, c.id).status == "INACTIVE"


def test_admin_changes_the_number_in_the_dialog(client, session, admin):
    configure(session, customer_number_min_length=4, customer_number_max_length=6)
    c = new_customer(session, customer_number="1000")
    new_customer(session, customer_number="3000")
    login(client, admin)
    details = html_of(client.get(f"{BASE}details/?id={c.id}"))
    assert "Change customer number" in details
    dialog = html_of(client.get(f"{BASE}change-number/?id={c.id}&modal=1"))
    assert "<html" not in dialog and "New customer number" in dialog and "4–6 digits" in dialog
    for number, message in (("12", "The customer number must be 4–6 digits long."),
                            ("3000", "Another customer already has this customer number.")):
        response = client.post(f"{BASE}change-number/?id={c.id}&modal=1", data={"customer_number": number, "version": c.version})
        assert response.status_code == 400 and field_error(html_of(response), "customer_number") == message
    url = f"{BASE}details/?id={c.id}"
    response = client.post(f"{BASE}change-number/?id={c.id}&url={url}", data={"customer_number": "2000", "version": c.version})
    assert response.status_code == 302 and response.headers["Location"] == url
    session.expire_all()
    assert session.get(Customer, c.id).customer_number == "2000"
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "customer", HistoryEntry.record_id == c.id)
                            .order_by(HistoryEntry.id.desc())).first()
    assert {"field": "customer_number", "old": "1000", "new": "2000"}.items() <= entry.changes[0].items()


def test_list_and_title_show_the_number_when_the_setting_says_so(client, session, admin):
    c = new_customer(session, customer_number="12345")
    name = c.organization.name
    login(client, admin)
    assert f"12345 · {name}" not in html_of(client.get(BASE))
    configure(session, number_in_display_name=True)
    assert f"12345 · {name}" in html_of(client.get(BASE))
    assert f"12345 · {name}" in html_of(client.get(f"{BASE}details/?id={c.id}"))


def test_add_form_with_automatic_numbering_gives_the_next_number(client, session, admin):
    new_customer(session, customer_number="0041")
    configure(session, auto_customer_number=True, customer_number_min_length=4)
    org, guest = factories.organization(session), factories.user(session, role="guest")
    login(client, admin)
    assert "Leave it empty to get the next customer number." in html_of(client.get(f"{BASE}new/?type=business&panel=1"))
    response = client.post(f"{BASE}new/", data={"organization_id": org.id, "admin_user_id": guest.id, "status": "ACTIVE"})
    assert response.status_code == 302
    assert session.scalar(select(Customer.customer_number).where(Customer.organization_id == org.id)) == "0042"
    assert session.get(RegisterSettings, 1) is not None


def test_demo_settings_and_its_customers_numbers_are_valid_under_them(session):
    from backoffice import demo

    demo.seed(session)
    session.commit()
    row = settings.get(session)
    assert (row.customer_number_min_length, row.customer_number_max_length, row.auto_customer_number) == (4, 10, True)
    numbers = list(session.scalars(select(Customer.customer_number)))
    assert numbers and all(n is not None and 4 <= len(n) <= 10 for n in numbers)  # every demo customer has one
    assert len(set(numbers)) == len(numbers)
