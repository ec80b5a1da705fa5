"""Register upload (seed 001's "Upload registers"; issue 13): a CSV or XLSX file of customers with their
organizations, in the export's column list (services/customer_columns.py), read back into the register.

Reading (``read_table``): an XLSX workbook's first sheet (openpyxl, read-only) or a CSV file in UTF-8 (with or
without a BOM), UTF-16 with a BOM, or Windows-1252/Latin-1, separated by the first line's commonest of tab,
semicolon and comma. The first row names the columns, in any UI language (``customer_columns.header_keys``);
a header it doesn't know is asked about (``mapping``: header -> column key, or "" to leave it out). A cell the
export neutralised ("'=…") is read back without the apostrophe.

Each row matches an existing customer by its customer number, else by its organization number (a business
customer), else by its person's e-mail (a private customer). A row that matches is an update; one that
doesn't, a new customer. Only the columns the file has are read, so a file of four columns leaves the rest as
it is. Every row goes through the customer, organization and user services with the acting user, so the same
rules and permissions hold as on the forms; a row those refuse is rejected with the column and the reason.
A row that matches a customer and changes nothing is "unchanged" (our own export imported back into the same
register gives only those).

``run`` checks every row inside one savepoint per row; a dry run (``dry_run``) or an import with any rejected
row (unless ``valid_only``) rolls them all back, so the register is as before: all or nothing by default.
Groups and location groups that the file names and the register lacks are listed (``Report.missing``); they
are created only when ``create_missing`` says so (a dry run assumes it, to show what would happen).
The import itself is one History entry with its counts, besides each record's own entries.

Rows go a batch at a time (``BATCH``, ``_run_batch``): the batch's new customers (a private one, or a business
one with a new organization and customer admin) are checked and written together first
(services/customer_batches.py); then every other row — one that matches a customer, organization or user, or
shares a number or an e-mail with an earlier row of the batch — on its own (``_write_one``), in the file's
order. Both give the same results (tests/test_customer_import_bulk.py).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from backoffice.infra.spreadsheet import unneutralise
from backoffice.models import Contact, Customer, CustomerGroup, LocationGroup, Organization, User
from backoffice.models.customer import PAYMENT_METHODS
from backoffice.models.roles import GUEST_ROLE, can
from backoffice.services import contacts as contact_service
from backoffice.services import custom_fields, customer_batches, customer_groups, history, location_groups
from backoffice.services import numbering
from backoffice.services import customers as customer_service
from backoffice.services import organizations as organization_service
from backoffice.services import users as user_service
from backoffice.services.customer_columns import (ADMIN, BILLING, BY_KEY, COLUMNS, CONTACT, CUSTOMER, DERIVED,
                                                  GROUP_SEPARATOR, ORGANIZATION, PERSON, STATUS_LABELS,
                                                  TYPE_LABELS, YES_NO, fold, header_keys, label_codes)
from backoffice.services.errors import ServiceError

MAX_ROWS = 200_000
MAX_LINE_CHARS = 100_000
CREATE, UPDATE, UNCHANGED, REJECTED = "create", "update", "unchanged", "rejected"
IGNORE = ""  # a mapping's "leave this column out"
_XLSX_MAGIC = b"PK\x03\x04"


# --- reading the file ----------------------------------------------------------------------------------
@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # row i is line i + 2 of the file (the header is line 1)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"  # Excel's "CSV" on Windows; Latin-1 where cp1252 has no character
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                text = data.decode("latin-1")
        return _checked_text(text)
    try:
        return _checked_text(data.decode(encoding))
    except UnicodeDecodeError:
        raise ServiceError(_l("This file's text can't be read. Save it as CSV (UTF-8) and try again."), "file") from None


def _checked_text(text: str) -> str:
    if "\x00" in text:
        raise ServiceError(_l("This is not a CSV or XLSX file. Save the register as CSV (UTF-8) or XLSX."), "file")
    return text


def _separator(first_line: str) -> str:
    counts = {separator: first_line.count(separator) for separator in ("\t", ";", ",")}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first_line), strict=True)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error:
        raise ServiceError(_l("Line %(n)s can't be read: a cell is too long or a quote is not closed.",
                              n=format(reader.line_num, ",")), "file") from None
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only an XLSX upload needs it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key) for a file that is no workbook
        raise ServiceError(_l("This file is not an Excel workbook (XLSX). Save it as XLSX or CSV and try again."),
                           "file") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def read_table(data: bytes | None, filename: str | None = None) -> Table:
    """The file's header and rows as text (blank rows left out), or a ServiceError saying what is wrong."""
    data = data or b""
    if not data.strip():
        raise ServiceError(_l("The file is empty."), "file")
    named_xlsx = (filename or "").lower().endswith((".xlsx", ".xlsm"))
    if data.startswith(_XLSX_MAGIC) and zipfile.is_zipfile(io.BytesIO(data)):
        rows = _read_xlsx(data)
    elif named_xlsx:
        raise ServiceError(_l("This file is named .xlsx but is not an Excel workbook. Save it as XLSX or CSV."),
                           "file")
    else:
        rows = _read_csv(data)
    rows = [[cell.strip() for cell in row] for row in rows]
    for number, row in enumerate(rows, start=1):
        if sum(len(cell) for cell in row) > MAX_LINE_CHARS:
            raise ServiceError(_l("Line %(n)s is longer than %(max)s characters.", n=format(number, ","),
                                  max=format(MAX_LINE_CHARS, ",")), "file")
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        raise ServiceError(_l("The file is empty."), "file")
    header, body = rows[0], rows[1:]
    if len(body) > MAX_ROWS:
        raise ServiceError(_l("A file can have at most %(n)s rows.", n=format(MAX_ROWS, ",")), "file")
    if not any(any(row) for row in body):
        raise ServiceError(_l("The file has a header but no rows under it."), "file")
    return Table(headers=header, rows=body)


