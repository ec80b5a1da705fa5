"""No lost updates (issue 5): every edit form carries the version it was opened with; the services
compare it with the stored one and refuse a stale save with who changed the record and when; two saves
in the same instant end the same way (StaleDataError -> ConflictError), never in a 500."""

from __future__ import annotations

import re

import pytest
from flask_babel import format_time
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backoffice.extensions import db
from backoffice.models import Customer, Organization, User
from backoffice.services import customers as customer_service
from backoffice.services import organizations as org_service
from backoffice.services import users as user_service
from backoffice.services.errors import ConflictError, ServiceError
from tests import factories
from tests.conftest import login

ORG_FIELDS = {
    "name": "Locking AB",
    "org_number": "556600-4247",
    "legal_form": "",
    "digital_address": "",
    "address": "",
    "post_number": "",
    "region": "",
    "municipality": "",
    "country": "",
    "phone": "",
    "website": "",
    "email": "",
}



def panel_saved(response) -> bool:
    """A panel form posted by script answers a save with 200 and the next page in X-Redirect."""
    return response.status_code == 200 and "X-Redirect" in response.headers

def stored(session, model, id_, *names):
    session.expire_all()
    row = session.execute(select(*[getattr(model, n) for n in names]).where(model.id == id_)).one()
    return dict(zip(names, row, strict=True))


@pytest.fixture
def alice(make_user):
    return make_user(role="system-admin", first_name="Alice", last_name="Ek", email="alice@example.com")


@pytest.fixture
def bob(make_user):
    return make_user(role="system-admin", first_name="Bob", last_name="Berg", email="bob@example.com")


# --- service level ----------------------------------------------------------------------------------
def test_a_stale_version_is_refused_with_who_and_when(session, alice, bob, make_org):
    org = make_org(name="Old AB")
    opened = org.version  # both open the form now
    org_service.update_organization(session, alice, org, expected_version=opened, name="Alice AB")
    session.commit()
    assert org.version == opened + 1 and org.updated_by_id == alice.id

    with pytest.raises(ConflictError) as caught:
        org_service.update_organization(session, bob, org, expected_version=opened, name="Bob AB", phone="070-123 45 67")
    session.rollback()
    error = caught.value
    assert isinstance(error, ServiceError) and error.field is None
    now = stored(session, Organization, org.id, "name", "phone", "version", "updated_at", "updated_by_id")
    assert now == {**now, "name": "Alice AB", "phone": None, "version": opened + 1, "updated_by_id": alice.id}
    assert error.changed_by.id == alice.id and error.version == opened + 1 and error.changed_at == now["updated_at"]
    when = format_time(now["updated_at"], "HH:mm")
    assert str(error.message) == f"Alice Ek changed this record at {when}; your changes were not saved."


def test_the_message_says_you_or_someone_when_it_was_the_same_user_or_nobody_known(session, alice, make_org):
    org = make_org()
    org_service.update_organization(session, alice, org, expected_version=org.version, name="Mine AB")
    session.commit()
    with pytest.raises(ConflictError) as caught:
        org_service.update_organization(session, alice, org, expected_version=org.version - 1, name="Again AB")
    session.rollback()
    assert str(caught.value.message).startswith("You changed this record at ")
    org_service.update_organization(session, None, org, name="Script AB")  # the CLI carries no form
    session.commit()
    with pytest.raises(ConflictError) as caught:
        org_service.update_organization(session, alice, org, expected_version=org.version - 1, name="Late AB")
    session.rollback()
    assert caught.value.changed_by is None
    assert re.fullmatch(r"Someone else changed this record at \d\d:\d\d; your changes were not saved\.", str(caught.value.message))


@pytest.mark.parametrize("posted", ["", "abc", "999", None])
def test_a_missing_or_made_up_version_never_saves_but_none_means_no_form(session, alice, make_org, posted):
    org = make_org(name="Kept AB")
    if posted is None:  # services called without a form (CLI, demo, bulk actions) do not compare
        org_service.update_organization(session, alice, org, expected_version=None, name="Changed AB")
        session.commit()
        assert stored(session, Organization, org.id, "name", "version") == {"name": "Changed AB", "version": 2}
        return
    with pytest.raises(ConflictError):
        org_service.update_organization(session, alice, org, expected_version=posted, name="Changed AB")
    session.rollback()
    assert stored(session, Organization, org.id, "name", "version") == {"name": "Kept AB", "version": 1}


