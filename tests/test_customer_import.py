"""Register upload (issue 13): reading CSV and XLSX files, matching rows to customers, the dry run, all or
nothing, and the round trip of our own export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Customer, CustomerGroup, HistoryEntry, LocationGroup, Organization, User
from backoffice.services import custom_fields, customer_groups, location_groups
from backoffice.services import customer_import as service
from backoffice.services.customer_export import iter_customer_csv
from backoffice.services.errors import ServiceError
from tests import factories
from tests.conftest import truncate_all, two_factor_not_required


def export(session, language="en") -> bytes:
    return b"".join(iter_customer_csv(session, language=language, copy=False))


def rows_of(data: bytes, language="en") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";" if language == "sv" else ","))


def csv_bytes(*rows, separator=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def register(session):
    """A register with a business customer (billing, groups, location group, a custom field), a private
    customer, an inactive one and a deleted one."""
    vip = customer_groups.create_group(session, None, name="VIP")
    north = location_groups.create(session, None, "North")
    seasonal = customer_groups.create_group(session, None, name="Seasonal")
    field = custom_fields.create_definition(session, None, label="Employees", type="number")
    flag = custom_fields.create_definition(session, None, label="Key account", type="yesno")
    session.commit()
    org = factories.organization(session, name="Acme AB", address="Storgatan 1", municipality="Umeå",
                                 phone="+46 70 123 45 67", email="info@acme.example", website="https://acme.example")
    admin = factories.user(session, role="guest", email="anna@acme.example", first_name="Anna", last_name="Berg")
    acme = factories.customer(session, organization=org, admin=admin, customer_number="1001",
                              payment_method="invoice", location_group_id=north.id, group_ids=[vip.id, seasonal.id],
                              billing={"address": "Box 12", "email": "billing@acme.example"},
                              custom_values={field.key: "12", flag.key: True})
    factories.private_customer(session, first_name="Pia", last_name="Lind", email="pia@example.com",
                               phone="+46 70 765 43 21", group_ids=[seasonal.id])
    factories.customer(session, name="=Formula AB", status="INACTIVE", allow_shared_billing=False)
    factories.customer(session, name="Gone AB", deleted=True)
    return {"acme": acme, "vip": vip, "north": north}


def empty_register(session) -> None:
    """Every row gone, as in a new installation (the session's transaction ends first: TRUNCATE waits on it)."""
    session.commit()
    truncate_all(db.engine)
    two_factor_not_required()


def run(session, data, filename="register.csv", **kw):
    report = service.run(session, None, data, filename, **kw)
    session.commit()
    return report


# --- the round trip --------------------------------------------------------------------------------------
def test_own_export_into_the_same_register_changes_nothing(session, register):
    before = export(session)
    entries = session.scalar(select(func.count()).select_from(HistoryEntry))
    report = run(session, before, dry_run=False)
    assert report.counts == {"create": 0, "update": 0, "unchanged": 4, "rejected": 0}
    assert export(session) == before
    # only the import's own entry was written
    assert session.scalar(select(func.count()).select_from(HistoryEntry)) == entries + 1


@pytest.mark.parametrize("language", ["en", "sv"])
def test_export_into_an_empty_register_and_out_again_gives_the_same_rows(app, session, register, language):
    first = export(session, language)
    empty_register(session)
    for label, kind in (("Employees", "number"), ("Key account", "yesno")):  # definitions are settings, not rows
        custom_fields.create_definition(session, None, label=label, type=kind)
    session.commit()
    dry = run(session, first, create_missing=False)
    assert dry.counts["create"] == 4 and not dry.stored
    assert dry.missing == {"groups": ["VIP", "Seasonal"], "location_groups": ["North"]}
    assert session.scalar(select(func.count()).select_from(Customer)) == 0  # the dry run kept nothing
    with pytest.raises(ServiceError, match="don't exist yet"):
        service.run(session, None, first, "register.csv", dry_run=False)
    report = run(session, first, dry_run=False, create_missing=True)
    assert report.counts == {"create": 4, "update": 0, "unchanged": 0, "rejected": 0}, report.rejected
    assert rows_of(export(session, language), language) == rows_of(first, language)
    anna = session.scalar(select(User).where(User.email == "anna@acme.example"))
    assert (anna.first_name, anna.last_name, anna.role, anna.password_hash) == ("Anna", "Berg", "customer-admin", None)
    gone = session.scalar(select(Customer).where(Customer.display_name == "Gone AB"))
    assert gone.deleted_at is not None and gone.admin_user_id is None


# --- matching and updating -------------------------------------------------------------------------------
def test_rows_match_by_customer_number_then_organization_number_then_email(session, register):
    acme = register["acme"]
    pia = session.scalar(select(Customer).where(Customer.display_name == "Pia Lind"))
    data = csv_bytes(
        ["Customer number", "Organization", "Organization number", "Country", "Municipality"],
        ["1001", "Acme AB", acme.organization.org_number, "SE", "Luleå"],
    )
    assert run(session, data, dry_run=False).counts["update"] == 1
    session.refresh(acme.organization)
    assert acme.organization.municipality == "Luleå"
    by_org = csv_bytes(["Organization number", "Country", "Organization", "Payment method"],
                       [acme.organization.org_number, "SE", "Acme AB", "Card"])
    assert run(session, by_org, dry_run=False).counts["update"] == 1
    session.refresh(acme)
    assert acme.payment_method == "card" and acme.customer_number == "1001"
    by_email = csv_bytes(["E-mail", "First name", "Last name", "Phone"], ["PIA@example.com", "Pia", "Lindqvist", ""])
    assert run(session, by_email, dry_run=False).counts["update"] == 1
    session.refresh(pia)
    assert pia.display_name == "Pia Lindqvist"


def test_seed_003_four_columns_create_private_customers(session):
    data = csv_bytes(["E-mail", "First name", "Last name", "Phone"],
                     ["ola@example.com", "Ola", "Nord", "070-111 22 33"],
                     ["kari@example.com", "Kari", "Syd", ""])
    report = run(session, data, dry_run=False)
    assert report.counts["create"] == 2
    names = set(session.scalars(select(Customer.display_name).where(Customer.type == "private")))
    assert names == {"Ola Nord", "Kari Syd"}


# --- all or nothing ------------------------------------------------------------------------------------
BAD_ROWS = (["E-mail", "First name", "Last name"],
            ["ok@example.com", "Ok", "Person"],
            ["not-an-email", "Bad", "Mail"],
            ["ok2@example.com", "", "Noname"])


def test_one_bad_row_stores_nothing_and_names_each_rejected_row(session):
    report = run(session, csv_bytes(*BAD_ROWS), dry_run=False)
    assert not report.stored
    assert [(row.line, row.action) for row in report.rows] == [(2, "create"), (3, "rejected"), (4, "rejected")]
    assert report.rows[1].problems[0].column == "E-mail"
    assert report.rows[2].problems[0].column == "First name"
    assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_valid_only_keeps_the_valid_rows(session):
    report = run(session, csv_bytes(*BAD_ROWS), dry_run=False, valid_only=True)
    assert report.stored and report.counts == {"create": 1, "update": 0, "unchanged": 0, "rejected": 2}
    assert list(session.scalars(select(Customer.display_name))) == ["Ok Person"]
    entry = session.scalar(select(HistoryEntry).where(HistoryEntry.record_type == "customer_import"))
    assert {c["field"]: c["new"] for c in entry.changes} == {
        "customers_added": 1, "customers_updated": 0, "customers_unchanged": 0, "rows_rejected": 2}


def test_a_row_repeating_an_earlier_rows_email_is_rejected(session):
    data = csv_bytes(["E-mail", "First name", "Last name"], ["same@example.com", "A", "One"],
                     ["same@example.com", "B", "Two"])
    report = run(session, data, dry_run=False, valid_only=True)
    # the second row matches the customer the first one created: an update, never a duplicate
    assert [row.action for row in report.rows] == ["create", "update"]
    assert session.scalar(select(func.count()).select_from(Customer)) == 1


# --- headers and cells -----------------------------------------------------------------------------------
def test_swedish_headers_semicolons_and_latin1(session):
    data = csv_bytes(["E-post", "Förnamn", "Efternamn"], ["asa@example.com", "Åsa", "Öberg"], separator=";",
                     encoding="cp1252")
    assert run(session, data, dry_run=False).counts["create"] == 1
    assert session.scalar(select(Customer.display_name)) == "Åsa Öberg"


def test_unknown_headers_are_asked_about_then_mapped(session):
    data = csv_bytes(["Mail", "Given name", "Family name", "Notes"], ["m@example.com", "Mia", "Ek", "x"])
    report = run(session, data)
    assert report.unknown == ["Mail", "Given name", "Family name", "Notes"] and not report.rows
    mapping = {"Mail": "email", "Given name": "first_name", "Family name": "last_name", "Notes": ""}
    assert run(session, data, mapping=mapping, dry_run=False).counts["create"] == 1
    with pytest.raises(ServiceError, match="both"):
        service.run(session, None, data, "f.csv", mapping=mapping | {"Notes": "email"})


def test_neutralised_formula_cells_are_read_back(session, register):
    data = export(session)
    assert "'=Formula AB" in data.decode("utf-8-sig")
    empty_register(session)
    report = run(session, data, dry_run=False, create_missing=True, mapping={"Employees": "", "Key account": ""})
    assert report.counts["create"] == 4
    assert session.scalar(select(Organization.name).where(Organization.name.like("%Formula%"))) == "=Formula AB"


def test_xlsx_is_read_like_csv(session):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["E-mail", "First name", "Last name", "Phone"])
    sheet.append(["x@example.com", "Xena", "Lax", None])
    buffer = io.BytesIO()
    book.save(buffer)
    assert run(session, buffer.getvalue(), "register.xlsx", dry_run=False).counts["create"] == 1