# --- the columns -----------------------------------------------------------------------------------------
@dataclass
class Columns:
    """Which column of the file is which: ``keys[i]`` for the file's column i (None: left out)."""

    keys: list[str | None]
    unknown: list[str]  # headers neither known nor mapped: the mapping step asks about them


def choices(session) -> list[tuple[str, str]]:
    """(column key, header) that a mapping may choose, custom fields last."""
    found = [(column.key, str(column.header)) for column in COLUMNS if column.part != DERIVED]
    return found + [(f"custom:{d.key}", d.label) for d in custom_fields.active_definitions(session)]


def map_columns(session, headers: list[str], mapping: dict | None = None) -> Columns:
    known = header_keys(custom_fields.active_definitions(session))
    allowed = {key for key, _label in choices(session)} | {"display_name"}
    mapping = {fold(name): value for name, value in (mapping or {}).items()}
    keys: list[str | None] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for header in headers:
        folded = fold(header)
        key = mapping.get(folded, known.get(folded)) if folded else IGNORE
        if key is None:
            unknown.append(header)
        elif key != IGNORE and key not in allowed:
            raise ValueError(f"not a column: {key!r}")
        if key:
            if key in seen:
                raise ServiceError(_l("The columns %(a)s and %(b)s are both %(column)s. Leave one of them out.",
                                      a=seen[key], b=header, column=_column_label(session, key)), "mapping")
            seen[key] = header
        keys.append(key or None)
    return Columns(keys=keys, unknown=unknown)


def _column_label(session, key: str) -> str:
    return dict(choices(session)).get(key, key)


# --- the report ------------------------------------------------------------------------------------------
@dataclass
class Problem:
    column: str  # the column's header as the file has it ("" for the row as a whole)
    message: str


@dataclass
class RowResult:
    line: int
    action: str
    name: str = ""
    problems: list[Problem] = field(default_factory=list)
    customer_id: int | None = None


@dataclass
class Report:
    rows: list[RowResult] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # headers to map before anything is read
    missing: dict[str, list[str]] = field(default_factory=lambda: {"groups": [], "location_groups": []})
    dry_run: bool = True
    stored: bool = False  # the rows were kept (the caller commits)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in (CREATE, UPDATE, UNCHANGED, REJECTED)}

    @property
    def rejected(self) -> list[RowResult]:
        return [row for row in self.rows if row.action == REJECTED]