def test_a_matching_version_saves_and_moves_on_by_one(session, alice, make_user, make_org):
    org = make_org()
    org_service.update_organization(session, alice, org, expected_version=org.version, name="Next AB", phone="08-123 456 78")
    session.commit()
    assert stored(session, Organization, org.id, "version", "updated_by_id") == {"version": 2, "updated_by_id": alice.id}

    user = make_user(role="staff")
    user_service.update_user(session, alice, user, expected_version=user.version, first_name="Renamed", role="editor")
    session.commit()
    assert stored(session, User, user.id, "version", "updated_by_id") == {"version": 2, "updated_by_id": alice.id}

    customer = factories.customer(session)
    # One save of the customer form (fields and billing information together) is one new version.
    customer_service.update_customer(
        session, alice, customer, expected_version=customer.version, status="INACTIVE",
        billing={"address": "Fakturagatan 1", "email": "bill@example.com"},
    )
    session.commit()
    assert stored(session, Customer, customer.id, "version", "updated_by_id") == {"version": 2, "updated_by_id": alice.id}
    # Billing information alone rides on the customer's version too.
    customer_service.update_customer(session, alice, customer, expected_version=2, billing={"address": "Nya vägen 2"})
    session.commit()
    assert stored(session, Customer, customer.id, "version")["version"] == 3
    with pytest.raises(ConflictError):
        customer_service.update_customer(session, alice, customer, expected_version=2, billing={"address": "Old tab 3"})
    session.rollback()
    assert customer.billing.address == "Nya vägen 2"


def test_bookkeeping_is_no_edit_of_the_record(session, alice, make_user):
    """Signing in, a password change or 'sign out everywhere' doesn't make an open user form stale."""
    user = make_user(role="staff")
    before = stored(session, User, user.id, "version", "updated_at")
    assert user_service.authenticate(session, user.email, factories.PASSWORD) is not None
    session.commit()
    user_service.set_password(session, alice, user, "another-long-password")
    session.commit()
    user_service.end_sessions(session, alice, user)
    session.commit()
    assert stored(session, User, user.id, "version", "updated_at") == before
    user_service.update_user(session, alice, user, expected_version=before["version"], last_name="Still Mine")
    session.commit()


def test_a_change_outside_the_form_makes_the_form_stale(session, alice, bob):
    """Becoming a customer admin changes the user's role: an admin's open user form must not undo it."""
    guest = factories.user(session, role="guest")
    opened = guest.version
    factories.customer(session, admin=guest)
    assert stored(session, User, guest.id, "role")["role"] == "customer-admin"
    with pytest.raises(ConflictError):
        user_service.update_user(session, bob, guest, expected_version=opened, first_name="Typed", role="guest")
    session.rollback()
    assert stored(session, User, guest.id, "role", "first_name") == {"role": "customer-admin", "first_name": "Test"}


def test_who_changed_it_does_not_keep_that_user_from_being_deleted(session, alice, bob, make_org):
    org = make_org()
    org_service.update_organization(session, alice, org, expected_version=org.version, name="By Alice AB")
    session.commit()
    assert user_service.delete_user(session, bob, alice) == "deleted"  # not "deactivated": the link is ON DELETE SET NULL
    session.commit()
    assert stored(session, Organization, org.id, "name", "updated_by_id", "version") == {
        "name": "By Alice AB", "updated_by_id": None, "version": 2,
    }
    with pytest.raises(ConflictError) as caught:
        org_service.update_organization(session, bob, org, expected_version=1, name="Late AB")
    assert str(caught.value.message).startswith("Someone else changed this record at ")
    session.rollback()


def _read_in_another_request(model, id_):
    other = Session(db.engine)
    return other, other.get(model, id_)


