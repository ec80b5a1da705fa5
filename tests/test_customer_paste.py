"""Adding many customers at once by pasting lines (seed 003; issue 13): services/customer_paste.py.

The parser's cases, the per-line problems, duplicates within the paste and against the register, and
"every valid line in one transaction, never half a line".
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.models import Contact, Customer
from backoffice.services import customer_groups, customer_paste
from backoffice.services.errors import ServiceError
from tests import factories


def problems(line) -> list[tuple[str, str]]:
    return [(p.field, str(p.message)) for p in line.problems]


def customers_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Customer))


# --- splitting ----------------------------------------------------------------------------------


def test_commas_semicolons_and_tabs_split_a_line_as_a_spreadsheet_copies_it():
    lines = customer_paste.split(
        "anna@example.com, Anna, Berg, 070-123 45 67\n"
        "bo@example.com;Bo;Ek\n"
        "cia@example.com\tCia\tLind, Jr\t+46 8 123 456\n"
        '"dag@example.com","Dag","Ström, af"\n'
    )
    assert [line.values for line in lines] == [
        {"email": "anna@example.com", "first_name": "Anna", "last_name": "Berg", "phone": "070-123 45 67"},
        {"email": "bo@example.com", "first_name": "Bo", "last_name": "Ek"},
        {"email": "cia@example.com", "first_name": "Cia", "last_name": "Lind, Jr", "phone": "+46 8 123 456"},
        {"email": "dag@example.com", "first_name": "Dag", "last_name": "Ström, af"},
    ]
    assert [line.number for line in lines] == [1, 2, 3, 4]


def test_blank_lines_and_a_header_are_not_customers_and_line_numbers_stay_the_pastes():
    lines = customer_paste.split("E-post;Förnamn;Efternamn;Telefon\n\n  \nanna@example.com;Anna;Berg\n")
    assert [(line.number, line.values["email"]) for line in lines] == [(4, "anna@example.com")]


def test_a_line_too_long_or_with_too_many_columns_is_a_problem_of_that_line():
    long, wide = customer_paste.split("x" * 2000 + "\na@example.com, A, B, 070 1234567, extra\n")
    assert long.number == 1 and problems(long)[0][0] == "line" and "1,000" in problems(long)[0][1]
    assert wide.number == 2 and problems(wide)[0][0] == "line" and "5 columns" in problems(wide)[0][1]


def test_too_many_lines_are_refused_as_a_whole():
    text = "\n".join(f"p{i}@example.com, P, {i}" for i in range(customer_paste.MAX_LINES + 1))
    with pytest.raises(ServiceError) as refused:
        customer_paste.split(text)
    assert "1,000" in str(refused.value.message)


# --- the preview --------------------------------------------------------------------------------


def test_the_preview_lists_each_lines_problems_by_field_and_writes_nothing(session):
    before = customers_count(session)
    found = customer_paste.preview(session, None, (
        "anna@example.com, Anna, Berg, 070-123 45 67\n"
        "not-an-email, Bo, Ek\n"
        "cia@example.com, , \n"
        "dag@example.com, Dag, Ström, 12\n"
        "ANNA@example.com, Anna, Again\n"
    ))
    assert [line.number for line in found.new] == [1]
    by_number = {line.number: problems(line) for line in found.invalid}
    assert [f for f, _m in by_number[2]] == ["email"]
    assert [f for f, _m in by_number[3]] == ["first_name", "last_name"]
    assert [f for f, _m in by_number[4]] == ["phone"]
    assert by_number[5] == [("email", "This e-mail address is on line 1 too.")]
    assert customers_count(session) == before


def test_an_email_that_belongs_to_a_private_customer_is_offered_as_an_update(session):
    known = factories.private_customer(session, first_name="Eva", last_name="Old", email="eva@example.com")
    found = customer_paste.preview(session, None, "EVA@example.com, Eva, New\nfia@example.com, Fia, Ny\n")
    assert [(line.number, line.existing.id) for line in found.updates] == [(1, known.id)]
    assert [line.number for line in found.new] == [2]


def test_an_email_of_a_deleted_private_customer_is_a_problem(session):
    factories.private_customer(session, first_name="Gun", last_name="Gone", email="gun@example.com", deleted=True)
    found = customer_paste.preview(session, None, "gun@example.com, Gun, Back\n")
    assert [f for f, _m in problems(found.invalid[0])] == ["email"]
    assert "Recover it first" in problems(found.invalid[0])[0][1]


def test_an_empty_paste_and_an_unknown_group_are_refused(session):
    with pytest.raises(ServiceError):
        customer_paste.preview(session, None, "\n  \n")
    with pytest.raises(ServiceError):
        customer_paste.preview(session, None, "a@example.com, A, B", group_ids=[999_999])


# --- adding -------------------------------------------------------------------------------------


def test_add_stores_every_valid_line_as_a_private_customer_with_its_person_in_the_groups(session):
    group = customer_groups.create_group(session, None, name="Newsletter")
    session.commit()
    added = customer_paste.add(session, None, (
        "anna@example.com, Anna, Berg, 070-123 45 67\n"
        "bad, Bo, Ek\n"
        "cia@example.com; Cia; Lind\n"
    ), group_ids=[group.id])
    session.commit()
    assert [c.display_name for c in added.created] == ["Anna Berg", "Cia Lind"]
    assert [line.number for line in added.not_added] == [2]
    anna = added.created[0]
    person = session.scalars(select(Contact).where(Contact.customer_id == anna.id)).one()
    assert (person.email, person.is_person, person.is_primary, person.phone) == (
        "anna@example.com", True, True, "+46701234567")
    assert anna.type == "private"
    assert {c.id for c in customer_groups.members(session, group)} == {c.id for c in added.created}


def test_existing_customers_are_updated_only_when_asked(session):
    group = customer_groups.create_group(session, None, name="Events")
    known = factories.private_customer(session, first_name="Eva", last_name="Old", email="eva@example.com")
    session.commit()
    kept = customer_paste.add(session, None, "eva@example.com, Eva, New\n", group_ids=[group.id])
    session.commit()
    assert (kept.created, kept.updated, [line.number for line in kept.not_added]) == ([], [], [1])
    session.refresh(known)
    assert known.display_name == "Eva Old"

    done = customer_paste.add(session, None, "eva@example.com, Eva, New\n", group_ids=[group.id], update_existing=True)
    session.commit()
    assert [c.id for c in done.updated] == [known.id] and done.created == []
    session.refresh(known)
    assert known.display_name == "Eva New"
    assert [g.id for g in customer_groups.groups_of(session, known)] == [group.id]


def test_a_failure_while_adding_leaves_the_register_as_it_was(session, monkeypatch):
    before = customers_count(session)
    real = customer_paste.customer_service.create_customer
    calls = []

    def failing_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ServiceError("the database said no")
        return real(*args, **kwargs)

    monkeypatch.setattr(customer_paste.customer_service, "create_customer", failing_second)
    with pytest.raises(ServiceError):
        customer_paste.add(session, None, "a1@example.com, A, One\na2@example.com, A, Two\n")
    session.rollback()  # (what the view does with a ServiceError: nothing of the paste is kept)
    assert customers_count(session) == before


def test_only_those_who_may_upload_may_paste(session, make_user):
    staff = make_user(role="staff")
    editor = make_user(role="editor")
    with pytest.raises(ServiceError):
        customer_paste.preview(session, staff, "a@example.com, A, B")
    assert [line.number for line in customer_paste.preview(session, editor, "a@example.com, A, B").new] == [1]


def test_the_paste_is_one_history_entry_with_its_counts_beside_each_customers_own(session, make_user):
    from backoffice.models import HistoryEntry

    editor = make_user(role="editor")
    added = customer_paste.add(session, editor, "h1@example.com, H, One\nbad, H, Two\nh3@example.com, H, Three\n")
    session.commit()
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.kind == "import")).one()
    assert (entry.record_type, entry.actor_id) == ("customer_import", editor.id)
    assert {c["field"]: c["new"] for c in entry.changes} == {
        "customers_added": 2, "customers_updated": 0, "lines_not_added": 1}
    created = session.scalars(select(HistoryEntry).where(
        HistoryEntry.kind == "create", HistoryEntry.record_type == "customer",
        HistoryEntry.record_id.in_([c.id for c in added.created]))).all()
    assert len(created) == 2
