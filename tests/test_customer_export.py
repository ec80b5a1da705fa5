"""CSV export: every customer, headers in the reader's language, the right separator, a BOM,
neutralised formulas, filters, permission, and memory that stays flat."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from sqlalchemy import insert

from backoffice.models import BillingInfo, Customer, Organization
from backoffice.models.base import utcnow
from backoffice.services import customer_export
from backoffice.services.customer_export import headers, iter_customer_csv
from backoffice.infra.spreadsheet import neutralise
from tests import factories


@pytest.fixture
def customer(session):
    return lambda **kw: factories.customer(session, **kw)


def parse(data: bytes, separator: str):
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")[1:]
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))


def export(session, **kw) -> bytes:
    return b"".join(iter_customer_csv(session, **kw))


@pytest.fixture
def three(session, customer, make_user):
    active = customer(name="Alfa AB", customer_number="123")
    active.billing = BillingInfo(address="Box 1", email="faktura@alfa.se", responsible_person="Bo Bill")
    inactive = customer(name="Beta AB", status="INACTIVE")
    deleted = customer(name="Gamma AB")
    deleted.deleted_at = utcnow()
    session.commit()
    return active, inactive, deleted


def test_english_headers_comma_bom_and_every_row(session, three):
    rows = parse(export(session, language="en"), ",")
    assert rows[0][:5] == ["Name", "Customer type", "Organization", "Organization number", "Legal form"]
    assert "Customer admin e-mail" in rows[0] and rows[0][-1] == "Deleted"
    body = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert list(body) == ["Alfa AB", "Beta AB", "Gamma AB"]  # soft-deleted included, by name
    alfa = body["Alfa AB"]
    assert alfa["Customer number"] == "123" and alfa["Status"] == "ACTIVE"
    assert alfa["Billing address"] == "Box 1" and alfa["Billing responsible person"] == "Bo Bill"
    assert alfa["Customer admin"].startswith("Customer ") and alfa["Customer admin e-mail"].endswith("@example.com")
    assert body["Beta AB"]["Status"] == "INACTIVE" and body["Beta AB"]["Deleted"] == ""
    assert body["Gamma AB"]["Status"] == "DELETED" and body["Gamma AB"]["Deleted"][:2] == "20"


def test_swedish_headers_and_semicolon(session, three):
    data = export(session, language="sv")
    rows = parse(data, ";")
    assert rows[0][:4] == ["Namn", "Kundtyp", "Organisation", "Organisationsnummer"]
    assert "Kundnummer" in rows[0] and "Borttagen" in rows[0] and "Kundadministratör" in rows[0]
    assert [r[rows[0].index("Status")] for r in rows[1:]] == ["AKTIV", "INAKTIV", "BORTTAGEN"]
    assert len(rows[1]) == len(headers("sv")) == len(headers("en"))
    assert data.decode("utf-8").count(";") >= len(headers("sv")) - 1


def test_unknown_language_falls_back_to_english(session, three):
    assert parse(export(session, language="de_DE"), ",")[0][2] == "Organization"
    assert parse(export(session, language="sv_SE"), ";")[0][2] == "Organisation"


@pytest.mark.parametrize("value", ["=1+1", "+46 8 123", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_plain_cells_stay(session):
    assert neutralise("Alfa AB") == "Alfa AB" and neutralise(None) == "" and neutralise("a=b") == "a=b"


def test_formula_injection_in_the_file(session, customer, make_org):
    org = make_org(name="=HYPERLINK(\"http://evil\")", phone="+46 8 123 456 78")
    org.email = "@x"  # straight into the row: whatever got into the database must not run
    customer(organization=org)
    rows = parse(export(session, language="en"), ",")
    row = dict(zip(rows[0], rows[1]))
    assert row["Organization"] == "'=HYPERLINK(\"http://evil\")"
    assert row["Phone"] == "'+46812345678" and row["E-mail"] == "'@x"


def test_ids_and_search_filters(session, three):
    active, inactive, deleted = three
    rows = parse(export(session, language="en", ids=[str(deleted.id), "junk", str(active.id)]), ",")
    assert [r[0] for r in rows[1:]] == ["Alfa AB", "Gamma AB"]
    assert [r[0] for r in parse(export(session, language="en", search="beta"), ",")[1:]] == ["Beta AB"]
    assert [r[0] for r in parse(export(session, language="en", search="123"), ",")[1:]] == ["Alfa AB"]
    assert parse(export(session, language="en", search="nothing-like-it"), ",")[1:] == []
    assert parse(export(session, language="en", ids=[]), ",")[1:] == []


def test_route_streams_a_download_in_the_users_language(client, session, three, make_user):
    from tests.conftest import login

    user = make_user(role="editor", language="sv")
    login(client, user)
    response = client.get("/admin/customers/export/customers.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=customers-") and disposition.endswith(".csv")
    assert response.is_streamed
    rows = parse(response.get_data(), ";")
    assert rows[0][2] == "Organisation" and len(rows) == 4
    only = client.get(f"/admin/customers/export/customers.csv?ids={three[1].id}&ids={three[2].id}")
    assert [r[0] for r in parse(only.get_data(), ";")[1:]] == ["Beta AB", "Gamma AB"]
    searched = client.get("/admin/customers/export/customers.csv?search=alfa")
    assert [r[0] for r in parse(searched.get_data(), ";")[1:]] == ["Alfa AB"]


def test_route_needs_customers_export(client, as_user, three):
    staff = as_user("staff")
    assert staff.get("/admin/customers/export/customers.csv").status_code == 403
    assert staff.get("/admin/customers/export/").status_code == 403


def test_route_sends_anonymous_users_to_sign_in(client):
    response = client.get("/admin/customers/export/customers.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


ROWS = 20_000


def _bulk_customers(session, n: int) -> None:
    now = utcnow()
    session.execute(
        insert(Organization),
        [
            dict(id=i, name=f"Organisation {i:06d} med ett ganska långt namn", org_number=f"55{i:08d}",
                 org_number_key=f"55{i:08d}", address=f"Storgatan {i}", municipality="Umeå", country="SE",
                 created_at=now, updated_at=now)
            for i in range(1, n + 1)
        ],
    )
    admin = factories.user(session, role="customer-admin")
    session.execute(
        insert(Customer),
        [
            dict(id=i, type="business", organization_id=i, admin_user_id=admin.id if i == 1 else None,
                 status="ACTIVE", allow_shared_billing=False, deleted_at=None if i == 1 else now,
                 customer_number=str(i), created_at=now, updated_at=now)
            for i in range(1, n + 1)
        ],
    )
    session.commit()


def test_memory_stays_flat_while_streaming(session):
    """Streaming 20,000 rows peaks far below what loading them all would take."""
    _bulk_customers(session, ROWS)
    session.expunge_all()
    tracemalloc.start()
    try:
        size = rows = 0
        for chunk in iter_customer_csv(session, language="sv"):
            size += len(chunk)
            rows += chunk.count(b"\r\n")
        _, streaming_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        loaded = session.execute(customer_export.export_query()).all()
        _, loaded_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == ROWS + 1 and len(loaded) == ROWS
    assert size > 2_000_000  # a real file went through
    assert streaming_peak < loaded_peak / 4, (streaming_peak, loaded_peak)
    assert streaming_peak < 8_000_000, streaming_peak  # about 3 MB measured: batches of 1,000 rows


def test_a_private_customers_e_mail_and_phone_are_its_persons(session, three):
    """(issue 11) A private customer has no organization: its row carries its person's e-mail and phone, and a
    business customer's row keeps its organization's (one query: the person is an outer join)."""
    alfa = three[0]
    alfa.organization.email, alfa.organization.phone = "info@alfa.se", "+4681234567"
    factories.private_customer(session, first_name="Pia", last_name="Privat", email="Pia@Example.com",
                               phone="+46701234567")
    factories.private_customer(session, first_name="Per", last_name="Utan", email="per@example.com")
    session.commit()
    rows = parse(export(session, language="en"), ",")
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert len(rows) == 1 + 5  # one row per customer: the join adds none
    pia = by_name["Pia Privat"]
    assert (pia["E-mail"], pia["Phone"], pia["Organization"]) == ("Pia@Example.com", neutralise("+46701234567"), "")
    assert (by_name["Per Utan"]["E-mail"], by_name["Per Utan"]["Phone"]) == ("per@example.com", "")
    assert (by_name["Alfa AB"]["E-mail"], by_name["Alfa AB"]["Phone"]) == ("info@alfa.se", neutralise("+4681234567"))


# --- the two ways out (issue 12): PostgreSQL's COPY and the generic batched csv.writer ------------------
@pytest.fixture
def awkward(session, customer, make_user):
    """Customers whose values test the file's quoting, formula guard, labels, times and custom fields. Values
    are set straight on the rows: whatever got into the database must come out right."""
    from datetime import UTC, datetime

    from backoffice.models import LocationGroup
    from backoffice.services import custom_fields

    text = custom_fields.create_definition(session, None, label='Note "quoted"; with, separators', type="text")
    number = custom_fields.create_definition(session, None, label="Employees", type="number")
    day = custom_fields.create_definition(session, None, label="Renewal", type="date")
    key = custom_fields.create_definition(session, None, label="Key account", type="yesno")
    choice = custom_fields.create_definition(session, None, label="=Industry", type="choice", options="a,b|Energy")
    north = LocationGroup(name="Norr; Övre, \"Å\"")
    session.add(north)
    session.flush()
    first = customer(name='Ölands "Bästa" Åkeri, AB; HB', customer_number="0042")
    org = first.organization
    org.address, org.legal_form, org.website, org.email = "Box 1\nVån 2\r\nc/o Ä", "=SUM(A1)", "-x", "@x"
    org.digital_address, org.region, org.municipality, org.phone = "\tTab", "\rCR", "Umeå", "+4681234"
    first.billing = BillingInfo(address='"Kvarn", väg 3', responsible_person='Bo "Bill" ; Bäck', email="")
    first.payment_method, first.location_group = "direct_debit", north
    first.custom_values = {text.key: "=cmd|' /C calc'!A0\nrad två", number.key: "-12.5", day.key: "2027-03-31",
                           key.key: True, choice.key: "a,b"}
    first.admin.first_name, first.admin.last_name = "Åsa", ""
    gone = customer(name="Gone AB", status="INACTIVE")
    gone.deleted_at = datetime(2026, 7, 1, 22, 30, 15, tzinfo=UTC)  # summer time: the next day in Stockholm
    gone.custom_values = {number.key: "3", key.key: None}
    winter = customer(name="Winter AB", status="INACTIVE", allow_shared_billing=False)
    winter.organization.website = ""  # an empty text: an empty cell, as a NULL
    winter.payment_method = "card"
    winter.deleted_at = datetime(2026, 1, 15, 23, 59, tzinfo=UTC)
    factories.private_customer(session, first_name="Pia", last_name="Privat", email="pia@example.com",
                               phone="+46701234567")
    session.commit()
    return {"text": text, "key": key, "choice": choice}


@pytest.mark.parametrize("language,timezone", [("en", "Europe/Stockholm"), ("sv", "Europe/Stockholm"),
                                               ("sv", "America/New_York")])
def test_copy_and_the_generic_path_write_the_same_bytes(session, awkward, language, timezone):
    separator = "," if language == "en" else ";"
    generic = export(session, language=language, timezone=timezone, copy=False)
    rows = parse(generic, separator)
    header = rows[0]
    assert header[-5:] == ['Note "quoted"; with, separators', "Employees", "Renewal", "Key account", "'=Industry"]
    by_name = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert list(by_name) == ["Gone AB", "Pia Privat", "Winter AB", 'Ölands "Bästa" Åkeri, AB; HB']
    first = by_name['Ölands "Bästa" Åkeri, AB; HB']
    org, address, legal, web = ("Organization", "Address", "Legal form", "Website") if language == "en" else (
        "Organisation", "Adress", "Juridisk form", "Webbplats")
    assert first[address] == "Box 1\nVån 2\r\nc/o Ä" and first[legal] == "'=SUM(A1)" and first[web] == "'-x"
    assert first[org] == 'Ölands "Bästa" Åkeri, AB; HB'
    assert list(first.values())[-5:] == ["'=cmd|' /C calc'!A0\nrad två", "'-12.5", "2027-03-31",
                                         "Yes" if language == "en" else "Ja", "a,b"]
    assert list(by_name["Gone AB"].values())[-5:] == ["", "3", "", "No" if language == "en" else "Nej", ""]
    deleted = "Deleted" if language == "en" else "Borttagen"
    if timezone == "Europe/Stockholm":
        assert (by_name["Gone AB"][deleted], by_name["Winter AB"][deleted]) == ("2026-07-02 00:30", "2026-01-16 00:59")
    else:
        assert (by_name["Gone AB"][deleted], by_name["Winter AB"][deleted]) == ("2026-07-01 18:30", "2026-01-15 18:59")
    assert by_name["Pia Privat"][deleted] == "" and by_name["Pia Privat"][org] == ""
    assert ("Private" if language == "en" else "Privat") in by_name["Pia Privat"].values()
    assert b'"Box 1\nV\xc3\xa5n 2\r\nc/o \xc3\x84"' in generic  # a newline inside a cell: quoted, kept as it is
    assert generic.count(b"\r\n") == len(rows) + 1  # the rows' ends and the one inside the address

    dialect = session.get_bind().dialect.name
    assert customer_export.uses_copy(session) == (dialect == "postgresql")
    if dialect == "postgresql":
        assert export(session, language=language, timezone=timezone) == generic
        for narrowed in ({"search": "åkeri"}, {"status": "deleted"}, {"customer_type": "private"},
                         {"ids": [str(awkward["key"].id), "junk"]}, {"payment_method": "card"}):
            assert (export(session, language=language, timezone=timezone, **narrowed)
                    == export(session, language=language, timezone=timezone, copy=False, **narrowed)), narrowed
    else:  # SQLite: the generic path is the only one
        assert export(session, language=language, timezone=timezone) == generic
