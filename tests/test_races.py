"""Uniqueness under races (issue 5): two requests creating or setting the same unique value at once.

On PostgreSQL each racer is a thread with its own session (its own connection), and a Barrier holds
both at their first write until both have passed every check the service makes before writing: both
reach the database at the same moment and only its constraint can decide. Exactly one wins; the other
gets a ServiceError naming the field (a form error), never an IntegrityError or a 500.

SQLite takes one writer at a time, so there the same scenario runs sequentially, interleaved the same
way: the first has written but not committed when the second makes its checks, and commits just as
the second is about to write.

(tests/test_customers_service.py already races two *creations* of a customer for the same organization
and for the same customer admin; these are the other cases.)
"""

from __future__ import annotations

import threading

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backoffice.extensions import db
from backoffice.models import Customer, Organization, User
from backoffice.services import customers as customer_service
from backoffice.services import organizations as org_service
from backoffice.services import users as user_service
from backoffice.services.errors import ServiceError
from tests import factories
from tests.conftest import login
from tests.test_organizations_admin import field_error, html_of

WON = "won"


def race(app, first, second) -> list:
    """Run ``first(session)`` and ``second(session)`` (service calls, uncommitted) as two requests.

    Returns one outcome per racer: WON (committed), the ServiceError it got, or any other exception.
    """
    calls = (first, second)
    outcomes: list = [None, None]
    engine = db.engine

    def attempt(i: int, session: Session) -> None:
        try:
            calls[i](session)
            session.commit()
            outcomes[i] = WON
        except ServiceError as error:
            str(error.message)  # rendered while the app context is there
            session.rollback()
            outcomes[i] = error

    if engine.dialect.name == "postgresql":
        # The racers read ids of the test's own records (orgs[n].id, guest.id): load them now, or both
        # threads would refresh the same expired objects through the test's one session at once
        # ("This session is provisioning a new connection; concurrent operations are not permitted").
        for record in list(db.session.identity_map.values()):
            db.session.refresh(record)
        start, at_write = threading.Barrier(2, timeout=30), threading.Barrier(2, timeout=30)

        def worker(i: int) -> None:
            session = Session(engine)
            event.listen(session, "before_flush", lambda *args: at_write.wait(), once=True)
            try:
                with app.app_context():
                    start.wait()
                    attempt(i, session)
            except Exception as exc:  # noqa: BLE001 - reported by the assertions
                outcomes[i] = exc
            finally:
                session.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in threads), "a racer hung"
    else:
        sessions = [Session(engine), Session(engine)]
        try:
            calls[0](sessions[0])  # written, not committed
            event.listen(sessions[1], "before_flush", lambda *args: sessions[0].commit(), once=True)
            attempt(1, sessions[1])
            if sessions[0].in_transaction():
                sessions[0].commit()
            outcomes[0] = WON
        finally:
            for session in sessions:
                session.close()
    return outcomes


def one_wins(outcomes, field: str) -> ServiceError:
    """Exactly one racer won; the other was refused beside ``field``. Returns the refusal."""
    assert sorted(map(str, [o is WON for o in outcomes])) == ["False", "True"], outcomes
    error = next(o for o in outcomes if o is not WON)
    assert isinstance(error, ServiceError), repr(error)
    assert error.field == field, (error.field, str(error.message))
    # It was the database that decided (both had passed the service's own checks), and the service
    # turned its answer into the form error.
    assert isinstance(error.__cause__, (IntegrityError, StaleDataError)), repr(error.__cause__)
    return error


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


# --- organizations ------------------------------------------------------------------------------------
def test_two_create_the_same_organization_number_one_with_dashes(app, session):
    outcomes = race(
        app,
        lambda s: org_service.create_organization(s, None, name="First AB", org_number="5566778899"),
        lambda s: org_service.create_organization(s, None, name="Second AB", org_number="556677-8899"),
    )
    error = one_wins(outcomes, "org_number")
    assert str(error.message) == "An organization with this organization number already exists."
    assert count(session, Organization) == 1


