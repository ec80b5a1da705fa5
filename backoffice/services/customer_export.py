"""CSV export of every customer (soft-deleted ones included), streamed from the database.

Headers in the reader's language; the separator Excel expects in that language (``;`` for Swedish,
``,`` for English); a UTF-8 BOM first so Excel reads UTF-8; cells that a spreadsheet would run as a
formula are neutralised.

Every cell is formatted in SQL (``cells_query``): the translated labels of status, type and payment method
as ``CASE … WHEN 'ACTIVE' THEN 'AKTIV'`` with bound literals, the deletion time in the reader's time zone,
the formula guard, an empty text as NULL. The columns are defined once, in services/customer_columns.py, which
the register upload reads too (issue 13). Two ways out, byte for byte the same file:

- PostgreSQL (psycopg 3): ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` on the session's connection; Python
  only forwards the bytes (each row's ``\\n`` becomes ``\\r\\n``, as csv.writer ends rows).
- anything else (SQLite; and PostgreSQL when asked, to compare): the same SELECT read in batches of
  ``BATCH`` rows, written by csv.writer.

Memory stays flat: at most one batch (or one 64 KB chunk) is held at a time.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import String, and_, case, func, literal, select, type_coerce

from backoffice.infra.spreadsheet import BOM, CHUNK_BYTES, FORMULA_STARTS, SEPARATORS, language_of, neutralise
from backoffice.models import BillingInfo, Customer, LocationGroup, Organization, User
from backoffice.services import custom_fields
from backoffice.services.customer_columns import COLUMNS, GROUP_NAMES, Person, headers
from backoffice.services.customer_list import STATUSES, conditions
from backoffice.services.validation import parse_id

BATCH = 1000  # rows per fetch on the generic path (about 2 MB of Python strings)

# --- the query ---------------------------------------------------------------------------------------
def _from(query):
    return (
        query.select_from(Customer)
        .outerjoin(Organization, Customer.organization_id == Organization.id)
        .outerjoin(User, Customer.admin_user_id == User.id)
        .outerjoin(BillingInfo, BillingInfo.customer_id == Customer.id)
        .outerjoin(LocationGroup, Customer.location_group_id == LocationGroup.id)  # (issue 11, fields)
        .outerjoin(Person, and_(Person.customer_id == Customer.id, Person.is_person.is_(True)))
        .outerjoin(GROUP_NAMES, GROUP_NAMES.c.customer_id == Customer.id)  # (issue 13) its groups' names
    )


def _narrowed(query, *, search=None, ids=None, status=None, group_id=None, **more):
    """"This filtered view": ``search``, ``status``, ``group_id`` and the rest narrow it exactly as they narrow
    the customers list (services/customer_list.conditions); ``ids`` to just those customers."""
    status = status if status in STATUSES else None
    # exactly the rows the customers list shows for them (an unknown group: none)
    query = query.where(*conditions(search=search, status=status, group_id=group_id, **more))
    if ids is not None:
        wanted = sorted({n for n in (parse_id(str(i).strip()) for i in ids) if n is not None})
        query = query.where(Customer.id.in_(wanted))
    return query.order_by(Customer.display_name, Customer.id)  # (issue 11, private) the list's order


def export_query(*, search=None, ids=None, status=None, group_id=None,
                 **more):  # (issue 11: payment_method, location_group_id, customer_type)
    """The export's rows as the database has them (each column by its key, then ``custom_values``), in list
    order, narrowed like ``cells_query``."""
    query = _from(select(*(column.sql.label(column.key) for column in COLUMNS), Customer.custom_values))
    return _narrowed(query, search=search, ids=ids, status=status, group_id=group_id, **more)


def _text(expr):
    return type_coerce(expr, String)


def _neutralised(expr, dialect: str):
    """The formula guard of spreadsheet.neutralise, in SQL; an empty text as NULL (written as nothing)."""
    expr = _text(expr)
    first = func.ascii(expr) if dialect == "postgresql" else func.unicode(expr)
    return case((first.in_([ord(c) for c in FORMULA_STARTS]), literal("'", String).concat(expr)),
                else_=func.nullif(expr, ""))


def _local_time(expr, zone: ZoneInfo, dialect: str):
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone.key, expr), "YYYY-MM-DD HH24:MI")
    return getattr(func, _SQLITE_LOCAL_TIME)(expr, zone.key)  # a Python function registered on the connection


def _custom_cell(definition, yes: str, no: str, dialect: str):
    """A custom field's value as custom_fields.display_value reads it (yes/no: Yes or No)."""
    if dialect == "postgresql":
        if definition.field_type == "yesno":
            value = func.json_extract_path(Customer.custom_values, definition.key)
            return case((and_(func.json_typeof(value) == "boolean",
                              func.json_extract_path_text(Customer.custom_values, definition.key) == "true"),
                         literal(yes, String)), else_=literal(no, String))
        return func.json_extract_path_text(Customer.custom_values, definition.key)
    path = f'$."{definition.key}"'
    if definition.field_type == "yesno":
        return case((func.json_type(Customer.custom_values, path) == "true", literal(yes, String)),
                    else_=literal(no, String))
    return func.json_extract(Customer.custom_values, path)