@pytest.mark.parametrize("data, filename, message", [
    (b"", "a.csv", "empty"),
    (b"\xef\xbb\xbf  \r\n", "a.csv", "empty"),
    (b"E-mail,First name\r\n", "a.csv", "no rows"),
    (b"this is not a workbook", "a.xlsx", "not an Excel workbook"),
    (b"PK\x03\x04 broken zip", "a.xlsx", "not an Excel workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "a.csv", "not a CSV or XLSX"),
    (b"E-mail\r\n" + b"x" * (10 * 1024 * 1024) + b"\r\n", "a.csv", "too long|longer than"),
    (b"E-mail,First name\r\n\"open quote,Ann\r\n", "a.csv", "quote|longer than|too long"),
    (b"Colour,Size\r\nred,big\r\n", "a.csv", None),
])
def test_bad_files_get_a_clear_message_and_store_nothing(session, data, filename, message):
    if message is None:  # known by no header: every column is asked about
        assert run(session, data, filename).unknown == ["Colour", "Size"]
        with pytest.raises(ServiceError, match="None of the file's columns"):
            service.run(session, None, data, filename, mapping={"Colour": "", "Size": ""})
        return
    with pytest.raises(ServiceError, match=message):
        service.run(session, None, data, filename, dry_run=False)
    assert session.scalar(select(func.count()).select_from(Customer)) == 0


# --- who may import what ------------------------------------------------------------------------------
def test_an_editor_cannot_create_users_or_change_customer_numbers(session, register, make_user):
    editor = make_user(role="editor")
    acme = register["acme"]
    data = csv_bytes(
        ["Organization", "Organization number", "Country", "Customer number", "Customer admin", "Customer admin e-mail"],
        ["New AB", factories.org_number(), "SE", "", "Nils New", "nils@new.example"],
        ["Acme AB", acme.organization.org_number, "SE", "9999", "", ""],
    )
    report = service.run(session, editor, data, "f.csv", dry_run=False, valid_only=True)
    session.commit()
    assert [row.action for row in report.rows] == ["rejected", "rejected"]
    assert "may not create users" in report.rows[0].problems[0].message
    assert report.rows[1].problems[0].column == "Customer number"
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "nils@new.example")) == 0