# --- one row -----------------------------------------------------------------------------------------------
@cache
def _codes(name: str) -> dict[str, str]:
    """A coded column's labels in every UI language -> code (read once, inside the app)."""
    if name == "yesno":
        return label_codes(YES_NO) | {"true": "yes", "false": "no", "1": "yes", "0": "no"}
    return label_codes({"type": TYPE_LABELS, "status": STATUS_LABELS, "payment": PAYMENT_METHODS}[name])


# A service's field name -> the column it came from (the customer's own and the billing fields by key).
_SERVICE_FIELDS = {
    (ORGANIZATION, "name"): "org_name", (CUSTOMER, "organization_id"): "org_number",
    (CUSTOMER, "admin_user_id"): "admin_email", (CUSTOMER, "location_group_id"): "location_group",
    (CUSTOMER, "group_ids"): "groups", (CUSTOMER, "type"): "customer_type",
    (CUSTOMER, "billing_responsible_person"): "billing_responsible",
    (ADMIN, "first_name"): "admin_name", (ADMIN, "last_name"): "admin_name", (ADMIN, "email"): "admin_email",
}


class _Rejected(Exception):
    def __init__(self, key: str | None, message):
        super().__init__(str(message))
        self.key, self.message = key, message


def _coded(codes: str, key: str, text: str, message):
    if not text:
        return None
    code = _codes(codes).get(fold(text))
    if code is None:
        raise _Rejected(key, message)
    return code


@dataclass
class _Context:
    session: object
    actor: User | None
    zone: ZoneInfo
    columns: Columns
    headers: list[str]
    groups: dict[str, CustomerGroup]  # folded name -> group
    location_groups: dict[str, LocationGroup]
    definitions: dict[str, object]  # definition key -> definition
    bulk: bool = True  # new private customers written a batch at a time (False: every row on its own)

    def header(self, key: str | None) -> str:
        if key and key in self.columns.keys:
            return self.headers[self.columns.keys.index(key)]
        return ""


def _values(ctx: _Context, cells: list[str]) -> dict[str, str]:
    return {key: _cell(cells, index) for index, key in enumerate(ctx.columns.keys) if key is not None}


def _group_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(GROUP_SEPARATOR.strip()) if name.strip()]


def _when(ctx: _Context, text: str) -> datetime | None:
    if not text:
        return None
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=ctx.zone).astimezone(UTC)
    raise _Rejected("deleted_at", _l("Write the date as YYYY-MM-DD HH:MM."))


@dataclass
class _Row:
    """A row's values by the record they belong to; only the columns the file has."""

    type: str
    organization: dict = field(default_factory=dict)
    customer: dict = field(default_factory=dict)
    admin: dict = field(default_factory=dict)
    billing: dict = field(default_factory=dict)
    person: dict = field(default_factory=dict)
    custom: dict = field(default_factory=dict)
    deleted: bool = False
    deleted_at: datetime | None = None


