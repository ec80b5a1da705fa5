"""One search word against one column, on an index (issue 12, "Search") — every list's search and the
pickers' build their conditions from ``word_matches``.

* A word of three characters or more matches anywhere in the column: ``ILIKE '%word%'`` (``LIKE`` on a
  column stored normalized), served by the column's pg_trgm GIN index on PostgreSQL.
* A word of one or two characters matches the START of the column: trigrams need three characters, so
  ``'%ek%'`` would read every row. ``lower(col) LIKE 'ek%'`` is a range scan of an index on ``lower(col)``
  with ``text_pattern_ops`` on PostgreSQL (the ``*_prefix`` indexes of the models); on SQLite the same
  prefix is written as a range, ``lower(col) >= 'ek' AND lower(col) < 'el'``, which its plain index on
  ``lower(col)`` serves (SQLite can't use an index for ``LIKE`` on an expression). So "ek" finds "Ekström
  AB" and "ek@example.com", not "Berg Ek AB" (a prefix of any word would need a word index; three letters
  find it anywhere).

SQLite's ``lower()`` lowers ASCII only ("Åk" stays "Åk"), PostgreSQL's every letter. The word is lowered in
Python, and a short word's non-ASCII letters are tried in both cases ("åk" and "Åk"): the same rows match on
both databases. A ``%`` or ``_`` typed is a character, not a wildcard.
"""

from __future__ import annotations

from itertools import product

from sqlalchemy import ARRAY, Boolean, bindparam, func, literal, or_, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# Words shorter than this match as a prefix (pg_trgm extracts no trigram from fewer characters).
ANYWHERE_FROM = 3


