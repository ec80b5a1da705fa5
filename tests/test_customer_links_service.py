"""Links between customers: worded from both sides, one row per pair, only active targets, History on both."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backoffice.models import CustomerLink, HistoryEntry
from backoffice.models.base import utcnow
from backoffice.services import customer_links, sharing
from backoffice.services.errors import ServiceError
from tests import factories


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


@pytest.fixture
def customer(session):
    return lambda **kw: factories.customer(session, **kw)


def wording(session, customer):
    return [(row.label, str(row.other)) for row in customer_links.links_of(session, customer)]


def count(session):
    return session.scalar(select(func.count()).select_from(CustomerLink))


@pytest.mark.parametrize("creator", ["parent", "subsidiary"])
def test_parent_and_subsidiary_read_right_from_both_sides_whichever_created_it(session, admin, customer, creator):
    parent, child = customer(name="Moder AB"), customer(name="Dotter AB")
    if creator == "parent":
        customer_links.add_link(session, admin, parent, child, "parent_of")
    else:
        customer_links.add_link(session, admin, child, parent, "subsidiary_of")
    session.commit()
    assert wording(session, parent) == [("Parent company of", "Dotter AB")]
    assert wording(session, child) == [("Subsidiary of", "Moder AB")]
    assert count(session) == 1


def test_partner_and_other_with_a_note(session, admin, customer):
    a, b, c = customer(name="Alfa AB"), customer(name="Beta AB"), customer(name="Gamma AB")
    customer_links.add_link(session, admin, b, a, "partner")
    customer_links.add_link(session, admin, a, c, "other", "  Shares a warehouse  ")
    session.commit()
    assert wording(session, a) == [("Partner of", "Beta AB"), ("Linked to", "Gamma AB")]
    assert wording(session, b) == [("Partner of", "Alfa AB")]
    assert [r.note for r in customer_links.links_of(session, c)] == ["Shares a warehouse"]


def test_no_link_to_itself_and_no_duplicate_pair_in_either_order(session, admin, customer):
    a, b = customer(), customer()
    with pytest.raises(ServiceError) as err:
        customer_links.add_link(session, admin, a, a, "partner")
    assert err.value.field == "other_customer"
    customer_links.add_link(session, admin, a, b, "partner")
    session.commit()
    for owner, other in ((a, b), (b, a)):
        with pytest.raises(ServiceError) as err:
            customer_links.add_link(session, admin, owner, other, "parent_of")
        assert err.value.field == "other_customer" and "already linked" in str(err.value.message)
    assert count(session) == 1


def test_the_database_refuses_self_reversed_and_duplicate_pairs(session, customer):
    a, b = customer(), customer()
    low, high = sorted((a.id, b.id))
    for bad in (
        dict(low_customer_id=low, high_customer_id=low, kind="partner"),  # itself
        dict(low_customer_id=high, high_customer_id=low, kind="partner"),  # not ordered
        dict(low_customer_id=low, high_customer_id=high, kind="parent"),  # parent side missing
        dict(low_customer_id=low, high_customer_id=high, kind="partner", note="x"),  # a note only for other
        dict(low_customer_id=low, high_customer_id=high, kind="friend"),
    ):
        session.add(CustomerLink(**bad))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
    session.add(CustomerLink(low_customer_id=low, high_customer_id=high, kind="parent", parent_customer_id=high))
    session.commit()
    session.add(CustomerLink(low_customer_id=low, high_customer_id=high, kind="partner"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert count(session) == 1


def test_a_bad_relation_is_refused_beside_its_field(session, admin, customer):
    a, b = customer(), customer()
    with pytest.raises(ServiceError) as err:
        customer_links.add_link(session, admin, a, b, "cousin")
    assert err.value.field == "relation"
    with pytest.raises(ServiceError) as err:
        customer_links.add_link(session, admin, a, None, "partner")
    assert err.value.field == "other_customer"


def test_remove_removes_it_for_both_from_either_side(session, admin, customer):
    a, b = customer(name="Alfa AB"), customer(name="Beta AB")
    link = customer_links.add_link(session, admin, a, b, "parent_of")
    session.commit()
    assert customer_links.remove_link(session, admin, b, link.id).id == a.id
    session.commit()
    assert wording(session, a) == [] and wording(session, b) == []
    assert count(session) == 0
    with pytest.raises(ServiceError):
        customer_links.remove_link(session, admin, a, link.id)


def test_a_link_of_other_customers_is_not_found(session, admin, customer):
    a, b, c = customer(), customer(), customer()
    link = customer_links.add_link(session, admin, a, b, "partner")
    session.commit()
    with pytest.raises(ServiceError):
        customer_links.get_link(session, c, link.id)
    with pytest.raises(ServiceError):
        customer_links.get_link(session, a, "x")


@pytest.mark.parametrize("state", ["inactive", "deleted"])
def test_inactive_or_deleted_is_refused_as_target_and_as_new_shared_account(session, admin, customer, state):
    owner = customer()
    other = customer(status="INACTIVE" if state == "inactive" else "ACTIVE")
    if state == "deleted":
        other.deleted_at = utcnow()
        session.commit()
    assert other not in customer_links.eligible(session, owner)
    assert other not in sharing.eligible(session, owner)
    with pytest.raises(ServiceError) as err:
        customer_links.add_link(session, admin, owner, other, "partner")
    assert err.value.field == "other_customer" and "not active" in str(err.value.message)
    with pytest.raises(ServiceError) as err:
        sharing.add_shared_account(session, admin, owner, other)
    assert err.value.field == "shared_customer"
    assert count(session) == 0


def test_a_link_to_a_customer_deactivated_later_stays_listed(session, admin, customer):
    a, b = customer(), customer(name="Beta AB")
    customer_links.add_link(session, admin, a, b, "partner")
    b.status = "INACTIVE"
    session.commit()
    assert wording(session, a) == [("Partner of", "Beta AB")]


def test_eligible_is_active_others_not_linked_yet_and_searches(session, admin, customer):
    owner = customer(name="Alfa AB")
    beta, gamma = customer(name="Beta AB"), customer(name="Gamma AB")
    customer(name="Delta AB", status="INACTIVE")
    customer_links.add_link(session, admin, gamma, owner, "partner")
    session.commit()
    assert [c.id for c in customer_links.eligible(session, owner)] == [beta.id]
    assert customer_links.eligible(session, owner, "Gam") == []
    assert [c.id for c in customer_links.eligible(session, beta, "Alf")] == [owner.id]


def test_history_on_both_timelines_worded_from_each_side(session, admin, customer):
    parent, child = customer(name="Moder AB"), customer(name="Dotter AB")
    link = customer_links.add_link(session, admin, child, parent, "subsidiary_of")
    session.commit()
    customer_links.remove_link(session, admin, parent, link)
    session.commit()
    entries = session.scalars(
        select(HistoryEntry).where(HistoryEntry.kind.in_(("link", "unlink"))).order_by(HistoryEntry.id)
    ).all()
    by = {(e.kind, e.record_id): e.changes for e in entries}
    assert by[("link", parent.id)] == [{"field": "parent_company_of", "old": None, "new": "Dotter AB"}]
    assert by[("link", child.id)] == [{"field": "subsidiary_of", "old": None, "new": "Moder AB"}]
    assert by[("unlink", parent.id)] == [{"field": "parent_company_of", "old": "Dotter AB", "new": None}]
    assert by[("unlink", child.id)] == [{"field": "subsidiary_of", "old": "Moder AB", "new": None}]
    assert all(e.actor_id == admin.id for e in entries)


def test_a_deleted_customer_s_links_cant_change(session, admin, customer):
    a, b = customer(), customer()
    a.deleted_at = utcnow()
    session.commit()
    with pytest.raises(ServiceError):
        customer_links.add_link(session, admin, a, b, "partner")