def cells_query(dialect: str, *, language: str, zone: ZoneInfo, definitions=(), search=None, ids=None,
                status=None, group_id=None, **more):
    """The file's rows as SQL: one text cell per column of ``headers`` (NULL for an empty cell), labels in
    ``language``, times in ``zone``, formulas neutralised."""
    cells = []
    with force_locale(language_of(language)):
        for column in COLUMNS:
            value = column.sql
            if column.labels:
                value = case({code: literal(str(label), String) for code, label in column.labels.items()},
                             value=value, else_=value)
            if column.kind == "datetime":
                value = _local_time(value, zone, dialect)
            cells.append(_neutralised(value, dialect).label(column.key))
        for definition in definitions:
            yes, no = custom_fields.display_value(definition, True), custom_fields.display_value(definition, None)
            cells.append(_neutralised(_custom_cell(definition, yes, no, dialect), dialect)
                         .label(f"custom_{definition.key}"))
    query = _from(select(*cells))
    return _narrowed(query, search=search, ids=ids, status=status, group_id=group_id, **more)


# --- writing ----------------------------------------------------------------------------------------
_SQLITE_LOCAL_TIME = "bo_local_minute"


@lru_cache(maxsize=64)
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def _sqlite_local_minute(value, zone_key):
    """(SQLite has no time zones) a stored UTC time as "YYYY-MM-DD HH:MM" in the zone."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # SQLite keeps naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(zone_key)).strftime("%Y-%m-%d %H:%M")


def _header_bytes(header: list[str], separator: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerow([neutralise(h) for h in header])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _copy_rows(session, query, separator: str):
    """PostgreSQL: the rows as COPY writes them, each ending "\\r\\n", in chunks of about CHUNK_BYTES.

    COPY can't take server-side parameters: psycopg binds them client-side (as literals) when ``params``
    is given to ``cursor.copy``."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    statement = f"COPY ({compiled.string}) TO STDOUT (FORMAT csv, DELIMITER '{separator}')"
    raw = connection.connection.driver_connection
    encoding = raw.info.encoding  # the client encoding, as a Python codec name
    recode = encoding.replace("-", "").lower() != "utf8"

    def chunk(rows: list) -> bytes:
        # One row per read (libpq hands over a COPY row at a time), ending in the row's "\n"; a newline inside
        # a cell is quoted and stays "\n", as csv.writer leaves it. As many "\n" as rows: none inside a cell.
        data = b"".join(rows)
        if data.count(b"\n") == len(rows):
            data = data.replace(b"\n", b"\r\n")
        else:
            data = b"".join(bytes(row[:-1]) + b"\r\n" for row in rows)
        return data.decode(encoding).encode("utf-8") if recode else data

    rows, size = [], 0
    with raw.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        for row in copy:
            rows.append(row)
            size += len(row)
            if size >= CHUNK_BYTES:
                yield chunk(rows)
                rows, size = [], 0
    if rows:
        yield chunk(rows)


def _batched_rows(session, query, separator: str):
    """Any database: the rows in batches of BATCH (a server-side cursor where there is one), csv.writer."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.create_function(
            _SQLITE_LOCAL_TIME, 2, _sqlite_local_minute, deterministic=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    # (for this statement only: Connection.execution_options would change the session's connection for good, and
    # every later statement on it — a SAVEPOINT too — would be sent as a server-side cursor)
    result = connection.execute(query, execution_options={"yield_per": BATCH})
    try:
        for rows in result.partitions():
            writer.writerows(rows)
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    finally:
        result.close()


def uses_copy(session) -> bool:
    """Whether the export streams with PostgreSQL's COPY (psycopg 3 on PostgreSQL)."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.driver == "psycopg"


def iter_customer_csv(session, *, language, search=None, ids=None, timezone="Europe/Stockholm", status=None,
                      group_id=None, copy: bool | None = None,
                      **more):  # (issue 11: payment_method, location_group_id, customer_type)
    """Yield the CSV as UTF-8 encoded chunks: BOM and header first, then the rows as they come.

    ``copy``: None (the default) streams with COPY where it can (``uses_copy``); False takes the generic
    path on any database (the tests compare the two)."""
    language = language_of(language)
    zone = _zone(timezone or "Europe/Stockholm")
    separator = SEPARATORS[language]
    definitions = custom_fields.active_definitions(session)
    use_copy = uses_copy(session) if copy is None else (copy and uses_copy(session))
    dialect = session.get_bind().dialect.name
    query = cells_query(dialect, language=language, zone=zone, definitions=definitions, search=search, ids=ids,
                        status=status, group_id=group_id, **more)
    yield _header_bytes(headers(language, definitions), separator)
    yield from (_copy_rows if use_copy else _batched_rows)(session, query, separator)


def filename(today=None) -> str:
    today = today or datetime.now(ZoneInfo("Europe/Stockholm")).date()
    return f"customers-{today.isoformat()}.csv"