@pytest.mark.parametrize("kind", ["organization", "user", "customer"])
def test_two_saves_in_the_same_instant_end_in_the_conflict_not_an_error(session, alice, bob, kind):
    """Bob's request read the record and passed the version check; Alice's save commits before Bob's
    UPDATE runs. The database round (WHERE version = read) catches it: StaleDataError -> ConflictError."""
    if kind == "organization":
        record = factories.organization(session)
        save = lambda s, actor, obj, version, value: org_service.update_organization(  # noqa: E731
            s, actor, obj, expected_version=version, name=value
        )
        read = lambda: stored(session, Organization, record.id, "name", "version")["name"]  # noqa: E731
    elif kind == "user":
        record = factories.user(session, role="staff")
        save = lambda s, actor, obj, version, value: user_service.update_user(  # noqa: E731
            s, actor, obj, expected_version=version, first_name=value
        )
        read = lambda: stored(session, User, record.id, "first_name")["first_name"]  # noqa: E731
    else:
        record = factories.customer(session)
        save = lambda s, actor, obj, version, value: customer_service.update_customer(  # noqa: E731
            s, actor, obj, expected_version=version, billing={"address": value}
        )

        def read():
            session.expire_all()
            return session.get(Customer, record.id).billing.address

    model = type(record)
    other, theirs = _read_in_another_request(model, record.id)
    try:
        version = theirs.version
        mine = session.get(model, record.id)
        save(session, alice, mine, version, "Alice's")
        session.commit()
        with pytest.raises(ConflictError) as caught:
            save(other, bob, theirs, version, "Bob's")
        assert isinstance(caught.value.__cause__, StaleDataError)  # caught by the database round, not the form check
        assert caught.value.changed_by.id == alice.id and caught.value.version == version + 1
        assert "Alice Ek changed this record at" in str(caught.value.message)
        other.rollback()
    finally:
        other.close()
    assert read() == "Alice's"


def test_a_record_deleted_in_the_same_instant_is_said_so(session, alice):
    org = factories.organization(session)
    org = session.get(Organization, org.id)
    org.name  # noqa: B018 - Bob's request has read it ...
    with db.engine.begin() as conn:  # ... when someone else's transaction removes it
        conn.execute(Organization.__table__.delete().where(Organization.id == org.id))
    with pytest.raises(ConflictError) as caught:
        org_service.update_organization(session, alice, org, expected_version=1, name="Too late AB")
    assert caught.value.version is None
    assert str(caught.value.message) == "Someone else deleted this record; your changes were not saved."
    session.rollback()


# --- the edit forms, in two browser tabs -------------------------------------------------------------
def version_in(html: str) -> str:
    match = re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', html) or re.search(
        r'<input[^>]*value="(\d+)"[^>]*name="version"', html
    )
    assert match, "no version field in the form"
    return match.group(1)


def now_note(html: str, field: str) -> str | None:
    match = re.search(rf'data-conflict-now="{field}">Now: ([^<]*)</span>', html)
    return match.group(1) if match else None


@pytest.fixture
def tabs(app, client, alice, bob):
    """Alice's browser and Bob's browser, both signed in."""
    other = app.test_client()
    login(client, alice)
    login(other, bob)
    return client, other


def test_organization_form_two_tabs(tabs, session, make_org):
    alices, bobs = tabs
    org = make_org(**ORG_FIELDS)
    url = f"/admin/organizations/edit/?id={org.id}"
    version_a = version_in(alices.get(url).get_data(as_text=True))
    version_b = version_in(bobs.get(url).get_data(as_text=True))
    assert version_a == version_b == "1"

    response = alices.post(url, data={**ORG_FIELDS, "name": "Alice AB", "version": version_a})
    assert response.status_code == 302
    response = bobs.post(url, data={**ORG_FIELDS, "name": "Bob AB", "phone": "08-123 456 78", "version": version_b})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert re.search(r"Alice Ek changed this record at \d\d:\d\d; your changes were not saved\.", html)
    assert 'value="Bob AB"' in html and 'value="08-123 456 78"' in html  # what Bob typed stays in the inputs
    assert now_note(html, "name") == "Alice AB" and now_note(html, "phone") == "(empty)"  # beside what is stored
    assert now_note(html, "org_number") is None  # no note where they agree
    assert version_in(html) == "2"  # saving again deliberately overwrites
    assert stored(session, Organization, org.id, "name", "phone", "version") == {"name": "Alice AB", "phone": None, "version": 2}

    response = bobs.post(url, data={**ORG_FIELDS, "name": "Bob AB", "phone": "08-123 456 78", "version": version_in(html)})
    assert response.status_code == 302
    assert stored(session, Organization, org.id, "name", "phone", "version", "updated_by_id")["name"] == "Bob AB"