def test_two_give_two_organizations_the_same_number(app, session, make_org):
    a, b = make_org(org_number="1111111116"), make_org(org_number="2222222222")
    outcomes = race(
        app,
        lambda s: org_service.update_organization(s, None, s.get(Organization, a.id), org_number="33333-33338"),
        lambda s: org_service.update_organization(s, None, s.get(Organization, b.id), org_number="3333333338"),
    )
    one_wins(outcomes, "org_number")
    assert count(session, Organization, Organization.org_number_key == "3333333338") == 1


# --- customers ----------------------------------------------------------------------------------------
def test_two_set_the_same_customer_number(app, session):
    a, b = factories.customer(session), factories.customer(session)
    outcomes = race(
        app,
        lambda s: customer_service.update_customer(s, None, s.get(Customer, a.id), customer_number="4711"),
        lambda s: customer_service.update_customer(s, None, s.get(Customer, b.id), customer_number="4711"),
    )
    error = one_wins(outcomes, "customer_number")
    assert str(error.message) == "Another customer already has this customer number."
    assert count(session, Customer, Customer.customer_number == "4711") == 1


def test_two_create_customers_with_the_same_customer_number(app, session, make_org):
    orgs = [make_org(), make_org()]
    admins = [factories.user(session, role="guest"), factories.user(session, role="guest")]

    def create(n):
        return lambda s: customer_service.create_customer(
            s, None, organization_id=orgs[n].id, admin_user_id=admins[n].id, customer_number="0042"
        )

    one_wins(race(app, create(0), create(1)), "customer_number")
    assert count(session, Customer) == 1


def test_two_customers_pick_the_same_customer_admin(app, session):
    """Edits, not creations: each customer swaps its admin for the same free guest."""
    a, b = factories.customer(session), factories.customer(session)
    guest = factories.user(session, role="guest", first_name="Wanted")
    outcomes = race(
        app,
        lambda s: customer_service.update_customer(s, None, s.get(Customer, a.id), admin_user_id=guest.id),
        lambda s: customer_service.update_customer(s, None, s.get(Customer, b.id), admin_user_id=guest.id),
    )
    error = one_wins(outcomes, "admin_user_id")
    assert str(error.message) == "This user is already the customer admin of another customer."
    assert count(session, Customer, Customer.admin_user_id == guest.id) == 1
    assert session.get(User, guest.id).role == "customer-admin"
    # The loser kept its own admin, still a customer admin.
    loser = a if outcomes[0] is not WON else b
    assert session.get(Customer, loser.id).admin.role == "customer-admin"


def test_two_customers_move_to_the_same_organization(app, session, make_org):
    a, b = factories.customer(session), factories.customer(session)
    free = make_org(name="Free AB")
    outcomes = race(
        app,
        lambda s: customer_service.update_customer(s, None, s.get(Customer, a.id), organization_id=free.id),
        lambda s: customer_service.update_customer(s, None, s.get(Customer, b.id), organization_id=free.id),
    )
    error = one_wins(outcomes, "organization_id")
    assert str(error.message) == "This organization already has a customer account."
    assert count(session, Customer, Customer.organization_id == free.id) == 1


# --- users -------------------------------------------------------------------------------------------
def test_two_create_users_with_the_same_email_in_different_case(app, session):
    def create(email, first):
        return lambda s: user_service.create_user(s, None, email=email, first_name=first, last_name="Race", role="staff")

    outcomes = race(app, create("Same@Example.com", "Upper"), create("same@example.COM", "Lower"))
    error = one_wins(outcomes, "email")
    assert str(error.message) == "A user with this e-mail address already exists."
    assert count(session, User, User.email == "same@example.com") == 1


def test_two_give_two_users_the_same_email(app, session, make_user):
    a, b = make_user(role="staff"), make_user(role="staff")
    outcomes = race(
        app,
        lambda s: user_service.update_user(s, None, s.get(User, a.id), email="Taken@example.com"),
        lambda s: user_service.update_user(s, None, s.get(User, b.id), email="taken@EXAMPLE.com"),
    )
    one_wins(outcomes, "email")
    assert count(session, User, User.email == "taken@example.com") == 1