def _parse(ctx: _Context, values: dict[str, str]) -> _Row:
    business_given = bool(values.get("org_name") or values.get("org_number"))
    kind = _coded("type", "customer_type", values.get("customer_type", ""), _l("Write Business or Private."))
    row = _Row(type=kind or ("business" if business_given else "private"))
    for key, text in values.items():
        if key.startswith("custom:"):
            definition = ctx.definitions[key.removeprefix("custom:")]
            if definition.field_type == "yesno":
                text = "yes" if _coded("yesno", key, text, _l("Write Yes or No.")) == "yes" else ""
            row.custom[definition.key] = text
            continue
        column = BY_KEY[key]
        part = column.part
        if part == CONTACT:
            part = ORGANIZATION if row.type == "business" else PERSON
        if part == DERIVED:
            continue
        if part == CUSTOMER:
            if key == "customer_type":
                continue
            if key == "status":
                status = _coded("status", key, text, _l("Write Active, Inactive or Deleted."))
                row.deleted = status == "DELETED"
                if status and status != "DELETED":
                    row.customer["status"] = status
                continue
            if key == "deleted_at":
                row.deleted_at = _when(ctx, text)
                continue
            if key == "payment_method":
                text = _coded("payment", key, text, _l("Choose a payment method from the list."))
            elif key == "allow_shared_billing":
                text = _coded("yesno", key, text, _l("Write Yes or No.")) == "yes"
            elif key == "location_group":
                row.customer["location_group_id"] = ctx.location_groups[fold(text)].id if text else None
                continue
            elif key == "groups":
                row.customer["group_ids"] = sorted({ctx.groups[fold(name)].id for name in _group_names(text)})
                continue
            row.customer[column.field] = text
        else:
            getattr(row, part)[column.field] = text
    if row.type == "business":
        row.person.clear()
    else:
        row.organization.clear()
        row.admin.clear()
    if row.deleted and row.deleted_at is None:
        row.deleted_at = datetime.now(UTC)
    if not row.deleted:
        row.deleted_at = None
    return row


def _split_name(name: str) -> tuple[str, str]:
    first, _space, last = (name or "").strip().partition(" ")
    return first, last.strip()


def _find(session, row: _Row) -> tuple[Customer | None, Organization | None]:
    """The customer the row is about: by customer number, else organization number, else person's e-mail."""
    number = (row.customer.get("customer_number") or "").strip()
    if number:
        customer = session.scalar(select(Customer).where(Customer.customer_number == number))
        if customer is not None:
            if customer.type != row.type:
                raise _Rejected("customer_number", _l("This customer number belongs to a customer of the other type."))
            return customer, customer.organization
    found = customer_batches.organization_key(row.organization) if row.type == "business" else None
    if found is not None:
        country, key = found  # (as stored: the country's code, so the unique index finds it)
        query = select(Organization).where(Organization.org_number_key == key)
        query = query.where(Organization.country.is_(None) if not country else Organization.country == country)
        org = session.scalar(query)
        if org is not None:
            return customer_service.customer_of_organization(session, org), org
    if row.type == "private" and row.person.get("email"):
        key = contact_service.email_key(row.person["email"])
        person = session.scalar(select(Contact).where(Contact.is_person.is_(True), Contact.email_key == key))
        if person is not None:
            return person.customer, None
    return None, None


def _admin(ctx: _Context, row: _Row, current: Customer | None) -> int | None:
    """The customer admin named by the row: a user with that e-mail, else one created from the row's name
    (with no password: the portal issue's login information sends a link when asked)."""
    email = (row.admin.get("email") or "").strip()
    if not email:
        if current is not None:
            return None  # unchanged
        raise _Rejected("admin_email", _l("A business customer needs a customer admin: give the admin's e-mail."))
    if current is not None and current.admin is not None and current.admin.email.lower() == email.lower():
        return None
    user = user_service.get_by_email(ctx.session, email)
    if user is None:
        if ctx.actor is not None and not can(ctx.actor, "users.create"):
            raise _Rejected("admin_email", _l("No user has this e-mail address, and you may not create users."))
        first, last = _split_name(row.admin.get("name", ""))
        if not first:
            raise _Rejected("admin_name", _l("Give the customer admin's name: no user has this e-mail address yet."))
        with _fields(ADMIN):
            user = user_service.create_user(ctx.session, ctx.actor, email=email, first_name=first, last_name=last,
                                            role=GUEST_ROLE)
            ctx.session.flush()
    return user.id


def _column_for(part: str, name: str | None) -> str | None:
    """The file's column a service's field came from (``part``: whose fields), or None."""
    name = name or ""
    key = _SERVICE_FIELDS.get((part, name))
    if key is None and name.startswith("custom_"):
        key = "custom:" + name.removeprefix("custom_")
    if key is None:
        key = next((column.key for column in COLUMNS if column.key == name
                    or (column.field == name and column.part in (part, CONTACT))), None)
    return key


