"""Large imports (issue 13): new customers are written a batch at a time (services/customer_batches.py,
infra/bulk.py), with the same rules, results and History as one at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.models import BillingInfo, Contact, Customer, CustomerGroupMember, HistoryEntry, Organization, User
from backoffice.services import contacts as contact_service
from backoffice.services import customer_batches, customer_groups, numbering
from backoffice.services import customer_import as service
from backoffice.services import customers as customer_service
from backoffice.services import settings as settings_service
from backoffice.services.errors import ServiceError
from tests import factories
from tests.test_customer_import import csv_bytes

HEADER = ["E-mail", "First name", "Last name", "Phone", "Customer number", "Customer groups"]


def _entries(session, customer_id: int) -> list[tuple]:
    """The customer's History as a user reads it: kinds, record types and changes (ids and times aside)."""
    contact_ids = list(session.scalars(select(Contact.id).where(Contact.customer_id == customer_id)))
    entries = session.scalars(select(HistoryEntry).where(
        ((HistoryEntry.record_type == "customer") & (HistoryEntry.record_id == customer_id))
        | ((HistoryEntry.record_type == "customer_contact") & HistoryEntry.record_id.in_(contact_ids)))
        .order_by(HistoryEntry.id))
    return [(e.kind, e.record_type, e.record_name, e.actor_name, e.changes) for e in entries]


def _state(session) -> list[tuple]:
    """Every customer with its person and groups, as the list and card show them."""
    rows = session.execute(
        select(Customer.display_name, Customer.customer_number, Customer.status, Contact.email, Contact.phone,
               Contact.is_primary)
        .join(Contact, Contact.customer_id == Customer.id).order_by(Customer.display_name)).all()
    groups = session.execute(select(Customer.display_name, func.count()).join(
        CustomerGroupMember, CustomerGroupMember.customer_id == Customer.id).group_by(Customer.display_name)).all()
    return [tuple(row) for row in rows] + sorted(tuple(row) for row in groups)


def test_a_batch_is_checked_by_the_forms_rules_and_written_with_its_history(session, make_user):
    admin = make_user(role="system-admin")
    vip = customer_groups.create_group(session, admin, name="VIP")
    factories.private_customer(session, first_name="Pia", last_name="Lind", email="pia@example.com")
    session.commit()
    outcomes = customer_batches.create_many(session, admin, [
        {"person": {"first_name": "Ola", "last_name": "Nord", "email": "Ola@Example.com", "phone": "070-111 22 33"},
         "group_ids": [vip.id]},
        {"person": {"first_name": "Taken", "last_name": "Mail", "email": "PIA@example.com"}},
        {"person": {"first_name": "Twice", "last_name": "Ola", "email": "ola@example.com"}},
        {"person": {"first_name": "", "last_name": "Noname", "email": "x@example.com"}},
        {"person": {"first_name": "Bad", "last_name": "Phone", "email": "b@example.com", "phone": "12"}},
        {"person": {"first_name": "Bad", "last_name": "Status", "email": "s@example.com"}, "status": "GONE"},
    ])
    session.commit()
    ola = outcomes[0]
    assert isinstance(ola, Customer) and ola.id
    assert [(e.field, str(e.message)) for e in outcomes[1:] if isinstance(e, ServiceError)] == [
        ("email", str(contact_service._PERSON_EMAIL_TAKEN)), ("email", str(contact_service._PERSON_EMAIL_TAKEN)),
        ("first_name", "Enter the first name."), ("phone", outcomes[4].message), ("status", "Choose Active or Inactive.")]
    stored = session.get(Customer, ola.id)
    person = contact_service.person_of(session, stored)
    assert (stored.display_name, person.email, person.phone, person.is_primary) == (
        "Ola Nord", "Ola@Example.com", "+46701112233", True)
    assert [g.name for g in customer_groups.groups_of(session, stored)] == ["VIP"]
    assert session.scalar(select(func.count()).select_from(Customer)) == 2

    # the same customer made by the form's service has the same History, entry for entry
    one = customer_service.create_customer(session, admin, customer_type="private", group_ids=[vip.id], person={
        "first_name": "Ola", "last_name": "Nord", "email": "ola2@example.com", "phone": "070-111 22 33"})
    session.commit()

    def same(entries):
        return [(kind, rtype, actor, [c for c in changes or [] if c["field"] not in ("email", "email_key")])
                for kind, rtype, _name, actor, changes in entries]

    assert same(_entries(session, ola.id)) == same(_entries(session, one.id))
    assert [kind for kind, *_ in _entries(session, ola.id)] == ["create", "create", "group_add"]