# --- through the forms ----------------------------------------------------------------------------------
def test_two_browsers_post_the_same_organization_number_at_once(app, session, make_user):
    """Two signed-in browsers submit the create form together: one is created, the other sees the
    message beside the number field (HTTP 200 with the form), never a 500."""
    browsers = []
    for n in range(2):
        user = make_user(role="system-admin", email=f"racer{n}@example.com")
        browser = app.test_client()
        login(browser, user)
        browsers.append(browser)
    forms = [{"name": "Browser One AB", "org_number": "559900-1236"}, {"name": "Browser Two AB", "org_number": "5599001236"}]
    responses: list = [None, None]

    def post(i):
        try:
            responses[i] = browsers[i].post("/admin/organizations/new/", data=forms[i])
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            responses[i] = exc

    if db.engine.dialect.name == "postgresql":
        at_write = threading.Barrier(2, timeout=30)

        def hold(session, *args):
            if any(isinstance(obj, Organization) for obj in session.new):
                at_write.wait()

        event.listen(Session, "before_flush", hold)
        try:
            threads = [threading.Thread(target=post, args=(i,)) for i in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        finally:
            event.remove(Session, "before_flush", hold)
    else:
        for i in (0, 1):
            post(i)

    statuses = sorted(getattr(r, "status_code", r) for r in responses)
    assert statuses == [302, 400], responses  # (the refused form answers 400: the one save path)
    refused = next(r for r in responses if r.status_code == 400)
    assert field_error(html_of(refused), "org_number") == "An organization with this organization number already exists."
    assert count(session, Organization, Organization.org_number_key == "5599001236") == 1


# --- an organization deleted while a customer is written for it (issue 8, finding 5) -------------------
def no_active_customer_on_a_deleted_organization(session, org_id: int) -> Customer | None:
    session.expire_all()
    org = session.get(Organization, org_id)
    customer = session.scalar(select(Customer).where(Customer.organization_id == org_id))
    assert org.is_deleted, "the soft delete of the organization always goes through"
    assert customer is None or customer.is_deleted, "an active customer on a deleted organization"
    return customer


def test_soft_delete_organization_while_a_customer_is_created_for_it(app, session, make_org):
    """Finding 5: the organization is locked by both, so the creation waits and is refused (or comes first
    and is soft deleted by the cascade); never an active customer on a deleted organization."""
    org = make_org(name="Doomed AB")
    guest = factories.user(session, role="guest")
    outcomes = race(
        app,
        lambda s: org_service.soft_delete_organization(s, None, s.get(Organization, org.id)),
        lambda s: customer_service.create_customer(s, None, organization_id=org.id, admin_user_id=guest.id),
    )
    assert outcomes[0] is WON, outcomes
    if outcomes[1] is not WON:
        assert isinstance(outcomes[1], ServiceError), repr(outcomes[1])
        assert outcomes[1].field == "organization_id"
        assert str(outcomes[1].message) == "This organization is deleted. Choose another one."
        assert count(session, Customer) == 0
        assert session.get(User, guest.id).role == "guest"
    no_active_customer_on_a_deleted_organization(session, org.id)


def test_soft_delete_organization_while_its_customer_is_recovered(app, session):
    """Finding 5: a recovery racing the organization's soft delete waits for it and is refused (or comes
    first and is soft deleted again by the cascade)."""
    customer = factories.customer(session)
    customer_service.soft_delete_customer(session, None, customer)
    session.commit()
    org_id, guest = customer.organization_id, factories.user(session, role="guest")
    outcomes = race(
        app,
        lambda s: org_service.soft_delete_organization(s, None, s.get(Organization, org_id)),
        lambda s: customer_service.recover_customer(s, None, s.get(Customer, customer.id), guest.id),
    )
    assert outcomes[0] is WON, outcomes
    if outcomes[1] is not WON:
        assert isinstance(outcomes[1], ServiceError), repr(outcomes[1])
        assert "Recover the organization first" in str(outcomes[1].message)
        assert session.get(User, guest.id).role == "guest"
    no_active_customer_on_a_deleted_organization(session, org_id)