@contextmanager
def _fields(part: str):
    """Turn a service's ServiceError into a rejection naming the file's column (``part``: whose fields)."""
    try:
        yield
    except ServiceError as error:
        raise _Rejected(_column_for(part, error.field), error.message) from None


def _need(ctx: _Context, permission: str, message, obj=None) -> None:
    """(``obj``: the customer a change is of: one who may edit only assigned customers changes only those.)"""
    if ctx.actor is not None and not can(ctx.actor, permission, obj):
        raise _Rejected(None, message)


def _create(ctx: _Context, row: _Row, org: Organization | None) -> Customer:
    session, actor = ctx.session, ctx.actor
    _need(ctx, "customers.create", _l("You may not create customers."))
    common = dict(
        customer_number=row.customer.get("customer_number"), status=row.customer.get("status") or "ACTIVE",
        allow_shared_billing=row.customer.get("allow_shared_billing", False),
        payment_method=row.customer.get("payment_method"), location_group_id=row.customer.get("location_group_id"),
        group_ids=row.customer.get("group_ids"), billing={k: v for k, v in row.billing.items() if v} or None,
        custom_values=row.custom or None, deleted_at=row.deleted_at,
    )
    if row.type == "private":
        with _fields(PERSON):
            return customer_service.create_customer(session, actor, customer_type="private", person=row.person, **common)
    if org is None:
        _need(ctx, "organizations.create", _l("You may not create organizations."))
        with _fields(ORGANIZATION):
            org = organization_service.create_organization(session, actor, **row.organization)
            session.flush()
    elif row.organization:
        _update_organization(ctx, org, row)
    admin_id = _admin(ctx, row, None) if row.deleted_at is None else None
    with _fields(CUSTOMER):
        return customer_service.create_customer(session, actor, organization_id=org.id, admin_user_id=admin_id,
                                                **common)


def _update_organization(ctx: _Context, org: Organization, row: _Row) -> None:
    changes = {name: value for name, value in row.organization.items() if (getattr(org, name) or "") != value}
    if "country" in changes and (org.country or "").upper() == (changes["country"] or "").upper():
        del changes["country"]
    if not changes:
        return
    _need(ctx, "organizations.edit", _l("You may not change organizations."))
    with _fields(ORGANIZATION):
        organization_service.update_organization(ctx.session, ctx.actor, org, **changes)


def _update(ctx: _Context, row: _Row, customer: Customer) -> None:
    session, actor = ctx.session, ctx.actor
    if customer.is_deleted:
        if row.deleted:
            return  # deleted here and there: a deleted customer is not changed by an import
        raise _Rejected("status", _l("This customer is deleted here. Recover it first."))
    if row.deleted:
        _need(ctx, "customers.delete", _l("You may not delete customers."))
        _need(ctx, "customers.edit", _l("You may not change customers."), customer)
        customer_service.soft_delete_customer(session, actor, customer)
        return
    if row.organization and customer.organization is not None:
        _update_organization(ctx, customer.organization, row)
    changes = {name: value for name, value in row.customer.items() if name != "group_ids"}
    admin_id = _admin(ctx, row, customer) if row.type == "business" else None
    if admin_id is not None:
        changes["admin_user_id"] = admin_id
    current = customer.billing
    billing = {name: value for name, value in row.billing.items() if (getattr(current, name, None) or "") != value}
    person = None
    if row.type == "private" and row.person:
        own = contact_service.person_of(session, customer)
        person = {name: value for name, value in row.person.items() if (getattr(own, name, None) or "") != value}
    custom = row.custom or None
    if not (_differs(customer, changes) or billing or person or row.customer.get("group_ids") is not None
            or custom is not None):
        return
    _need(ctx, "customers.edit", _l("You may not change customers."), customer)
    with _fields(CUSTOMER):
        customer_service.update_customer(session, actor, customer, billing=billing or None,
                                         group_ids=row.customer.get("group_ids"), person=person or None,
                                         custom_values=custom, **changes)


def _differs(customer: Customer, changes: dict) -> bool:
    return any(name == "admin_user_id" or (getattr(customer, name) or None) != (value or None)
               for name, value in changes.items())


