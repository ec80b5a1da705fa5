"""Custom fields of the customer register (issue 10, seed 001): definitions, the values' rule by type,
required fields, archive and restore keep the values, delete refused while values exist, History."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.models import Customer, CustomFieldDefinition, HistoryEntry
from backoffice.services import custom_fields as service
from backoffice.services import customers as customer_service
from backoffice.services.errors import ConflictError, ServiceError
from tests import factories


@pytest.fixture
def admin_user(make_user):
    return make_user(role="system-admin", first_name="Ada", last_name="Admin")


@pytest.fixture
def customer(session):
    return factories.customer(session, name="Bergdata AB")


def _define(session, actor=None, **values):
    definition = service.create_definition(session, actor, **values)
    session.commit()
    return definition


def _save(session, customer, values, actor=None):
    customer_service.update_customer(session, actor, customer, custom_values=values)
    session.commit()
    session.expire_all()
    return session.get(Customer, customer.id).custom_values


def _refusal(session, customer, values) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        customer_service.update_customer(session, None, customer, custom_values=values)
    session.rollback()
    return refused.value


# --- the values, by type ---------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, stored", [
    ("12", "12"), (" 12.50 ", "12.5"), ("12,5", "12.5"), ("-3", "-3"), ("1 000", "1000"), ("0.000", "0"),
])
def test_a_number_is_stored_as_its_decimal(session, customer, typed, stored):
    field = _define(session, label="Employees", type="number")
    assert _save(session, customer, {field.id: typed}) == {str(field.id): stored}


@pytest.mark.parametrize("typed", ["twelve", "1e5", "12.5.1", "NaN", "Infinity", "1" * 21, "12 %"])
def test_a_bad_number_is_refused_beside_its_field_and_nothing_changes(session, customer, typed):
    field = _define(session, label="Employees", type="number")
    _save(session, customer, {field.id: "7"})
    error = _refusal(session, customer, {field.id: typed})
    assert error.field == f"custom_{field.id}"
    assert session.get(Customer, customer.id).custom_values == {str(field.id): "7"}


def test_a_date_is_an_iso_date_that_exists(session, customer):
    field = _define(session, label="Contract end", type="date")
    assert _save(session, customer, {field.id: "2027-03-31"}) == {str(field.id): "2027-03-31"}
    for typed in ("31/03/2027", "2027-02-30", "20270331", "tomorrow"):
        assert _refusal(session, customer, {field.id: typed}).field == f"custom_{field.id}"
    assert "YYYY-MM-DD" in str(_refusal(session, customer, {field.id: "31/03/2027"}).message)


def test_yes_no_is_stored_when_yes_and_reads_no_otherwise(session, customer):
    field = _define(session, label="Key account", type="yesno")
    assert _save(session, customer, {field.id: True}) == {str(field.id): True}
    assert _save(session, customer, {field.id: False}) is None
    assert service.card_rows(session, session.get(Customer, customer.id)) == [("Key account", "No")]
    assert _refusal(session, customer, {field.id: "maybe"}).field == f"custom_{field.id}"


def test_a_choice_is_one_of_its_options(session, customer):
    field = _define(session, label="Industry", type="choice", options="Energy\n\n Retail \nHealth care")
    assert field.options == ["Energy", "Retail", "Health care"]
    assert _save(session, customer, {field.id: "Retail"}) == {str(field.id): "Retail"}
    assert _refusal(session, customer, {field.id: "Mining"}).field == f"custom_{field.id}"


def test_a_text_has_a_length_limit_and_one_line(session, customer):
    field = _define(session, label="Note", type="text")
    assert _save(session, customer, {field.id: "  Gate code 1234 "}) == {str(field.id): "Gate code 1234"}
    assert "at most 500" in str(_refusal(session, customer, {field.id: "x" * 501}).message).lower()
    assert _refusal(session, customer, {field.id: "two\nlines"}).field == f"custom_{field.id}"
    assert _save(session, customer, {field.id: "   "}) is None  # empty: no value kept


def test_an_old_value_the_options_no_longer_offer_doesnt_block_other_edits(session, customer):
    industry = _define(session, label="Industry", type="choice", options="Energy\nMining")
    note = _define(session, label="Note", type="text")
    _save(session, customer, {industry.id: "Mining"})
    service.update_definition(session, None, industry, options="Energy\nRetail")
    session.commit()
    saved = _save(session, customer, {industry.id: "Mining", note.id: "ok"})
    assert saved == {str(industry.id): "Mining", str(note.id): "ok"}
    assert _refusal(session, customer, {industry.id: "Coal"}).field == f"custom_{industry.id}"


# --- required ---------------------------------------------------------------------------------------------


def test_a_required_field_needs_a_value_on_create_and_on_edit(session, customer, make_user, make_org):
    field = _define(session, label="Contract end", type="date", required=True)
    guest = make_user(role="guest")
    org = make_org()
    with pytest.raises(ServiceError) as refused:
        customer_service.create_customer(session, None, organization_id=org.id, admin_user_id=guest.id)
    session.rollback()
    assert refused.value.field == f"custom_{field.id}" and "Contract end is required." == str(refused.value.message)
    assert session.scalar(select(Customer).where(Customer.organization_id == org.id)) is None
    created = customer_service.create_customer(session, None, organization_id=org.id, admin_user_id=guest.id,
                                               custom_values={field.id: "2027-01-01"})
    session.commit()
    assert created.custom_values == {str(field.id): "2027-01-01"}
    assert _refusal(session, created, {field.id: ""}).field == f"custom_{field.id}"
    # an edit that doesn't touch the custom fields (a status change) is not held up by it
    customer_service.update_customer(session, None, customer, status="INACTIVE")
    session.commit()


def test_a_yes_no_field_cant_be_required(session):
    with pytest.raises(ServiceError) as refused:
        service.create_definition(session, None, label="Key account", type="yesno", required=True)
    assert refused.value.field == "required"


# --- definitions ------------------------------------------------------------------------------------------


def test_definitions_are_checked(session):
    _define(session, label="Industry", type="choice", options="Energy")
    for values, field in [
        ({"label": " ", "type": "text"}, "label"),
        ({"label": "industry", "type": "text"}, "label"),
        ({"label": "Size", "type": "colour"}, "type"),
        ({"label": "Size", "type": "choice", "options": "\n \n"}, "options"),
        ({"label": "Size", "type": "choice", "options": "S\nM\ns"}, "options"),
        ({"label": "x" * 101, "type": "text"}, "label"),
    ]:
        with pytest.raises(ServiceError) as refused:
            service.create_definition(session, None, **values)
        session.rollback()
        assert refused.value.field == field, values
    text = _define(session, label="Size", type="text", options="ignored")
    assert text.options is None


def test_the_database_refuses_a_bad_definition_whatever_the_path(session):
    for row in (
        CustomFieldDefinition(label="", field_type="text"),
        CustomFieldDefinition(label="A", field_type="colour"),
        CustomFieldDefinition(label="B", field_type="text", options=["x"]),
        CustomFieldDefinition(label="C", field_type="yesno", required=True),
    ):
        session.add(row)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_new_fields_go_last_and_move_up_and_down(session):
    a = _define(session, label="A", type="text")
    b = _define(session, label="B", type="text")
    c = _define(session, label="C", type="text")
    assert [d.label for d in service.all_definitions(session)] == ["A", "B", "C"]
    assert service.move_definition(session, None, c, "up")
    session.commit()
    assert [d.label for d in service.active_definitions(session)] == ["A", "C", "B"]
    assert service.move_definition(session, None, a, "up") is False
    assert service.move_definition(session, None, a, "down")
    session.commit()
    assert [d.label for d in service.all_definitions(session)] == ["C", "A", "B"]
    assert b.position == 3


def test_the_type_changes_only_while_no_customer_has_a_value(session, customer):
    field = _define(session, label="Employees", type="text")
    service.update_definition(session, None, field, type="number")
    session.commit()
    _save(session, customer, {field.id: "12"})
    with pytest.raises(ServiceError) as refused:
        service.update_definition(session, None, field, type="text")
    assert refused.value.field == "type"


def test_a_stale_definition_form_is_a_conflict(session):
    field = _define(session, label="Employees", type="text")
    with pytest.raises(ConflictError):
        service.update_definition(session, None, field, expected_version=field.version + 1, label="Staff")


# --- archive, restore, delete ----------------------------------------------------------------------------


def test_archiving_hides_the_field_and_keeps_the_values(session, customer, admin_user):
    industry = _define(session, label="Industry", type="choice", options="Energy\nRetail")
    note = _define(session, label="Note", type="text")
    _save(session, customer, {industry.id: "Energy", note.id: "hello"})
    assert service.archive_definition(session, admin_user, industry)
    session.commit()
    assert [d.label for d in service.active_definitions(session)] == ["Note"]
    assert service.card_rows(session, session.get(Customer, customer.id)) == [("Note", "hello")]
    # an edit of the visible fields leaves the archived value alone, whatever it is sent
    saved = _save(session, customer, {note.id: "bye", industry.id: "Retail"})
    assert saved == {str(industry.id): "Energy", str(note.id): "bye"}
    entries = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "custom_field",
                                                         HistoryEntry.record_id == industry.id,
                                                         HistoryEntry.kind == "archive")).all()
    assert len(entries) == 1 and entries[0].actor_id == admin_user.id
    assert service.archive_definition(session, admin_user, industry) is False
    assert service.restore_definition(session, admin_user, industry)
    session.commit()
    assert service.card_rows(session, session.get(Customer, customer.id)) == [("Industry", "Energy"), ("Note", "bye")]
    assert session.scalar(select(HistoryEntry).where(HistoryEntry.kind == "unarchive")) is not None


def test_a_field_is_deleted_only_while_no_customer_has_a_value(session, customer):
    field = _define(session, label="Employees", type="number")
    other = factories.customer(session, name="Fjäll AB", deleted=True)
    other.custom_values = {str(field.id): "5"}  # a deleted customer's value counts too
    session.commit()
    with pytest.raises(ServiceError) as refused:
        service.delete_definition(session, None, field)
    assert "Archive it instead" in str(refused.value.message)
    session.rollback()
    other = session.get(Customer, other.id)
    other.custom_values = None
    session.commit()
    unused = _define(session, label="Unused", type="text")
    _save(session, customer, {unused.id: "x"})
    _save(session, customer, {unused.id: ""})
    assert service.values_in_use(session, unused) == 0
    assert service.delete_definition(session, None, unused) == "Unused"
    session.commit()
    assert session.get(CustomFieldDefinition, unused.id) is None


# --- History ---------------------------------------------------------------------------------------------


def test_a_changed_value_is_one_change_named_by_the_label(session, customer, admin_user):
    industry = _define(session, label="Industry", type="choice", options="Energy\nRetail")
    key = _define(session, label="Key account", type="yesno")
    _save(session, customer, {industry.id: "Energy"}, actor=admin_user)
    _save(session, customer, {industry.id: "Retail", key.id: True}, actor=admin_user)
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "customer",
                                                       HistoryEntry.record_id == customer.id)
                            .order_by(HistoryEntry.id.desc())).first()
    assert entry.kind == "update" and entry.actor_id == admin_user.id
    assert entry.changes == [
        {"field": f"custom_{industry.id}", "label": "Industry", "old": "Energy", "new": "Retail"},
        {"field": f"custom_{key.id}", "label": "Key account", "old": False, "new": True},
    ]


def test_definitions_are_recorded_in_history(session, admin_user):
    field = _define(session, admin_user, label="Industry", type="choice", options="Energy")
    service.update_definition(session, admin_user, field, label="Sector")
    session.commit()
    kinds = [e.kind for e in session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "custom_field")
                                             .order_by(HistoryEntry.id))]
    assert kinds == ["create", "update"]
    service.delete_definition(session, admin_user, field)
    session.commit()
    assert session.scalar(select(HistoryEntry).where(HistoryEntry.kind == "purge",
                                                     HistoryEntry.record_type == "custom_field")).record_name == "Sector"


# --- demo data --------------------------------------------------------------------------------------------


def test_the_demo_has_custom_fields_with_values_and_an_archived_one_once(app, session):
    from backoffice import demo

    with app.test_request_context():
        demo.seed(session)
        session.commit()
        definitions = service.all_definitions(session)
        assert {d.field_type for d in definitions} == {"text", "number", "date", "yesno", "choice"}
        archived = [d for d in definitions if d.is_archived]
        assert [d.label for d in archived] == ["Old CRM id"] and service.values_in_use(session, archived[0]) > 0
        for definition in definitions:
            assert service.values_in_use(session, definition) > 0, definition.label
        assert demo.seed_custom_fields(session) == 0  # idempotent