def test_user_form_two_tabs(tabs, session, make_user, bob):
    alices, bobs = tabs
    user = make_user(role="staff", first_name="Carl", last_name="Cell", email="carl@example.com")
    url = f"/admin/users/edit/?id={user.id}"
    base = {"first_name": "Carl", "last_name": "Cell", "email": "carl@example.com", "language": "en", "role": "staff",
            "active": "y"}
    version_a = version_in(alices.get(url).get_data(as_text=True))
    version_b = version_in(bobs.get(url).get_data(as_text=True))
    assert alices.post(url, data={**base, "role": "editor", "version": version_a}).status_code == 302
    response = bobs.post(url, data={**base, "first_name": "Karl", "version": version_b})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert re.search(r"Alice Ek changed this record at \d\d:\d\d; your changes were not saved\.", html)
    assert 'value="Karl"' in html and now_note(html, "first_name") == "Carl"
    assert now_note(html, "role") == "Editor"  # Bob's tab still says Staff: the stored role is shown by its label
    assert stored(session, User, user.id, "first_name", "role") == {"first_name": "Carl", "role": "editor"}

    # Bob saves again on purpose, having seen the role Alice set: he keeps it this time.
    response = bobs.post(url, data={**base, "first_name": "Karl", "role": "editor", "version": version_in(html)})
    assert response.status_code == 302
    assert stored(session, User, user.id, "first_name", "role", "updated_by_id") == {
        "first_name": "Karl", "role": "editor", "updated_by_id": bob.id,
    }


def test_customer_side_panel_two_tabs(tabs, session):
    alices, bobs = tabs
    customer = factories.customer(session, customer_number="100")
    url = f"/admin/customers/edit/?id={customer.id}&panel=1"
    base = {"organization_id": customer.organization_id, "admin_user_id": customer.admin_user_id, "status": "ACTIVE",
            "customer_number": "100", "allow_shared_billing": "y"}
    version_a = version_in(alices.get(url).get_data(as_text=True))
    version_b = version_in(bobs.get(url).get_data(as_text=True))
    assert panel_saved(alices.post(url, data={**base, "customer_number": "111", "version": version_a}))
    response = bobs.post(url, data={**base, "customer_number": "222", "billing_address": "Bobgatan 2", "version": version_b})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "<html" not in html  # still the panel's fragment
    assert re.search(r"Alice Ek changed this record at \d\d:\d\d; your changes were not saved\.", html)
    assert 'value="222"' in html and 'value="Bobgatan 2"' in html
    assert now_note(html, "customer_number") == "111" and now_note(html, "billing_address") == "(empty)"
    assert now_note(html, "status") is None
    session.expire_all()
    kept = session.get(Customer, customer.id)
    assert (kept.customer_number, kept.billing) == ("111", None)

    response = bobs.post(url, data={**base, "customer_number": "222", "billing_address": "Bobgatan 2",
                                    "version": version_in(html)})
    assert panel_saved(response)
    session.expire_all()
    saved = session.get(Customer, customer.id)
    assert (saved.customer_number, saved.billing.address, saved.version) == ("222", "Bobgatan 2", 3)


# --- forms accept only the fields they declare --------------------------------------------------------
EXTRA = {"updated_by_id": "", "deleted_at": "2020-01-01 00:00:00", "role": "system-admin", "id": "999",
         "session_version": "7", "type": "private", "created_at": "2000-01-01 00:00:00"}


def test_version_and_bookkeeping_are_never_assigned_from_a_form(tabs, session, bob):
    alices, _ = tabs
    org = factories.organization(session, **{k: v for k, v in ORG_FIELDS.items() if v})
    url = f"/admin/organizations/edit/?id={org.id}"
    # A made-up version is compared, never stored: nothing is saved.
    response = alices.post(url, data={**ORG_FIELDS, "name": "Forged AB", "version": "999"})
    assert response.status_code == 409
    assert stored(session, Organization, org.id, "name", "version") == {"name": "Locking AB", "version": 1}
    # No version at all: nothing is saved either (a form always carries one).
    assert alices.post(url, data={**ORG_FIELDS, "name": "Forged AB"}).status_code == 409
    # Extra fields beside the declared ones change nothing but the declared ones.
    response = alices.post(url, data={**EXTRA, "updated_by_id": str(bob.id), **ORG_FIELDS, "name": "Fair AB",
                                      "version": "1"})
    assert response.status_code == 302
    assert stored(session, Organization, org.id, "name", "version", "updated_by_id", "deleted_at", "id") == {
        "name": "Fair AB", "version": 2, "updated_by_id": session.scalar(select(User.id).where(User.email == "alice@example.com")),
        "deleted_at": None, "id": org.id,
    }