def _apply(ctx: _Context, row: _Row) -> tuple[str, Customer]:
    customer, org = _find(ctx.session, row)
    before = history.entries_written(ctx.session)
    if customer is None:
        customer = _create(ctx, row, org)
        action = CREATE
    else:
        _update(ctx, row, customer)
        action = UPDATE
    ctx.session.flush()
    if action == UPDATE and history.entries_written(ctx.session) == before:
        action = UNCHANGED
    return action, customer


# --- a batch of rows ---------------------------------------------------------------------------------------
BATCH = 1000  # rows read, matched and written together
BULK = True  # False: every row on its own (the tests compare the two)
# The customer's own columns a new customer may bring and still be written in bulk (the rest: one row at a
# time through the services, as any row that matches an existing customer is).
_BULK_FIELDS = frozenset(customer_batches.CUSTOMER_FIELDS)


@dataclass
class _Pending:
    result: RowResult
    values: dict[str, str]
    row: _Row


def _run_batch(ctx: _Context, report: Report, lines: list[tuple[int, list[str]]]) -> None:
    """Read a batch's rows; write its new customers together (``_bulk_rows``), then every other row on its own,
    in the file's order."""
    pending: list[_Pending] = []
    for line, cells in lines:
        result = RowResult(line=line, action=REJECTED)
        report.rows.append(result)
        values = _values(ctx, cells)
        result.name = _row_name(values)
        try:
            pending.append(_Pending(result, values, _parse(ctx, values)))
        except _Rejected as rejected:
            result.problems.append(Problem(ctx.header(rejected.key), str(rejected.message)))
    in_bulk = _bulk_rows(ctx, pending)
    # The new customers first, together; then the others in the file's order. No row written in bulk shares a
    # number or an e-mail with an earlier row of the batch (``_bulk_rows``), so a later row that does sees it
    # stored, as one at a time.
    _write_bulk(ctx, [item for item in pending if id(item) in in_bulk])
    for item in pending:
        if id(item) not in in_bulk:
            _write_one(ctx, item)


def _keys(row: _Row) -> set[tuple]:
    """What a row is matched by, or takes: its customer number, its person's e-mail, its organization's
    number, its customer admin's e-mail."""
    keys = set()
    if (row.customer.get("customer_number") or "").strip():
        keys.add(("number", row.customer["customer_number"].strip()))
    email = contact_service.email_key(row.person.get("email"))
    if email:
        keys.add(("person", email))
    if row.organization.get("org_number"):
        keys.add(("org", customer_batches.organization_key(row.organization)))
    if (row.admin.get("email") or "").strip():
        keys.add(("user", user_service.normalize_email(row.admin["email"])))
    return keys


def _bulk_shaped(ctx: _Context, row: _Row) -> bool:
    """A new customer whose columns the bulk write takes: a private one, or a business one with a new
    organization and a new customer admin (named), when the actor may create those."""
    if not set(row.customer) <= _BULK_FIELDS:
        return False
    if row.type == "private":
        return True
    may = ctx.actor is None or (can(ctx.actor, "organizations.create") and can(ctx.actor, "users.create"))
    first, _last = _split_name(row.admin.get("name", ""))
    named = row.deleted or (first and (row.admin.get("email") or "").strip())  # (a deleted one has no admin)
    return bool(may and named and row.organization.get("name") and row.organization.get("org_number"))


def _bulk_rows(ctx: _Context, pending: list[_Pending]) -> set[int]:
    """The rows that are new customers of the bulk write's shape and share no number or e-mail with the
    register or an earlier row of the batch (those go one at a time, matched as usual)."""
    if not ctx.bulk:
        return set()
    wanted: dict[str, set] = {"number": set(), "person": set(), "org": set(), "user": set()}
    for item in pending:
        for kind, key in _keys(item.row):
            wanted[kind].add(key)
    session = ctx.session
    known = ({("number", key) for key in numbering.taken(session, wanted["number"])}
             | {("person", key) for key in contact_service.taken_email_keys(session, wanted["person"])}
             | {("org", key) for key in organization_service.taken_numbers(session, wanted["org"] - {None})}
             | {("user", key) for key in user_service.taken_emails(session, wanted["user"])})
    chosen, seen = set(), set()
    for item in pending:
        keys = _keys(item.row)
        if ("org", None) not in keys and _bulk_shaped(ctx, item.row) and not keys & (known | seen):
            chosen.add(id(item))
        seen |= keys
    return chosen