def test_staff_may_not_import(session, make_user):
    with pytest.raises(ServiceError, match="permission"):
        service.run(session, make_user(role="staff"), csv_bytes(*BAD_ROWS), "f.csv")


def test_a_non_guest_cannot_become_customer_admin_by_import(session, make_user):
    staff = make_user(role="staff", email="staff@example.com")
    data = csv_bytes(["Organization", "Organization number", "Country", "Customer admin e-mail"],
                     ["Other AB", factories.org_number(), "SE", staff.email])
    report = run(session, data, dry_run=False)
    assert report.rows[0].action == "rejected" and report.rows[0].problems[0].column == "Customer admin e-mail"
    assert session.get(User, staff.id).role == "staff"
    assert session.scalar(select(func.count()).select_from(Organization)) == 0


def test_groups_must_exist_or_be_created_when_asked(session):
    data = csv_bytes(["E-mail", "First name", "Last name", "Customer groups", "Location group"],
                     ["g@example.com", "Gun", "Grupp", "Alpha, Beta", "West"])
    dry = run(session, data)
    assert dry.missing == {"groups": ["Alpha", "Beta"], "location_groups": ["West"]}
    assert session.scalar(select(func.count()).select_from(CustomerGroup)) == 0
    run(session, data, dry_run=False, create_missing=True)
    assert set(session.scalars(select(CustomerGroup.name))) == {"Alpha", "Beta"}
    assert session.scalar(select(LocationGroup.name)) == "West"


# --- the CLI -------------------------------------------------------------------------------------------------
def cli(app, *args):
    return app.test_cli_runner().invoke(args=["import-customers", *args])


def test_cli_dry_run_import_and_exit_codes(app, session, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(*BAD_ROWS))
    result = cli(app, str(bad), "--dry-run")
    assert result.exit_code == 1
    assert "Dry run: 1 new, 0 updated, 0 unchanged, 2 rejected." in result.output
    assert "line 3 (E-mail): Enter a valid e-mail address." in result.output
    result = cli(app, str(bad))
    assert result.exit_code == 1 and "Nothing imported" in result.output
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Customer)) == 0
    result = cli(app, str(bad), "--valid-only")
    assert result.exit_code == 1 and "Imported: 1 new" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(*BAD_ROWS[:2]))
    result = cli(app, str(good))
    assert result.exit_code == 0 and "Imported: 0 new, 0 updated, 1 unchanged, 0 rejected." in result.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = cli(app, str(empty))
    assert result.exit_code != 0 and "The file is empty." in result.output