def test_user_and_customer_forms_ignore_version_and_bookkeeping_fields(tabs, session, alice, bob):
    alices, _ = tabs
    user = factories.user(session, role="staff", first_name="Dora")
    url = f"/admin/users/edit/?id={user.id}"
    base = {"first_name": "Dora", "last_name": user.last_name, "email": user.email, "language": "en", "role": "staff",
            "active": "y"}
    assert alices.post(url, data={**base, "first_name": "Forged", "version": "999"}).status_code == 409
    response = alices.post(url, data={**EXTRA, **base, "updated_by_id": str(bob.id), "first_name": "Dorota",
                                      "version": "1"})
    assert response.status_code == 302
    assert stored(session, User, user.id, "first_name", "role", "version", "updated_by_id", "session_version") == {
        "first_name": "Dorota", "role": "staff", "version": 2, "updated_by_id": alice.id, "session_version": 0,
    }

    customer = factories.customer(session)
    url = f"/admin/customers/edit/?id={customer.id}&panel=1"
    base = {"organization_id": customer.organization_id, "admin_user_id": customer.admin_user_id, "status": "ACTIVE",
            "allow_shared_billing": "y"}
    assert alices.post(url, data={**base, "customer_number": "5", "version": "999"}).status_code == 409
    assert stored(session, Customer, customer.id, "customer_number", "version") == {"customer_number": None, "version": 1}
    response = alices.post(url, data={**EXTRA, **base, "updated_by_id": str(bob.id), "customer_number": "5",
                                      "version": "1"})
    assert panel_saved(response)
    assert stored(session, Customer, customer.id, "customer_number", "version", "updated_by_id", "deleted_at", "type") == {
        "customer_number": "5", "version": 2, "updated_by_id": alice.id, "deleted_at": None, "type": "business",
    }


def test_a_lost_version_race_outside_the_edit_forms_is_a_409_page_not_a_500(tabs, session, monkeypatch):
    """E.g. a delete confirmed in the same instant as someone's save of that organization."""
    alices, _ = tabs
    org = factories.organization(session, name="Raced AB")

    def lose_the_race(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'organization' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(org_service, "soft_delete_organization", lose_the_race)
    response = alices.post(f"/admin/organizations/soft-delete/?id={org.id}", data={"confirmation": "DELETE"})
    assert response.status_code == 409
    assert "Someone else changed this record at the same moment, so nothing was saved." in response.get_data(as_text=True)
    assert stored(session, Organization, org.id, "deleted_at", "version") == {"deleted_at": None, "version": 1}


def test_same_instant_saves_through_the_panel_end_in_the_conflict_page(tabs, session, alice, monkeypatch):
    """Bob's request has read the customer and passed the version check when Alice's save commits:
    his UPDATE matches no row (StaleDataError) and he gets the same 409 panel, not a 500."""
    from backoffice.services import locking

    _, bobs = tabs
    customer = factories.customer(session, customer_number="100")
    url = f"/admin/customers/edit/?id={customer.id}&panel=1"
    version = version_in(bobs.get(url).get_data(as_text=True))
    real_check = locking.check_version

    def alice_saves_meanwhile(s, actor, record, expected_version):
        real_check(s, actor, record, expected_version)  # Bob's form is current ...
        monkeypatch.setattr(locking, "check_version", real_check)
        with Session(db.engine) as other:  # ... and Alice's save commits right now
            customer_service.update_customer(
                other, other.get(User, alice.id), other.get(Customer, customer.id), billing={"address": "Alicegatan 1"}
            )
            other.commit()

    monkeypatch.setattr(locking, "check_version", alice_saves_meanwhile)
    response = bobs.post(url, data={"organization_id": customer.organization_id, "admin_user_id": customer.admin_user_id,
                                    "status": "ACTIVE", "customer_number": "100", "allow_shared_billing": "y",
                                    "billing_address": "Bobgatan 2", "version": version})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert re.search(r"Alice Ek changed this record at \d\d:\d\d; your changes were not saved\.", html)
    assert 'value="Bobgatan 2"' in html and now_note(html, "billing_address") == "Alicegatan 1"
    assert version_in(html) == str(int(version) + 1)
    session.expire_all()
    assert session.get(Customer, customer.id).billing.address == "Alicegatan 1"