_PARTS = {"organization": ORGANIZATION, "admin": ADMIN, "customer": CUSTOMER, "person": PERSON,
          "billing": BILLING}


def _item(row: _Row) -> dict:
    first, last = _split_name(row.admin.get("name", ""))
    return dict(row.customer, type=row.type, person=row.person, organization=row.organization,
                admin={"email": row.admin.get("email"), "first_name": first, "last_name": last},
                billing=row.billing, custom_values=row.custom or None, deleted_at=row.deleted_at)


def _write_bulk(ctx: _Context, items: list[_Pending]) -> None:
    if not items:
        return
    session = ctx.session
    try:
        _need(ctx, "customers.create", _l("You may not create customers."))
    except _Rejected as rejected:
        for item in items:
            item.result.problems.append(Problem(ctx.header(rejected.key), str(rejected.message)))
        return
    savepoint = session.begin_nested()
    try:
        outcomes = customer_batches.create_many(session, ctx.actor, [_item(item.row) for item in items])
    except DBAPIError:  # another user took a number or an e-mail meanwhile: each row on its own says which
        savepoint.rollback()
        for item in items:
            _write_one(ctx, item)
        return
    savepoint.commit()
    for item, outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, ServiceError):
            column = _column_for(_PARTS[outcome.part], outcome.field)
            item.result.problems.append(Problem(ctx.header(column), str(outcome.message)))
        else:
            item.result.action, item.result.customer_id = CREATE, outcome.id
            item.result.name = item.result.name or outcome.display_name


def _write_one(ctx: _Context, item: _Pending) -> None:
    savepoint = ctx.session.begin_nested()
    try:
        action, customer = _apply(ctx, item.row)
    except _Rejected as rejected:
        savepoint.rollback()
        item.result.problems.append(Problem(ctx.header(rejected.key), str(rejected.message)))
    else:
        savepoint.commit()
        item.result.action, item.result.customer_id = action, customer.id
        item.result.name = item.result.name or customer.display_name


# --- the run -----------------------------------------------------------------------------------------------
def _missing(ctx: _Context, table: Table) -> dict[str, list[str]]:
    names = {"groups": {}, "location_groups": {}}
    keys = ctx.columns.keys
    for cells in table.rows:
        if "groups" in keys:
            for name in _group_names(_cell(cells, keys.index("groups"))):
                if fold(name) not in ctx.groups:
                    names["groups"].setdefault(fold(name), name)
        if "location_group" in keys:
            name = _cell(cells, keys.index("location_group"))
            if name and fold(name) not in ctx.location_groups:
                names["location_groups"].setdefault(fold(name), name)
    # in the order they first appear: a file lists each customer's groups by priority, so new groups keep it
    return {kind: list(found.values()) for kind, found in names.items()}


def _cell(cells: list[str], index: int) -> str:
    return unneutralise(cells[index]) if index < len(cells) else ""


def _create_missing(ctx: _Context, missing: dict[str, list[str]]) -> None:
    if missing["groups"]:
        if ctx.actor is not None and not can(ctx.actor, "groups.edit"):
            raise ServiceError(_l("The file names customer groups that don't exist (%(names)s), and you may not "
                                  "create groups.", names=", ".join(missing["groups"])), "create_missing")
        for name in missing["groups"]:
            group = customer_groups.create_group(ctx.session, ctx.actor, name=name)
            ctx.groups[fold(name)] = group
    if missing["location_groups"]:
        if ctx.actor is not None and not can(ctx.actor, "settings.edit"):
            raise ServiceError(_l("The file names location groups that don't exist (%(names)s), and you may not "
                                  "create them.", names=", ".join(missing["location_groups"])), "create_missing")
        for name in missing["location_groups"]:
            ctx.location_groups[fold(name)] = location_groups.create(ctx.session, ctx.actor, name)
    ctx.session.flush()


