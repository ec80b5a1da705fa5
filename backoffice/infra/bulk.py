"""Writing many new rows at once (issue 13's large imports): transient ORM objects inserted without the unit of
work, with no round trip per row, inside the caller's transaction.

The ORM inserts one row per statement here (it needs each new id back in order), and a Core executemany
with RETURNING goes through psycopg at about 2,500 rows a second; so on PostgreSQL the ids are taken from
the table's sequence in one statement and the rows go by ``COPY`` (about 7,000 customers with their person
and History a second, most of it the indexes), and on SQLite by one executemany with the ids following the
highest (RETURNING in order would be a statement per row there).

``insert_objects(session, objects)`` writes what each object holds (its attributes as set, the column's
Python default where unset, version 1) and gives every object its id, so the History recorder can describe
them afterwards (``history.record_created``). The objects stay out of the session: nothing loads them, and a
later flush does not write them again. Database constraints still hold: a violation raises as usual, and the
caller's savepoint takes the batch back.
"""

from __future__ import annotations

import json

from sqlalchemy import JSON, func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import ColumnDefault

from backoffice.models.history import WRITTEN_KEY


_managers: dict = {}  # model -> its class manager


def new(model: type, **values):
    """A transient ``model`` object holding ``values`` (relationships too), made without attribute events:
    what ``insert_objects`` writes and History describes, built at a fraction of the constructor's cost."""
    manager = _managers.get(model) or _managers.setdefault(model, inspect(model).class_manager)
    obj = manager.new_instance()
    obj.__dict__.update(values)
    return obj


def _defaults(table) -> dict[str, object]:
    """Column key -> its ColumnDefault (scalar or callable), for the columns that have one."""
    return {column.key: column.default for column in table.columns if isinstance(column.default, ColumnDefault)}


def _default(default: ColumnDefault):
    return default.arg(None) if default.is_callable else default.arg


def _values(mapper, objects: list, keys: list[str], defaults: dict) -> list[dict]:
    """Each object's row; a default used is set on the object too, as a flush does, so History sees it."""
    attributes = [(key, mapper.get_property_by_column(mapper.local_table.c[key]).key) for key in keys]
    rows = []
    for obj in objects:
        state = obj.__dict__  # (the instance's state dict: bulk.new's objects have no events to bypass)
        row = {}
        for key, name in attributes:
            if name not in state:
                state[name] = _default(defaults[key]) if key in defaults else None
            row[key] = state[name]
        rows.append(row)
    return rows


def insert_objects(session, objects: list) -> None:
    """Insert transient objects of one mapped class; each gets its primary key (if the table generates one)."""
    if not objects:
        return
    mapper = inspect(type(objects[0]))
    table = mapper.local_table
    pk = _generated_key(table)
    keys = [column.key for column in table.columns if column is not pk]
    defaults = _defaults(table)
    rows = _values(mapper, objects, keys, defaults)
    ids = _insert(session, table, pk, keys, rows)
    if pk is not None:
        pk_attr = mapper.get_property_by_column(pk).key
        written = session.info.setdefault(WRITTEN_KEY, {})
        for obj, new_id in zip(objects, ids, strict=True):
            setattr(obj, pk_attr, new_id)
            written[(mapper.class_, new_id)] = obj


def forget(session) -> None:
    """Drop the written objects the session remembered for History's labels (models/history.py)."""
    session.info.pop(WRITTEN_KEY, None)


def insert_rows(session, table, rows: list[dict]) -> None:
    """Insert plain rows (column key -> value; a column a row lacks gets its default)."""
    if not rows:
        return
    pk = _generated_key(table)
    defaults = _defaults(table)
    keys = [column.key for column in table.columns if column is not pk]
    filled = [{key: row[key] if key in row else (_default(defaults[key]) if key in defaults else None)
               for key in keys} for row in rows]
    _insert(session, table, pk, keys, filled)


def _generated_key(table):
    """The primary key the database numbers (None for one given, such as billing information's customer_id)."""
    return table.autoincrement_column


def _insert(session, table, pk, keys: list[str], rows: list[dict]) -> list[int]:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, pk, keys, rows)
    if pk is None:
        connection.execute(insert(table), rows)
        return []
    # SQLite: RETURNING in the rows' order would cost a statement per row, so the ids are the next ones
    # after the highest; SQLite has one writer at a time, and two imports that still collide get an
    # IntegrityError (the caller's savepoint then writes the batch row by row).
    start = connection.execute(select(func.coalesce(func.max(pk), 0))).scalar_one()
    ids = list(range(start + 1, start + 1 + len(rows)))
    connection.execute(insert(table), [{pk.key: new_id, **row} for new_id, row in zip(ids, rows)])
    return ids


def _copy(connection, table, pk, keys: list[str], rows: list[dict]) -> list[int]:
    ids: list[int] = []
    if pk is not None:
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": pk.name}).scalar_one()
        ids = list(connection.execute(text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                      {"s": sequence, "n": len(rows)}).scalars())
    as_json = {column.key for column in table.columns if isinstance(column.type, JSON)}
    columns = ([pk.name] if pk is not None else []) + [table.c[key].name for key in keys]
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for index, row in enumerate(rows):
                values = [json.dumps(row[key]) if key in as_json and row[key] is not None else row[key]
                          for key in keys]
                copy.write_row([ids[index], *values] if pk is not None else values)
    except dbapi.Error as error:  # as SQLAlchemy raises it for its own statements (IntegrityError …)
        raise DBAPIError.instance(statement, None, error, dbapi.Error, dialect=connection.dialect) from None
    finally:
        cursor.close()
    return ids
