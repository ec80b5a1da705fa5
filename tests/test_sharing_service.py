"""Shared billing accounts: the rules, the constraints and who is told."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backoffice.models import Notification, OutboxMessage, SharedAccount
from backoffice.models.base import utcnow
from backoffice.services import sharing
from backoffice.services.errors import ServiceError
from tests import factories


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():  # lazy messages render in a locale
        yield


@pytest.fixture
def customer(session):
    return lambda **kw: factories.customer(session, **kw)


def notifications_of(session, user):
    return session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def outbox_to(session, address):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)).all()


def test_add_notifies_the_affected_admin_in_app_and_by_mail(session, admin, customer):
    owner = customer(name="Owner AB")
    other = customer(name="Other AB")
    link = sharing.add_shared_account(session, admin, owner, other)
    session.commit()
    assert [s.shared_customer.id for s in sharing.shared_with(session, owner)] == [other.id]
    assert [s.customer.id for s in sharing.shared_to(session, other)] == [owner.id]
    (note,) = notifications_of(session, other.admin)
    assert "Other AB" in note.text and "Owner AB" in note.text and "now shared" in note.text
    assert note.link == "/portal/" and note.read_at is None
    (mail,) = outbox_to(session, other.admin.email)
    assert "Owner AB" in mail.body and "http://" in mail.body and mail.sent_at is None
    # the owner's own admin is not the affected account
    assert notifications_of(session, owner.admin) == []
    assert link.id


def test_notification_text_is_in_the_recipients_language(session, admin, customer, make_user):
    swede = make_user(role="customer-admin", language="sv")
    owner, other = customer(name="Ägare AB"), customer(name="Annan AB", admin=swede)
    sharing.add_shared_account(session, admin, owner, other)
    (note,) = notifications_of(session, swede)
    assert "Annan AB" in note.text  # rendered under the sv locale without error


def test_never_itself(session, admin, customer):
    owner = customer()
    with pytest.raises(ServiceError) as err:
        sharing.add_shared_account(session, admin, owner, owner)
    assert err.value.field == "shared_customer"


def test_db_refuses_self_share_and_duplicate_pair(session, customer):
    a, b = customer(), customer()
    session.add(SharedAccount(customer_id=a.id, shared_customer_id=a.id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add(SharedAccount(customer_id=a.id, shared_customer_id=b.id))
    session.commit()
    session.add(SharedAccount(customer_id=a.id, shared_customer_id=b.id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_duplicate_is_a_field_error_not_a_crash(session, admin, customer):
    a, b = customer(), customer()
    sharing.add_shared_account(session, admin, a, b)
    session.commit()
    with pytest.raises(ServiceError) as err:
        sharing.add_shared_account(session, admin, a, b)
    assert err.value.field == "shared_customer"


def test_race_past_the_precheck_ends_at_the_constraint(session, admin, customer, monkeypatch):
    a, b = customer(), customer()
    session.add(SharedAccount(customer_id=a.id, shared_customer_id=b.id))
    session.commit()
    real_scalar = session.scalar

    def blind_precheck(statement, *args, **kw):  # the other request committed after our check
        if "shared_account" in str(statement) and "shared_account.id" in str(statement):
            return None
        return real_scalar(statement, *args, **kw)

    monkeypatch.setattr(session, "scalar", blind_precheck)
    with pytest.raises(ServiceError) as err:
        sharing.add_shared_account(session, admin, a, b)
    monkeypatch.undo()
    assert err.value.field == "shared_customer"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SharedAccount)) == 1


@pytest.mark.parametrize("state", ["deleted", "not-allowed"])
def test_owner_must_be_active_and_allow_sharing(session, admin, customer, state):
    owner = customer(allow_shared_billing=state != "not-allowed")
    if state == "deleted":
        owner.deleted_at = utcnow()
        session.commit()
    other = customer()
    with pytest.raises(ServiceError):
        sharing.add_shared_account(session, admin, owner, other)
    assert sharing.refusal(owner) is not None
    assert session.scalar(select(func.count()).select_from(SharedAccount)) == 0


@pytest.mark.parametrize("state", ["deleted", "inactive"])
def test_shared_customer_must_be_active(session, admin, customer, state):
    owner = customer()
    other = customer(status="INACTIVE" if state == "inactive" else "ACTIVE")
    if state == "deleted":
        other.deleted_at = utcnow()
        session.commit()
    assert other not in sharing.eligible(session, owner)
    with pytest.raises(ServiceError) as err:
        sharing.add_shared_account(session, admin, owner, other)
    assert err.value.field == "shared_customer"


def test_eligible_lists_others_not_yet_shared_and_searches(session, admin, customer):
    owner = customer(name="Alfa AB")
    beta = customer(name="Beta AB", customer_number="4711")
    gamma = customer(name="Gamma 100%")
    assert [c.id for c in sharing.eligible(session, owner)] == [beta.id, gamma.id]
    assert [c.id for c in sharing.eligible(session, owner, "beta")] == [beta.id]
    assert [c.id for c in sharing.eligible(session, owner, "471")] == [beta.id]
    assert [c.id for c in sharing.eligible(session, owner, "100%")] == [gamma.id]
    # one character matches the start of a name (issue 12): a literal % starts none (a wildcard: every one)
    assert [c.id for c in sharing.eligible(session, owner, "%")] == []
    assert sharing.eligible(session, owner, "B_ta") == []
    sharing.add_shared_account(session, admin, owner, beta)
    assert [c.id for c in sharing.eligible(session, owner)] == [gamma.id]


def test_eligible_returns_at_most_20(session, customer):
    owner = customer()
    for _ in range(23):
        customer()
    assert len(sharing.eligible(session, owner)) == 20
    assert len(sharing.eligible(session, owner, limit=500)) == 20


def test_remove_notifies_the_affected_admin(session, admin, customer):
    owner, other = customer(name="Owner AB"), customer(name="Other AB")
    link = sharing.add_shared_account(session, admin, owner, other)
    session.commit()
    removed = sharing.remove_shared_account(session, admin, owner, link.id)
    session.commit()
    assert removed.id == other.id
    assert sharing.shared_with(session, owner) == []
    texts = sorted(n.text for n in notifications_of(session, other.admin))
    assert len(texts) == 2 and any("no longer shared" in t for t in texts)
    assert len(outbox_to(session, other.admin.email)) == 2


def test_remove_refuses_a_link_of_another_customer(session, admin, customer):
    a, b, c = customer(), customer(), customer()
    link = sharing.add_shared_account(session, admin, a, b)
    with pytest.raises(ServiceError):
        sharing.remove_shared_account(session, admin, c, link.id)
    with pytest.raises(ServiceError):
        sharing.remove_shared_account(session, admin, a, "nope")


def test_unticking_allow_needs_confirmation_then_removes_and_notifies(session, admin, customer):
    owner, b, c = customer(), customer(), customer()
    sharing.add_shared_account(session, admin, owner, b)
    sharing.add_shared_account(session, admin, owner, c)
    session.commit()
    with pytest.raises(ServiceError) as err:
        sharing.set_allow_shared_billing(session, admin, owner, False)
    assert err.value.field == "allow_shared_billing"
    assert owner.allow_shared_billing is True
    removed = sharing.set_allow_shared_billing(session, admin, owner, False, confirmed=True)
    session.commit()
    assert {r.id for r in removed} == {b.id, c.id}
    assert owner.allow_shared_billing is False
    assert session.scalar(select(func.count()).select_from(SharedAccount)) == 0
    for other in (b, c):
        assert any("no longer shared" in n.text for n in notifications_of(session, other.admin))


def test_unticking_without_shares_needs_no_confirmation(session, admin, customer):
    owner = customer()
    assert sharing.set_allow_shared_billing(session, admin, owner, False) == []
    assert owner.allow_shared_billing is False
    sharing.set_allow_shared_billing(session, admin, owner, True)
    assert owner.allow_shared_billing is True


def test_notify_purge_tells_both_sides_and_removes_links(session, admin, customer):
    gone, b, c = customer(name="Gone AB"), customer(), customer()
    sharing.add_shared_account(session, admin, gone, b)
    sharing.add_shared_account(session, admin, c, gone)
    session.commit()
    before_b, before_c = len(notifications_of(session, b.admin)), len(notifications_of(session, c.admin))
    gone.deleted_at = utcnow()
    gone.admin = None
    session.flush()
    sharing.notify_purge(session, admin, gone)
    session.delete(gone)
    session.commit()
    assert session.scalar(select(func.count()).select_from(SharedAccount)) == 0
    new_b = notifications_of(session, b.admin)[before_b:]
    new_c = notifications_of(session, c.admin)[before_c:]
    assert len(new_b) == 1 and "Gone AB" in new_b[0].text and "permanently deleted" in new_b[0].text
    assert len(new_c) == 1 and "Gone AB" in new_c[0].text


def test_customer_of(session, customer, make_user):
    c = customer()
    assert sharing.customer_of(session, c.admin).id == c.id
    assert sharing.customer_of(session, make_user(role="guest")) is None


def test_search_matches_like_the_customers_list(session, admin, customer):
    """Organization name, organization number (dashes ignored) or customer number, word by word."""
    # Organization numbers of their own: the factory's counted ones ("5500000047") would match "47".
    def org(name, number):
        return factories.organization(session, name=name, org_number=number)

    owner = customer(organization=org("Alfa AB", "111111-1116"))
    beta = customer(organization=org("Beta AB", "222222-2222"), customer_number="4711")
    berg = customer(organization=org("Berg AB", "333333-3338"))
    customer(organization=org("Gamma AB", "888888-8883"))
    assert [c.id for c in sharing.eligible(session, owner, "be")] == [berg.id, beta.id]
    assert [c.id for c in sharing.eligible(session, owner, "47")] == [beta.id]
    assert [c.id for c in sharing.eligible(session, owner, "beta ab")] == [beta.id]
    number = berg.organization.org_number_key
    dashed = f"{number[:6]}-{number[6:]}"
    assert [c.id for c in sharing.eligible(session, owner, dashed)] == [berg.id]
