"""How many rows a list has, without an exact COUNT(*) where that is slow (issue 12, "Counts").

* The unfiltered total of a table (``total``): on PostgreSQL the planner's estimate (``pg_class.reltuples``,
  kept by ANALYZE and autovacuum) once the table is large — the list says "about 1,000,000"; an exact
  ``COUNT(*)`` below ``EXACT_BELOW`` rows (cheap there) and always on SQLite.
* A searched or filtered list (``capped``): counts at most ``CAP`` rows past the page shown, over
  ``LIMIT``: exact when there are fewer, else "more than 1,000 results".

A ``Count`` is an ``int`` (Flask-Admin's pager computes its pages from it) that also says which kind it
is; the list template words it ("about", "more than"). Any list can use it: the organizations and users
lists do (admin/listing.py), the customers list can adopt it.
"""

from __future__ import annotations

from sqlalchemy import String, bindparam, func, literal_column, select, text

CAP = 1000
# Below this many rows (by the planner's estimate) an exact COUNT(*) takes a few milliseconds: it is used.
EXACT_BELOW = 50_000

EXACT, ESTIMATE, MORE_THAN = "exact", "estimate", "more_than"


class Count(int):
    """A row count and its kind: ``exact``; ``estimate`` (about this many); ``more_than`` (more than this)."""

    kind: str = EXACT

    def __new__(cls, value: int, kind: str = EXACT):
        count = super().__new__(cls, value)
        count.kind = kind
        return count

    @property
    def exact(self) -> bool:
        return self.kind == EXACT

    def __repr__(self) -> str:
        return f"Count({int(self)}, {self.kind!r})"


def rounded(value: int) -> int:
    """An estimate shown with two significant digits (1,003,412 -> 1,000,000; 123,456 -> 120,000)."""
    if value < 100:
        return value
    digits = len(str(value)) - 2
    return round(value, -digits)


def total(session, model, *, exact_below: int | None = None) -> Count:
    """Every row of the model's table: the planner's estimate on PostgreSQL for a large table, else exact."""
    table = model.__table__
    exact_below = EXACT_BELOW if exact_below is None else exact_below
    if session.get_bind().dialect.name == "postgresql":
        # to_regclass follows the search_path (the benchmarks' schema); quote_ident quotes "user".
        estimate = session.execute(estimate_statement(model)).scalar()
        if estimate is not None and estimate >= exact_below:
            return Count(rounded(int(estimate)), ESTIMATE)
    return Count(session.scalar(select(func.count()).select_from(table)) or 0)


def capped(session, statement, *, cap: int | None = None, offset: int = 0) -> Count:
    """The rows of ``statement`` (a SELECT with its WHERE; columns and ORDER BY don't matter), counted up to
    ``offset + cap``: exact when there are no more, else ``more_than`` that many. ``offset`` is the first
    row of the page shown, so the pager always reaches ``cap`` rows past it."""
    limit = cap_of(cap, offset)
    found = session.scalar(capped_statement(statement, limit)) or 0
    return Count(limit, MORE_THAN) if found > limit else Count(found)


def capped_ids(session, statement, column, *, cap: int | None = None, offset: int = 0) -> tuple[Count, list | None]:
    """Like ``capped``, but collecting ``column`` (the rows' ids) instead of counting: the count, and the ids
    when there are no more than ``offset + cap`` — a list that few rows match is then read by its ids (and
    sorted: at most that many), whatever its order's index would make of the condition."""
    limit = cap_of(cap, offset)
    ids = list(session.scalars(statement.with_only_columns(column, maintain_column_froms=True)
                               .order_by(None).limit(limit + 1)))
    return (Count(limit, MORE_THAN), None) if len(ids) > limit else (Count(len(ids)), ids)


def cap_of(cap: int | None = None, offset: int = 0) -> int:
    return max(0, offset) + (CAP if cap is None else cap)


def capped_statement(statement, limit: int):
    """``SELECT count(*) FROM (SELECT 1 … LIMIT limit + 1)``: the database stops after limit + 1 rows."""
    rows = (
        statement.with_only_columns(literal_column("1"), maintain_column_froms=True)
        .order_by(None)
        .limit(limit + 1)
        .subquery()
    )
    return select(func.count()).select_from(rows)


def estimate_statement(model):
    """The planner's row estimate of the model's table (PostgreSQL)."""
    return text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(quote_ident(:name))").bindparams(
        bindparam("name", model.__table__.name, type_=String)
    )
