"""Every customer rule, at the service layer (seed 000 and issue 3's decisions)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.extensions import db
from backoffice.models import BillingInfo, Customer, Organization, SharedAccount, User
from backoffice.services import customer_list
from backoffice.services import customers as service
from backoffice.services import organizations as org_service
from backoffice.services.errors import ServiceError
from tests.customer_helpers import customer, guest


@pytest.fixture(autouse=True)
def _request_context(app):
    """Messages are lazy translations: evaluate them as a request would."""
    with app.test_request_context():
        yield


def _count(session, model=Customer):
    return session.scalar(select(func.count()).select_from(model))


# --- create ------------------------------------------------------------------------------------
def test_create_makes_the_guest_a_customer_admin(session, make_org):
    org, user = make_org(), guest(session)
    created = service.create_customer(
        session, None, organization_id=org.id, admin_user_id=user.id, customer_number="00123", allow_shared_billing=True
    )
    session.commit()
    assert created.status == "ACTIVE" and created.customer_number == "00123" and created.allow_shared_billing
    assert user.role == "customer-admin"
    assert created.organization is org and created.admin is user


def test_create_inactive(session, make_org):
    created = customer(session, status="INACTIVE")
    assert created.state == "INACTIVE"


@pytest.mark.parametrize("role", ["staff", "editor", "system-admin", "customer-admin"])
def test_only_a_guest_can_become_customer_admin(session, make_org, make_user, role):
    user = make_user(role=role)
    with pytest.raises(ServiceError) as error:
        service.create_customer(session, None, organization_id=make_org().id, admin_user_id=user.id)
    assert error.value.field == "admin_user_id"
    session.rollback()
    assert session.get(User, user.id).role == role and _count(session) == 0


def test_an_admin_of_one_customer_cannot_take_another(session, make_org):
    first = customer(session)
    with pytest.raises(ServiceError) as error:
        service.create_customer(session, None, organization_id=make_org().id, admin_user_id=first.admin_user_id)
    assert error.value.field == "admin_user_id"


def test_one_customer_per_organization(session):
    first = customer(session)
    with pytest.raises(ServiceError) as error:
        service.create_customer(session, None, organization_id=first.organization_id, admin_user_id=guest(session).id)
    assert error.value.field == "organization_id"


def test_a_deleted_organization_cannot_get_a_customer(session, make_org):
    org = make_org()
    org_service.soft_delete_organization(session, None, org)
    session.commit()
    with pytest.raises(ServiceError) as error:
        service.create_customer(session, None, organization_id=org.id, admin_user_id=guest(session).id)
    assert error.value.field == "organization_id"


@pytest.mark.parametrize("value", [None, "", "abc", "0", -1])
def test_organization_and_admin_are_required(session, make_org, value):
    with pytest.raises(ServiceError) as error:
        service.create_customer(session, None, organization_id=value if value != "0" else 999999, admin_user_id=guest(session).id)
    assert error.value.field == "organization_id"
    with pytest.raises(ServiceError) as error:
        service.create_customer(session, None, organization_id=make_org().id, admin_user_id=value if value != "0" else 999999)
    assert error.value.field == "admin_user_id"


@pytest.mark.parametrize("number", ["12a", "1 2", "-1", "１２", "1" * 65, "12.5"])
def test_customer_number_digits_only_at_most_64(session, make_org, number):
    with pytest.raises(ServiceError) as error:
        service.create_customer(
            session, None, organization_id=make_org().id, admin_user_id=guest(session).id, customer_number=number
        )
    assert error.value.field == "customer_number"


def test_customer_number_64_digits_and_empty_are_fine(session):
    assert customer(session, customer_number="9" * 64).customer_number == "9" * 64
    assert customer(session, customer_number="  ").customer_number is None
    assert customer(session, customer_number=None).customer_number is None


def test_customer_number_unique_when_set(session, make_org):
    customer(session, customer_number="42")
    with pytest.raises(ServiceError) as error:
        service.create_customer(session, None, organization_id=make_org().id, admin_user_id=guest(session).id, customer_number="42")
    assert error.value.field == "customer_number"


def test_status_must_be_known(session, make_org):
    with pytest.raises(ServiceError) as error:
        service.create_customer(session, None, organization_id=make_org().id, admin_user_id=guest(session).id, status="DELETED")
    assert error.value.field == "status"


def test_database_refuses_what_the_service_refuses(session, make_org):
    """The rules are constraints too: a bad number, a second customer per organization."""
    org, user = make_org(), guest(session)
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add(Customer(organization_id=org.id, admin_user_id=user.id, customer_number="12a"))
            session.flush()
    first = customer(session)
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add(Customer(organization_id=first.organization_id, admin_user_id=user.id))
            session.flush()
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add(Customer(organization_id=org.id, admin_user_id=None))
            session.flush()


# --- edit --------------------------------------------------------------------------------------
def test_edit_fields(session, make_org):
    c = customer(session)
    other_org = make_org()
    service.update_customer(
        session, None, c, organization_id=other_org.id, status="INACTIVE", customer_number="77", allow_shared_billing=True
    )
    session.commit()
    assert (c.organization_id, c.status, c.customer_number, c.allow_shared_billing) == (other_org.id, "INACTIVE", "77", True)


def test_edit_keeps_own_organization_admin_and_number(session):
    c = customer(session, customer_number="5")
    service.update_customer(
        session, None, c, organization_id=c.organization_id, admin_user_id=c.admin_user_id, customer_number="5"
    )
    session.commit()
    assert c.admin.role == "customer-admin"


def test_edit_with_another_admin_returns_the_previous_one_to_guest(session):
    c = customer(session)
    previous, new = c.admin, guest(session)
    service.update_customer(session, None, c, admin_user_id=new.id)
    session.commit()
    assert c.admin is new and new.role == "customer-admin" and previous.role == "guest"


def test_edit_refuses_a_taken_organization_or_admin(session):
    a, b = customer(session), customer(session)
    with pytest.raises(ServiceError) as error:
        service.update_customer(session, None, a, organization_id=b.organization_id)
    assert error.value.field == "organization_id"
    with pytest.raises(ServiceError) as error:
        service.update_customer(session, None, a, admin_user_id=b.admin_user_id)
    assert error.value.field == "admin_user_id"


def test_a_deleted_customer_cannot_be_edited(session):
    c = customer(session, deleted=True)
    with pytest.raises(ServiceError):
        service.update_customer(session, None, c, status="INACTIVE")
    with pytest.raises(ServiceError):
        service.set_status(session, None, c, "INACTIVE")
    with pytest.raises(ServiceError):
        service.set_billing(session, None, c, address="Gatan 1")


def test_turning_sharing_off_needs_confirmation_then_removes_shares_and_notifies(session):
    from backoffice.models import Notification, SharedAccount
    from backoffice.services import sharing

    c = customer(session, allow_shared_billing=True)
    other = customer(session, allow_shared_billing=False)
    sharing.add_shared_account(session, None, c, other)
    session.commit()
    with pytest.raises(ServiceError) as refused:
        service.update_customer(session, None, c, allow_shared_billing=False)
    assert refused.value.field == "allow_shared_billing"
    session.rollback()
    assert c.allow_shared_billing is True and session.query(SharedAccount).count() == 1

    service.update_customer(session, None, c, allow_shared_billing=False, confirm_unshare=True)
    session.commit()
    assert c.allow_shared_billing is False and session.query(SharedAccount).count() == 0
    assert session.query(Notification).filter_by(user_id=other.admin_user_id).count() == 2  # added, removed


def test_set_status(session):
    c = customer(session)
    assert service.set_status(session, None, c, "INACTIVE") is True
    assert service.set_status(session, None, c, "INACTIVE") is False
    assert service.set_status(session, None, c, "ACTIVE") is True
    with pytest.raises(ServiceError):
        service.set_status(session, None, c, "GONE")


# --- soft delete, recover, purge ---------------------------------------------------------------
def test_soft_delete_releases_the_admin(session):
    c = customer(session)
    admin = c.admin
    service.soft_delete_customer(session, None, c)
    session.commit()
    assert c.is_deleted and c.admin_user_id is None and admin.role == "guest"
    with pytest.raises(ServiceError):
        service.soft_delete_customer(session, None, c)


def test_recover_with_a_new_admin(session):
    c = customer(session, deleted=True)
    new = guest(session)
    service.recover_customer(session, None, c, new.id)
    session.commit()
    assert not c.is_deleted and c.admin is new and new.role == "customer-admin"
    with pytest.raises(ServiceError):
        service.recover_customer(session, None, c, guest(session).id)


def test_recover_needs_an_eligible_admin(session, make_user):
    c = customer(session, deleted=True)
    taken = customer(session).admin_user_id
    for user_id in (None, taken, make_user(role="staff").id):
        with pytest.raises(ServiceError) as error:
            service.recover_customer(session, None, c, user_id)
        assert error.value.field == "admin_user_id"
    assert c.is_deleted


def test_recover_refused_while_the_organization_is_deleted(session):
    c = customer(session)
    org_service.soft_delete_organization(session, None, c.organization)
    session.commit()
    with pytest.raises(ServiceError) as error:
        service.recover_customer(session, None, c, guest(session).id)
    assert "Recover the organization first" in str(error.value.message)


def test_purge_only_a_deleted_customer_and_it_takes_billing_and_shares(session):
    c, other = customer(session, allow_shared_billing=True), customer(session)
    service.set_billing(session, None, c, address="Gatan 1")
    session.add_all([SharedAccount(customer_id=c.id, shared_customer_id=other.id), SharedAccount(customer_id=other.id, shared_customer_id=c.id)])
    session.commit()
    with pytest.raises(ServiceError):
        service.purge_customer(session, None, c)
    service.soft_delete_customer(session, None, c)
    session.commit()
    service.purge_customer(session, None, c)
    session.commit()
    session.expire_all()
    assert _count(session) == 1 and _count(session, BillingInfo) == 0 and _count(session, SharedAccount) == 0
    assert session.get(Customer, other.id) is not None


def test_purge_blockers_refuse_before_the_sharing_partners_are_told(session, monkeypatch):
    from backoffice.services import sharing

    c = customer(session, deleted=True)
    called = []
    monkeypatch.setattr(service, "purge_blockers", [lambda s, cust: ["an invoice refers to it"]])
    monkeypatch.setattr(sharing, "notify_purge", lambda s, actor, cust: called.append(cust.id))
    with pytest.raises(ServiceError) as error:
        service.purge_customer(session, None, c)
    assert "an invoice refers to it" in str(error.value.message) and called == []
    monkeypatch.setattr(service, "purge_blockers", [])
    service.purge_customer(session, None, c)
    assert called == [c.id]


# --- organizations ------------------------------------------------------------------------------
def test_soft_deleting_the_organization_soft_deletes_its_customer(session):
    c = customer(session)
    admin = c.admin
    org_service.soft_delete_organization(session, None, c.organization)
    session.commit()
    assert c.is_deleted and admin.role == "guest"
    org_service.recover_organization(session, None, c.organization)
    session.commit()
    assert c.is_deleted  # recovering the organization does not recover the customer


def test_an_organization_with_a_customer_cannot_be_purged(session):
    c = customer(session)
    org_service.soft_delete_organization(session, None, c.organization)
    session.commit()
    with pytest.raises(ServiceError) as error:
        org_service.purge_organization(session, None, c.organization)
    assert "a customer account refers to it" in str(error.value.message)


# --- billing ----------------------------------------------------------------------------------
def test_billing_upsert_and_clear(session):
    c = customer(session)
    service.set_billing(session, None, c, address="Gatan 1", email="bill@example.com")
    session.commit()
    assert c.billing.address == "Gatan 1"
    service.set_billing(session, None, c, municipality="Umeå")
    assert (c.billing.address, c.billing.municipality) == ("Gatan 1", "Umeå")
    with pytest.raises(ServiceError) as error:
        service.set_billing(session, None, c, email="nope")
    assert error.value.field == "billing_email"
    with pytest.raises(ServiceError) as error:
        service.set_billing(session, None, c, post_number="1" * 21)
    assert error.value.field == "billing_post_number"
    service.set_billing(session, None, c, **{name: "" for name in service.BILLING_FIELDS})
    session.commit()
    assert c.billing is None and _count(session, BillingInfo) == 0


def test_create_with_billing(session, make_org):
    c = service.create_customer(
        session, None, organization_id=make_org().id, admin_user_id=guest(session).id, billing={"phone": "08-123 456 78"}
    )
    session.commit()
    assert c.billing.phone == "+46812345678"  # checked, stored in international form


# --- pickers ------------------------------------------------------------------------------------
def test_eligible_admins_are_free_guests(session, make_user):
    free = guest(session, first_name="Fiona", last_name="Free", email="fiona@example.com")
    guest(session, first_name="Ina", last_name="Inactive", active=False)
    make_user(role="staff", first_name="Fiona")
    taken = customer(session).admin
    ids = [u.id for u in session.scalars(service.eligible_admins_query(session))]
    assert free.id in ids and taken.id not in ids and len(ids) == 1
    assert [u.id for u in session.scalars(service.eligible_admins_query(session, "fio"))] == [free.id]
    assert [u.id for u in session.scalars(service.eligible_admins_query(session, "FIONA@EX"))] == [free.id]
    assert list(session.scalars(service.eligible_admins_query(session, "zzz"))) == []
    assert list(session.scalars(service.eligible_admins_query(session, "%"))) == []


def test_available_organizations(session, make_org):
    free, gone = make_org(name="Free AB"), make_org(name="Gone AB")
    org_service.soft_delete_organization(session, None, gone)
    used = customer(session).organization
    ids = [o.id for o in session.scalars(service.available_organizations_query(session))]
    assert ids == [free.id] and used.id not in ids


def test_search_condition_by_name_number_and_customer_number(session, make_org):
    a = customer(session, org=make_org(name="Alfa Bygg AB", org_number="556677-8899"), customer_number="1001")
    b = customer(session, org=make_org(name="Beta Data AB", org_number="112233-4459"), customer_number="2002")

    def found(q):
        return {c.id for c in session.scalars(select(Customer).where(customer_list.search_condition(q)))}

    assert found("alfa") == {a.id}
    assert found("5566778899") == {a.id} and found("556677-88") == {a.id}
    assert found("2002") == {b.id}
    # (issue 12) a word of one or two letters matches the start of the name, unless a longer word is beside it
    assert found("AB") == set() and found("al") == {a.id} and found("ab data") == {b.id}
    assert found("nothing") == set()


# --- races ---------------------------------------------------------------------------------------
def _race(app, make_values):
    """Two sessions create customers that collide; returns (winner ids, errors of the loser)."""
    engine = db.engine
    first, second = Session(engine), Session(engine)
    outcome = {}
    try:
        if engine.dialect.name == "postgresql":
            # The first transaction has inserted but not committed; the second blocks on the
            # unique index until the first commits, then fails at the constraint.
            service.create_customer(first, None, **make_values(1))

            def run():
                with app.test_request_context():
                    attempt()

            def attempt():
                try:
                    service.create_customer(second, None, **make_values(2))
                    second.commit()
                    outcome["ok"] = True
                except ServiceError as error:
                    second.rollback()
                    outcome["error"] = error

            thread = threading.Thread(target=run)
            thread.start()
            thread.join(1.0)
            first.commit()
            thread.join(30)
        else:
            # SQLite serialises writers: the sequential variant skips the second one's pre-checks
            # (as a racing request would pass them) so that it ends at the database constraint.
            service.create_customer(first, None, **make_values(1))
            first.commit()
            original_org, original_admin = service._organization_for, service._admin_for
            service._organization_for = lambda s, org_id, own=None: s.get(Organization, int(org_id))
            service._admin_for = lambda s, user_id, own=None: s.get(User, int(user_id))
            try:
                service.create_customer(second, None, **make_values(2))
                outcome["ok"] = True
            except ServiceError as error:
                second.rollback()
                outcome["error"] = error
            finally:
                service._organization_for, service._admin_for = original_org, original_admin
    finally:
        first.close()
        second.close()
    return outcome


def test_two_admins_racing_for_the_same_organization(app, session, make_org):
    org = make_org()
    guests = [guest(session), guest(session)]
    outcome = _race(app, lambda n: {"organization_id": org.id, "admin_user_id": guests[n - 1].id})
    assert "ok" not in outcome and outcome["error"].field == "organization_id"
    session.expire_all()
    assert _count(session) == 1
    assert sorted(u.role for u in session.scalars(select(User).where(User.id.in_([g.id for g in guests])))) == [
        "customer-admin",
        "guest",
    ]


def test_two_admins_racing_for_the_same_user(app, session, make_org):
    orgs = [make_org(), make_org()]
    user = guest(session)
    outcome = _race(app, lambda n: {"organization_id": orgs[n - 1].id, "admin_user_id": user.id})
    assert "ok" not in outcome and outcome["error"].field == "admin_user_id"
    session.expire_all()
    assert _count(session) == 1


# --- demo ---------------------------------------------------------------------------------------
def test_demo_has_customers_in_every_state_and_free_guests(session):
    from backoffice import demo

    added = demo.seed(session)
    session.commit()
    assert added["customers"] >= 45
    customers = list(session.scalars(select(Customer)))
    states = {c.state for c in customers}
    assert states == {"ACTIVE", "INACTIVE", "DELETED"}
    assert any(c.billing for c in customers) and any(c.billing is None for c in customers)
    assert any(c.allow_shared_billing for c in customers)
    # a business customer has an admin unless deleted; a private one (issue 11) has none
    assert all((c.admin is None) == c.is_deleted for c in customers if c.type == "business")
    assert any(c.type == "private" and c.admin is None and not c.is_deleted for c in customers)
    assert len(list(session.scalars(service.eligible_admins_query(session)))) >= 5
    assert demo.seed(session)["customers"] == 0  # running it again adds nothing


def test_purge_notifies_the_admins_its_shared_links_touched(session):
    from backoffice.models import Notification, SharedAccount
    from backoffice.services import sharing

    gone = customer(session, allow_shared_billing=True)
    other = customer(session, allow_shared_billing=True)
    sharing.add_shared_account(session, None, gone, other)
    session.commit()
    before = session.query(Notification).filter_by(user_id=other.admin_user_id).count()
    service.soft_delete_customer(session, None, gone)
    service.purge_customer(session, None, gone)
    session.commit()
    assert session.query(SharedAccount).count() == 0
    texts = [n.text for n in session.query(Notification).filter_by(user_id=other.admin_user_id)]
    assert len(texts) == before + 1 and "permanently deleted" in texts[-1]