def _refuse_missing(missing: dict[str, list[str]]) -> None:
    parts = []
    if missing["groups"]:
        parts.append(str(_l("customer groups: %(names)s", names=", ".join(missing["groups"]))))
    if missing["location_groups"]:
        parts.append(str(_l("location groups: %(names)s", names=", ".join(missing["location_groups"]))))
    raise ServiceError(_l("The file names %(what)s, which don't exist yet. Choose to create them, or correct "
                          "the file.", what="; ".join(parts)), "create_missing")


def check_may(actor: User | None) -> None:
    if actor is not None and not can(actor, "customers.upload"):
        raise ServiceError(_l("You don't have permission to import customers."))


def read_columns(session, actor: User | None, data: bytes | None, filename: str | None = None,
                 mapping: dict | None = None) -> tuple[Table, Columns]:
    """Read the file and its header row, refusing what can't be imported at all (a file that can't be read, a
    header row with none of the register's columns) before any row is looked at: the upload page says so at
    once, while the dry run of the rows runs in the background."""
    check_may(actor)
    table = read_table(data, filename)
    columns = map_columns(session, table.headers, mapping)
    if not columns.unknown and not any(key for key in columns.keys if key and key != "display_name"):
        raise ServiceError(_l("None of the file's columns is one the register has. Check the header row."), "file")
    return table, columns


def run(session, actor: User | None, data: bytes | None, filename: str | None = None, *, mapping: dict | None = None,
        dry_run: bool = True, valid_only: bool = False, create_missing: bool = False,
        timezone: str = "Europe/Stockholm", progress=None) -> Report:
    """Read the file and check or import every row (see the module's docstring). ``progress(done, total)``
    is called as rows are done. The caller commits: on a dry run, or when a row was rejected and not
    ``valid_only``, everything this wrote is already rolled back."""
    table, columns = read_columns(session, actor, data, filename, mapping)
    if columns.unknown:
        return Report(unknown=columns.unknown, dry_run=dry_run)
    ctx = _Context(
        session=session, actor=actor, zone=ZoneInfo(timezone), columns=columns, headers=table.headers,
        groups={fold(g.name): g for g in session.scalars(select(CustomerGroup))},
        location_groups={fold(g.name): g for g in session.scalars(select(LocationGroup))},
        definitions={d.key: d for d in custom_fields.active_definitions(session)}, bulk=BULK,
    )
    report = Report(dry_run=dry_run, missing=_missing(ctx, table))
    outer = session.begin_nested()
    try:
        if any(report.missing.values()):
            if not (dry_run or create_missing):
                _refuse_missing(report.missing)
            _create_missing(ctx, report.missing)
        lines = [(index + 2, cells) for index, cells in enumerate(table.rows) if any(cells)]
        for start in range(0, len(lines), BATCH):
            _run_batch(ctx, report, lines[start:start + BATCH])
            if progress is not None:
                progress(min(start + BATCH, len(lines)), len(lines))
        keep = not dry_run and (valid_only or not report.rejected)
        if keep:
            counts = report.counts
            history.record(session, "import", "customer_import", None, filename or "", actor=actor, changes=[
                {"field": "customers_added", "old": None, "new": counts[CREATE]},
                {"field": "customers_updated", "old": None, "new": counts[UPDATE]},
                {"field": "customers_unchanged", "old": None, "new": counts[UNCHANGED]},
                {"field": "rows_rejected", "old": None, "new": counts[REJECTED]},
            ])
            outer.commit()
            report.stored = True
        else:
            outer.rollback()
    except BaseException:
        if outer.is_active:
            outer.rollback()
        raise
    return report


def _row_name(values: dict[str, str]) -> str:
    person = " ".join(part for part in (values.get("first_name"), values.get("last_name")) if part)
    return values.get("org_name") or values.get("display_name") or person or values.get("email") or ""