def test_automatic_numbers_follow_the_typed_ones_of_the_same_batch(session):
    settings = settings_service.get(session)
    settings.auto_customer_number = True
    session.commit()
    factories.private_customer(session, first_name="Old", last_name="One", email="old@example.com",
                               customer_number="100")
    outcomes = customer_batches.create_many(session, None, [
        {"person": {"first_name": "A", "last_name": "A", "email": "a@example.com"}},
        {"person": {"first_name": "B", "last_name": "B", "email": "b@example.com"}, "customer_number": "205"},
        {"person": {"first_name": "C", "last_name": "C", "email": "c@example.com"}, "customer_number": "100"},
        {"person": {"first_name": "D", "last_name": "D", "email": "d@example.com"}},
    ])
    session.commit()
    assert [o.customer_number if isinstance(o, Customer) else o.field for o in outcomes] == [
        "206", "205", "customer_number", "207"]
    assert numbering.next_number(session) == "208"


def _file(*rows):
    return csv_bytes(HEADER, *rows)


MIXED = (
    ["ny@example.com", "Ny", "Kund", "070-111 22 33", "", "VIP"],
    ["pia@example.com", "Pia", "Lindqvist", "", "", ""],  # matches a customer: an update, on its own
    ["ny@example.com", "Ny", "Igen", "", "", ""],  # repeats line 2: it updates what line 2 created
    ["bad-mail", "Bad", "Mail", "", "", ""],
    ["tre@example.com", "Tre", "Kund", "", "1001", ""],  # a business customer's number: refused
    ["fyra@example.com", "Fyra", "Kund", "", "", "VIP"],
)


@pytest.mark.parametrize("batch", [1000, 2])
def test_batched_and_one_at_a_time_give_the_same_report_and_register(app, session, monkeypatch, batch):
    written_in_bulk = []
    real = customer_batches.create_many

    def spy(session, actor, items):
        written_in_bulk.extend(item["person"].get("email") or item["admin"]["email"] for item in items)
        return real(session, actor, items)

    monkeypatch.setattr(customer_batches, "create_many", spy)

    def run(bulk: bool):
        monkeypatch.setattr(service, "BULK", bulk)
        monkeypatch.setattr(service, "BATCH", batch)
        vip = customer_groups.create_group(session, None, name="VIP")
        factories.private_customer(session, first_name="Pia", last_name="Lind", email="pia@example.com")
        factories.customer(session, name="Acme AB", customer_number="1001")
        session.commit()
        before = session.scalar(select(func.max(HistoryEntry.id)))
        report = service.run(session, None, _file(*MIXED), "f.csv", dry_run=False, valid_only=True)
        session.commit()
        result = ([(r.line, r.action, r.name, [(p.column, p.message) for p in r.problems]) for r in report.rows],
                  _state(session), sorted((e.kind, e.record_type, e.record_name, str(e.changes)) for e in session.scalars(
                      select(HistoryEntry).where(HistoryEntry.id > before))))
        session.delete(vip)
        session.flush()
        for table in (CustomerGroupMember, Contact, HistoryEntry, Customer):
            session.query(table).delete()
        session.commit()
        return result

    batched, single = run(True), run(False)
    assert batched == single
    actions = [action for _line, action, _name, _problems in batched[0]]
    assert actions == ["create", "update", "update", "rejected", "rejected", "create"]
    assert written_in_bulk == ["ny@example.com", "bad-mail", "fyra@example.com"]  # the batched run only


def test_a_batch_the_database_refuses_is_written_row_by_row(session, monkeypatch):
    """Another user stores an e-mail after the batch looked it up: the unique index refuses the batch, and each
    row then goes on its own (that one matches the new customer, the others are created)."""
    factories.private_customer(session, first_name="Sam", last_name="Tidig", email="race@example.com")
    session.commit()
    monkeypatch.setattr(contact_service, "taken_email_keys", lambda session, keys: set())
    data = _file(["first@example.com", "First", "Row", "", "", ""],
                 ["race@example.com", "Sam", "Tidig", "", "", ""],
                 ["last@example.com", "Last", "Row", "", "", ""])
    report = service.run(session, None, data, "f.csv", dry_run=False)
    session.commit()
    assert [row.action for row in report.rows] == ["create", "unchanged", "create"]
    assert session.scalar(select(func.count()).select_from(Customer)) == 3


def test_a_dry_run_of_a_batch_leaves_nothing(session):
    report = service.run(session, None, _file(*[[f"p{i}@example.com", "P", str(i), "", "", ""] for i in range(30)]),
                         "f.csv", dry_run=True)
    session.commit()
    assert report.counts["create"] == 30 and not report.stored
    assert session.scalar(select(func.count()).select_from(Customer)) == 0
    assert session.scalar(select(func.count()).select_from(HistoryEntry)) == 0



