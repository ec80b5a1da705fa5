"""Customer groups (issue 11, first part): THE inheritance rule as a table (own value / first group in
priority order that sets it / register default), priorities kept dense and unique, memberships (added,
removed, replaced; a deleted customer refused), the database's own checks, and History."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.models import Customer, CustomerGroup, CustomerGroupMember, HistoryEntry
from backoffice.services import customer_groups as service
from backoffice.services import customers as customer_service
from backoffice.services import settings as settings_service
from backoffice.services.errors import ConflictError, ServiceError
from tests import factories


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", first_name="Eda", last_name="Editor")


def _group(session, name, **settings):
    group = service.create_group(session, None, name=name, **settings)
    session.commit()
    return group


def _priorities(session):
    session.expire_all()
    return [(g.name, g.priority) for g in service.all_groups(session)]


# --- THE rule ------------------------------------------------------------------------------------------------

# own settlement, own days, groups the customer is in (in creation = priority order: A is 1, B 2, C 3),
# expected {setting: (value, source)}; A sets both, B only settlement, C only days; defaults False / 30.
GROUPS = {"A": dict(automatic_settlement=True, payment_terms_days=10),
          "B": dict(automatic_settlement=False),
          "C": dict(payment_terms_days=45)}
TABLE = [
    # nothing set anywhere: the register defaults
    (None, None, [], {"automatic_settlement": (False, "default"), "payment_terms_days": (30, "default")}),
    # its own values beat every group
    (False, 5, ["A"], {"automatic_settlement": (False, "customer"), "payment_terms_days": (5, "customer")}),
    # own 0 days is a value, not "unset"
    (None, 0, ["A"], {"automatic_settlement": (True, "A"), "payment_terms_days": (0, "customer")}),
    # the highest-priority group decides
    (None, None, ["A", "B", "C"], {"automatic_settlement": (True, "A"), "payment_terms_days": (10, "A")}),
    # B sets only settlement: the days come from the next group that sets them …
    (None, None, ["B", "C"], {"automatic_settlement": (False, "B"), "payment_terms_days": (45, "C")}),
    # … or from the default
    (None, None, ["B"], {"automatic_settlement": (False, "B"), "payment_terms_days": (30, "default")}),
    (None, None, ["C"], {"automatic_settlement": (False, "default"), "payment_terms_days": (45, "C")}),
    # own settlement, days from a group
    (True, None, ["C"], {"automatic_settlement": (True, "customer"), "payment_terms_days": (45, "C")}),
]


def _source_name(source):
    return source[1].name if source[0] == "group" else source[0]


@pytest.mark.parametrize("own_settlement, own_days, member_of, expected", TABLE)
def test_the_inheritance_rule(session, own_settlement, own_days, member_of, expected):
    groups = {name: _group(session, name, **settings) for name, settings in GROUPS.items()}
    customer = factories.customer(session, name="Bergdata AB", automatic_settlement=own_settlement,
                                  payment_terms_days=own_days, group_ids=[groups[n].id for n in member_of])
    got = service.effective_settings(session, customer)
    assert {k: (v, _source_name(s)) for k, (v, s) in got.items()} == expected
    assert service.effective_settings_many(session, [customer])[customer.id] == got


def test_the_order_is_the_priority_not_the_order_joined_and_moving_a_group_changes_the_winner(session):
    slow = _group(session, "Slow payers", payment_terms_days=60)
    fast = _group(session, "Fast payers", payment_terms_days=7)
    customer = factories.customer(session, name="Bergdata AB", group_ids=[fast.id, slow.id])
    assert service.effective_settings(session, customer)["payment_terms_days"] == (60, ("group", slow))
    service.move_group(session, None, fast, "up")
    session.commit()
    assert service.effective_settings(session, customer)["payment_terms_days"] == (7, ("group", fast))


def test_the_register_defaults_are_used_and_can_be_changed(session):
    customer = factories.customer(session, name="Bergdata AB")
    settings_service.update(session, None, automatic_settlement=True, payment_terms_days=14)
    session.commit()
    assert service.effective_settings(session, customer) == {
        "automatic_settlement": (True, ("default",)), "payment_terms_days": (14, ("default",))}
    with pytest.raises(ServiceError) as refused:
        settings_service.update(session, None, payment_terms_days="366")
    assert refused.value.field == "payment_terms_days"


def test_the_batch_form_takes_two_queries_for_many_customers(session, app):
    from sqlalchemy import event

    group = _group(session, "Key accounts", payment_terms_days=10)
    customers = [factories.customer(session, name=f"Firma {i}", group_ids=[group.id] if i % 2 else [])
                 for i in range(4)]
    session.expire_all()
    customers = [session.get(Customer, c.id) for c in customers]
    settings_service.get(session)
    statements = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = service.effective_settings_many(session, customers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) <= 2
    assert [result[c.id]["payment_terms_days"][0] for c in customers] == [30, 10, 30, 10]


# --- the groups ------------------------------------------------------------------------------------------------


def test_names_are_unique_whatever_the_case_and_not_empty(session):
    _group(session, "Key accounts")
    for name, message in (("key ACCOUNTS", "already exists"), ("   ", "Enter a name")):
        with pytest.raises(ServiceError) as refused:
            service.create_group(session, None, name=name)
        session.rollback()
        assert refused.value.field == "name" and message in str(refused.value.message)
    assert session.scalar(select(CustomerGroup.name)) == "Key accounts"


@pytest.mark.parametrize("days", ["-1", "366", "ten", "1.5", True])
def test_payment_terms_are_whole_days_0_to_365(session, days):
    with pytest.raises(ServiceError) as refused:
        service.create_group(session, None, name="Key accounts", payment_terms_days=days)
    assert refused.value.field == "payment_terms_days"


def test_the_database_refuses_what_the_service_would(session):
    group = _group(session, "Key accounts")
    for statement in ("UPDATE customer_group SET payment_terms_days = 400",
                      "UPDATE customer_group SET name = ' '",
                      "UPDATE customer_group SET priority = 0"):
        with pytest.raises(IntegrityError):
            session.execute(__import__("sqlalchemy").text(statement))
            session.flush()
        session.rollback()
    second = _group(session, "Public sector")
    with pytest.raises(IntegrityError):
        session.execute(__import__("sqlalchemy").text(
            f"UPDATE customer_group SET priority = {group.priority} WHERE id = {second.id}"))
    session.rollback()


def test_a_stale_version_is_a_conflict(session, editor):
    group = _group(session, "Key accounts")
    service.update_group(session, editor, group, expected_version=group.version, description="Top 20")
    session.commit()
    with pytest.raises(ConflictError):
        service.update_group(session, editor, group, expected_version=1, name="Renamed")


def test_priorities_stay_dense_and_unique_through_moves_positions_and_deletes(session):
    a, b, c, d = (_group(session, n) for n in "ABCD")
    assert _priorities(session) == [("A", 1), ("B", 2), ("C", 3), ("D", 4)]
    assert service.move_group(session, None, c, "up") is True
    session.commit()
    assert _priorities(session) == [("A", 1), ("C", 2), ("B", 3), ("D", 4)]
    assert service.move_group(session, None, a, "up") is False
    assert service.move_group(session, None, d, "down") is False
    service.set_position(session, None, d, 1)
    session.commit()
    assert _priorities(session) == [("D", 1), ("A", 2), ("C", 3), ("B", 4)]
    service.set_position(session, None, d, 99)  # past the end: last
    session.commit()
    assert _priorities(session) == [("A", 1), ("C", 2), ("B", 3), ("D", 4)]
    service.delete_group(session, None, c)
    session.commit()
    assert _priorities(session) == [("A", 1), ("B", 2), ("D", 3)]
    assert _group(session, "E").priority == 4


# --- memberships -----------------------------------------------------------------------------------------------


def test_add_and_remove_several_members(session):
    group = _group(session, "Key accounts")
    one, two, three = (factories.customer(session, name=n) for n in ("Alfa AB", "Beta AB", "Gamma AB"))
    assert service.add_members(session, None, group, [one.id, two.id, str(three.id)]) == 3
    assert service.add_members(session, None, group, [one.id]) == 0  # already a member
    session.commit()
    assert [c.display_name for c in service.members(session, group)] == ["Alfa AB", "Beta AB", "Gamma AB"]
    customer_service.set_status(session, None, two, "INACTIVE")
    session.commit()
    assert service.member_filter_counts(session, group) == {"all": 3, "active": 2, "inactive": 1}
    assert [c.display_name for c in service.members(session, group, "inactive")] == ["Beta AB"]
    assert service.remove_members(session, None, group, [one.id, two.id]) == 2
    session.commit()
    assert [c.display_name for c in service.members(session, group)] == ["Gamma AB"]
    assert service.member_counts(session) == {group.id: 1}


def test_set_memberships_replaces_and_leave_groups_takes_some_out(session):
    a, b, c = (_group(session, n) for n in "ABC")
    customer = factories.customer(session, name="Bergdata AB", group_ids=[a.id, b.id])
    assert [g.name for g in service.groups_of(session, customer)] == ["A", "B"]
    assert service.set_memberships(session, None, customer, [c.id, b.id]) is True
    session.commit()
    assert [g.name for g in service.groups_of(session, customer)] == ["B", "C"]
    assert service.set_memberships(session, None, customer, [b.id, c.id]) is False
    assert service.leave_groups(session, None, customer, [c.id]) == 1
    session.commit()
    assert [g.name for g in service.groups_of(session, customer)] == ["B"]
    customer_service.update_customer(session, None, customer, group_ids=[])
    session.commit()
    assert service.groups_of(session, customer) == []


def test_a_deleted_customer_cant_be_added_to_a_group(session):
    group = _group(session, "Key accounts")
    gone = factories.customer(session, name="Gone AB", deleted=True)
    with pytest.raises(ServiceError) as refused:
        service.add_members(session, None, group, [gone.id])
    session.rollback()
    assert "deleted" in str(refused.value.message)
    with pytest.raises(ServiceError):
        service.set_memberships(session, None, gone, [group.id])
    session.rollback()
    assert session.scalar(select(CustomerGroupMember)) is None


def test_an_unknown_group_or_customer_is_refused_beside_the_field(session):
    customer = factories.customer(session, name="Bergdata AB")
    group = _group(session, "Key accounts")
    with pytest.raises(ServiceError) as refused:
        service.set_memberships(session, None, customer, ["999999"])
    assert refused.value.field == "group_ids"
    session.rollback()
    with pytest.raises(ServiceError) as refused:
        service.add_members(session, None, group, ["abc"])
    assert refused.value.field == "customer_ids"


def test_deleting_a_group_deletes_its_memberships_not_its_customers(session):
    group = _group(session, "Key accounts")
    customer = factories.customer(session, name="Bergdata AB", group_ids=[group.id])
    service.delete_group(session, None, group)
    session.commit()
    assert session.get(Customer, customer.id) is not None
    assert session.scalar(select(CustomerGroupMember)) is None


# --- History ---------------------------------------------------------------------------------------------------


def test_history_records_the_group_and_memberships_on_the_customer(session, editor):
    group = service.create_group(session, editor, name="Key accounts", payment_terms_days=10)
    session.commit()
    service.update_group(session, editor, group, name="Key customers", automatic_settlement=True)
    session.commit()
    customer = factories.customer(session, name="Bergdata AB")
    service.add_members(session, editor, group, [customer.id])
    session.commit()
    service.remove_members(session, editor, group, [customer.id])
    session.commit()
    service.delete_group(session, editor, group)
    session.commit()
    group_entries = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "customer_group")
                                    .order_by(HistoryEntry.id)).all()
    assert [e.kind for e in group_entries] == ["create", "update", "purge"]
    assert {c["field"]: (c["old"], c["new"]) for c in group_entries[1].changes} == {
        "name": ("Key accounts", "Key customers"), "automatic_settlement": (None, True)}
    assert all(e.actor_id == editor.id for e in group_entries)
    timeline = session.scalars(select(HistoryEntry).where(
        HistoryEntry.record_type == "customer", HistoryEntry.record_id == customer.id,
        HistoryEntry.kind.in_(("group_add", "group_remove"))).order_by(HistoryEntry.id)).all()
    assert [(e.kind, e.changes) for e in timeline] == [
        ("group_add", [{"field": "groups", "old": None, "new": "Key customers"}]),
        ("group_remove", [{"field": "groups", "old": "Key customers", "new": None}]),
    ]
    assert timeline[0].actor_id == editor.id and timeline[0].record_name == "Bergdata AB"


def test_moving_a_group_is_filed_on_its_history_with_who_and_from_where_to_where(session, make_user):
    editor = make_user(role="editor", email="mover@example.com")
    a, b, c = (_group(session, n) for n in "ABC")
    session.commit()
    service.set_position(session, editor, c, 1)
    service.move_group(session, editor, a, "up")  # C, A, B -> A, C, B
    service.move_group(session, editor, b, "down")  # already last: nothing moves, nothing is filed
    session.commit()
    moves = session.scalars(
        select(HistoryEntry).where(HistoryEntry.record_type == "customer_group", HistoryEntry.kind == "update")
        .order_by(HistoryEntry.id)
    ).all()
    assert [(e.record_name, e.changes, e.actor_id) for e in moves] == [
        ("C", [{"field": "priority", "old": 3, "new": 1}], editor.id),
        ("A", [{"field": "priority", "old": 2, "new": 1}], editor.id),
    ]