def escape_like(word: str) -> str:
    """The word as a LIKE pattern's literal part (``ESCAPE '\\'``)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def anywhere(word: str) -> bool:
    """The word is long enough to be looked for anywhere in a column (trigrams)."""
    return len(word) >= ANYWHERE_FROM


def word_matches(column, word: str, *, normalized: bool = False, inside: bool = False):
    """``column`` contains ``word`` (three characters or more) or starts with it (one or two), case-insensitively.

    ``normalized``: the column is stored normalized (an e-mail lowercased, an organization-number key) and
    the caller has normalized the word the same way: compared as they are (``LIKE``), and the column's
    prefix index is on the column itself; otherwise on ``lower(column)``.

    ``inside``: a short word beside a longer one ("Beta AB"): found anywhere too — the longer word's
    index finds the rows, this one only narrows them (``short_inside``)."""
    if anywhere(word) or inside:
        if normalized:
            return column.like(f"%{escape_like(word)}%", escape="\\")
        return column.ilike(f"%{escape_like(word)}%", escape="\\")
    if normalized:
        return prefix_match(column, word)
    key = func.lower(column)
    return or_(*(prefix_match(key, variant) for variant in case_variants(word.lower())))


def short_inside(words: list[str]) -> bool:
    """Short words of this search match anywhere: another word has three letters or more ("beta ab")."""
    return any(anywhere(word) for word in words)


def case_variants(word: str) -> list[str]:
    """The lowercased word, and with its non-ASCII letters also uppercase: what SQLite's ASCII-only
    ``lower()`` leaves of a name ("Åkesson" -> "Åkesson", "ÅKESSON" -> "Åkesson"). At most four for a short word."""
    choices = []
    for ch in word:
        upper = ch.upper()
        choices.append((ch, upper) if not ch.isascii() and len(upper) == 1 and upper != ch else (ch,))
    return ["".join(chars) for chars in product(*choices)]


class prefix_match(FunctionElement):
    """``key`` starts with ``prefix`` (both as given: the caller lowers them). PostgreSQL (and any other
    database): ``key LIKE 'prefix%'``; SQLite: ``key >= 'prefix' AND key < 'prefiy'`` (byte order)."""

    type = Boolean()
    name = "prefix_match"
    inherit_cache = True
    _is_implicitly_boolean = True  # (a comparison: no "= 1" after it on SQLite)

    def __init__(self, key, prefix: str):
        super().__init__(key, literal(prefix), literal(escape_like(prefix) + "%"), literal(_above(prefix)))


def _above(prefix: str) -> str:
    """A string above every string that starts with ``prefix`` (its last character's successor)."""
    last = ord(prefix[-1]) if prefix else 0x10FFFF
    if last >= 0x10FFFF or 0xD7FF <= last < 0xE000:  # (no successor to write: the highest character after it)
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(last + 1)


@compiles(prefix_match)
def _prefix_like(element, compiler, **kw):
    key, _low, pattern, _high = element.clauses
    return compiler.process(key.like(pattern, escape="\\"), **kw)


@compiles(prefix_match, "sqlite")
def _prefix_range(element, compiler, **kw):
    key, low, _pattern, high = element.clauses
    return "(%s)" % compiler.process((key >= low) & (key < high), **kw)


class in_ids(FunctionElement):
    """``column IN (ids)`` for a subquery that is one branch of an OR (a search word found in another table:
    a contact's e-mail, an organization's number) where every branch is to be read by its own index.
    PostgreSQL: ``column = ANY(ARRAY(ids))`` — the subquery runs once, and the array is a condition the
    column's index serves beside the other branches' (a BitmapOr), where ``IN (subquery)`` inside an OR is a
    hashed filter, checked row by row (right when walking an index, not for finding the rows). SQLite:
    ``column IN (ids)``, which its planner serves by the index either way."""

    type = Boolean()
    name = "in_ids"
    inherit_cache = True
    _is_implicitly_boolean = True

    def __init__(self, column, ids):
        super().__init__(column, ids.scalar_subquery())


@compiles(in_ids)
def _in_ids_any(element, compiler, **kw):
    column, ids = element.clauses
    return "%s = ANY(ARRAY%s)" % (compiler.process(column, **kw), compiler.process(ids, **kw))


@compiles(in_ids, "sqlite")
def _in_ids_in(element, compiler, **kw):
    column, ids = element.clauses
    return "%s IN %s" % (compiler.process(column, **kw), compiler.process(ids, **kw))


class among(FunctionElement):
    """``column IN (values)`` for a batch's many values (an import's 1,000 customer numbers), or
    ``(column, column) IN (pairs)`` for a tuple of columns. PostgreSQL: a semi-join against
    ``unnest(:array, …)``, one array parameter per column, which the planner serves by a B-tree index
    lookup per value. An ``IN`` list or ``= ANY(:array)`` of 1,000 values is planned on the column's
    pg_trgm GIN index instead (pg_trgm serves ``=``), which reads the index's pending list of every row
    inserted since the last vacuum once per value: 5 s a query inside an import (issue 13: 100,000 rows
    took 253 s instead of 45). SQLite: ``column IN (values)``, by its index."""

    type = Boolean()
    name = "among"
    inherit_cache = True
    _is_implicitly_boolean = True

    def __init__(self, columns, values):
        columns = tuple(columns) if isinstance(columns, (tuple, list)) else (columns,)
        rows = sorted(values) if len(columns) > 1 else sorted((value,) for value in values)
        arrays = [bindparam(None, [row[i] for row in rows], type_=ARRAY(column.type))
                  for i, column in enumerate(columns)]
        target = tuple_(*columns) if len(columns) > 1 else columns[0]
        in_ = target.in_(rows if len(columns) > 1 else [row[0] for row in rows])
        super().__init__(in_, *columns, *arrays)


@compiles(among)
def _among_unnest(element, compiler, **kw):
    _in, *rest = element.clauses
    columns, arrays = rest[:len(rest) // 2], rest[len(rest) // 2:]
    target = ", ".join(compiler.process(column, **kw) for column in columns)
    return "(%s) IN (SELECT * FROM unnest(%s))" % (target, ", ".join(compiler.process(a, **kw) for a in arrays))


@compiles(among, "sqlite")
def _among_in(element, compiler, **kw):
    in_ = element.clauses.clauses[0]
    return compiler.process(in_, **kw)