BUSINESS_HEADER = ["Organization", "Organization number", "Country", "Customer admin", "Customer admin e-mail",
                   "Billing e-mail", "Customer groups", "Payment method"]


def _business_rows():
    from backoffice.services.org_numbers import swedish_number

    n = [swedish_number(f"55{k:07d}") for k in range(6)]
    return (
        ["Ny AB", n[0], "SE", "Nils Ny", "nils@ny.example", "faktura@ny.example", "VIP", ""],
        ["Acme AB", "556677-8899", "SE", "", "", "", "", ""],  # Acme's own number: it matches Acme, unchanged
        ["Dubbel AB", n[1], "SE", "Nils Ny", "nils@ny.example", "", "", ""],  # line 2's admin: on its own, refused
        ["Fel AB", "556677-8890", "SE", "Fel Person", "fel@ny.example", "", "", ""],  # a wrong check digit
        ["Bill AB", n[2], "SE", "Bo Bill", "bo@ny.example", "not-an-email", "", ""],  # a billing e-mail that isn't one
        ["Ettnamn AB", n[3], "SE", "Ensam", "ensam@ny.example", "", "", ""],  # the admin's last name missing
        ["Sist AB", n[4], "SE", "Sara Sist", "sara@ny.example", "", "", "invoice"],
    )


def _without_ids(changes):
    """A change's ids aside (PostgreSQL's sequences go on between two runs); its labels name the records."""
    return [{k: v for k, v in c.items() if not (c["field"].endswith("_id") and k in ("old", "new"))}
            for c in changes or []]


@pytest.mark.parametrize("batch", [1000, 3])
def test_business_rows_batched_and_one_at_a_time_give_the_same_result(app, session, monkeypatch, batch):
    in_bulk = []
    real = customer_batches.create_many
    monkeypatch.setattr(customer_batches, "create_many", lambda session, actor, items: (
        in_bulk.extend(item["organization"].get("name") for item in items), real(session, actor, items))[1])

    def run(bulk: bool):
        monkeypatch.setattr(service, "BULK", bulk)
        monkeypatch.setattr(service, "BATCH", batch)
        vip = customer_groups.create_group(session, None, name="VIP")
        org = factories.organization(session, name="Acme AB", org_number="556677-8899")
        acme = factories.customer(session, organization=org)
        session.commit()
        before = session.scalar(select(func.max(HistoryEntry.id)))
        report = service.run(session, None, csv_bytes(BUSINESS_HEADER, *_business_rows()), "f.csv", dry_run=False,
                             valid_only=True)
        session.commit()
        rows = [(r.line, r.action, r.name, [(p.column, p.message) for p in r.problems]) for r in report.rows]
        made = session.execute(
            select(Customer.display_name, Customer.payment_method, Customer.status, User.email, User.role,
                   User.first_name, User.last_name, BillingInfo.email)
            .join(User, User.id == Customer.admin_user_id).outerjoin(BillingInfo)
            .where(Customer.id != acme.id).order_by(Customer.display_name)).all()
        groups = sorted(g.name for c in session.scalars(select(Customer)) for g in customer_groups.groups_of(session, c))
        # the admin's user: one create entry in a batch, a guest's create and its change to admin one at a time
        entries = sorted((e.kind, e.record_type, e.record_name, str(_without_ids(e.changes))) for e in session.scalars(
            select(HistoryEntry).where(HistoryEntry.id > before, HistoryEntry.record_type != "user")))
        users = session.scalar(select(func.count()).select_from(HistoryEntry).where(
            HistoryEntry.id > before, HistoryEntry.record_type == "user", HistoryEntry.kind == "create"))
        result = (rows, [tuple(r) for r in made], groups, entries, users)
        session.delete(vip)
        session.flush()
        for table in (CustomerGroupMember, BillingInfo, Contact, HistoryEntry, Customer, Organization):
            session.query(table).delete()
        session.query(User).delete()
        session.commit()
        return result

    batched, single = run(True), run(False)
    assert batched[:3] == single[:3]
    assert batched[3] == single[3]
    assert in_bulk == ["Ny AB", "Fel AB", "Bill AB", "Ettnamn AB", "Sist AB"]  # the batched run only
    assert batched[4] == single[4] == 2  # Nils Ny and Sara Sist (Bo Bill's row was refused with its user)
    assert [action for _line, action, _name, _problems in batched[0]] == [
        "create", "unchanged", "rejected", "rejected", "rejected", "rejected", "create"]
    assert [(name, role) for name, _pay, _status, _email, role, *_rest in batched[1]] == [
        ("Ny AB", "customer-admin"), ("Sist AB", "customer-admin")]
