"""The customers list (seed 000): search, sort, paging and count, for the admin list, the CSV export's
search, the sharing picker and the benchmarks.

``list_page(session, actor, ...)`` is the one list query. Its filters are keyword arguments beside
``search`` — ``status`` (all, active, inactive, deleted) and ``group_id`` (issue 11); later ones (customer
type, payment method, location group) come the same way — each one condition in ``conditions``, so the
rows, the count and the CSV export ("this filtered view") always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select, tuple_, union
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.sql.util import ClauseAdapter

from backoffice.models import (Contact, Customer, CustomerAssignment, CustomerGroup, CustomerGroupMember, LocationGroup,
                               Organization)
from backoffice.models.customer import PAYMENT_METHODS
from backoffice.models.organization import org_number_key
from backoffice.services import counting, customer_scope
from backoffice.services.matching import anywhere, escape_like, in_ids, short_inside, word_matches
from backoffice.services.validation import search_text

PAGE_SIZE = 20
PAGE_MAX = 10**6
# Keyset paging (issue 12): the first KEYSET_WINDOW pages are page numbers (an OFFSET over the sort's index
# is cheap there); past them the pager moves by a cursor (after= / before= the id of the row at the page's
# edge) and "Last" is the first page of the reverse order. A page number past the window still works, by a
# deferred join (the page's ids from an index-only OFFSET, then the rows).
KEYSET_WINDOW = 10
# A searched or filtered list of at most this many rows is read by its ids (list_count), not by its filters.
IDS_UP_TO = 2000
# The sortable columns (list column name -> the keys, before the organization-name tie-break).
SORTS = ("organization", "status", "allow_shared_billing")
# The quick status filters (issue 11). "all" is what the list has always shown: every customer, the
# deleted ones included (marked as deleted); the others narrow it.
STATUSES = ("all", "active", "inactive", "deleted")
# --- (issue 11, private) the customer type filter
CUSTOMER_TYPES = ("business", "private")
# --- end (issue 11, private)


@dataclass
class Page:
    rows: list[Customer]
    count: int
    # ``group_id`` named a group that doesn't exist (deleted since the link was copied): the list is empty
    # and says so, instead of silently showing every customer.
    group_missing: bool = False
    group: CustomerGroup | None = None
    # --- (issue 11, fields) the same for ``location_group_id``
    location_group_missing: bool = False
    location_group: LocationGroup | None = None
    # --- (issue 12) where the page is: ``page`` its 0-based number when known (None after a cursor);
    # ``mode`` how it was read: "page" (OFFSET), "deep" (a page number past the window: deferred join),
    # "after" / "before" (a cursor), "last" (the reverse order); whether there are rows before and after it.
    page: int | None = 0
    mode: str = "page"
    has_previous: bool = False
    has_next: bool = False
    # the cursor given named no row of this list (deleted since, or filtered out): page 1 is shown
    cursor_missing: bool = False

    @property
    def first_id(self) -> int | None:
        return self.rows[0].id if self.rows else None

    @property
    def last_id(self) -> int | None:
        return self.rows[-1].id if self.rows else None


# --- search --------------------------------------------------------------------------------------
def words(search: str | None) -> list[str]:
    """At most five words of at most 100 characters; NUL (which PostgreSQL refuses) is dropped."""
    return [w[:100] for w in search_text(search, 1000).split() if w][:5]


def like(word: str) -> str:
    return f"%{escape_like(word)}%"


def organization_matches(word: str, inside: bool = False):
    """One search word against an organization: its name (services/matching.py: from three letters anywhere,
    one or two at its start), or its number with spaces and dashes ignored (from three characters: one or
    two digits start nearly every organization number)."""
    conditions = [word_matches(Organization.name, word, inside=inside)]
    key = org_number_key(word)
    if key and anywhere(key):
        conditions.append(word_matches(Organization.org_number_key, key, normalized=True))
    return or_(*conditions)


def _word_branches(word: str, inside: bool, bitmap: bool = False) -> list:
    """The ways one search word matches a customer, each a condition its own index serves: the stored
    display name (ix_customer_display_name_trgm; the services keep it equal to the organization's name,
    services/display_names.py), a private person's lowercased e-mail, an organization number (words with a
    digit, from three characters), the customer number (words of digits only).

    ``bitmap``: the conditions read every match by the indexes (the other tables' ids as matching.in_ids, so
    that the planner can OR the branches' bitmaps); otherwise they are the filter of a walk along the list's
    order (those ids a hashed set each row is looked up in)."""
    among = in_ids if bitmap else (lambda column, ids: column.in_(ids))
    branches = [
        word_matches(Customer.display_name, word, inside=inside),
        # (issue 11, private) a private customer by its person's lowercased e-mail
        among(Customer.id, select(Contact.customer_id).where(
            Contact.is_person.is_(True), word_matches(Contact.email_key, word.lower(), normalized=True, inside=inside))),
    ]
    key = org_number_key(word)
    if key and any(ch.isdigit() for ch in key) and anywhere(key):  # an organization number has digits
        branches.append(among(Customer.organization_id, select(Organization.id).where(
            word_matches(Organization.org_number_key, key, normalized=True))))
    if word.isdigit():  # customer numbers are digits only: other words can't match one
        branches.append(word_matches(Customer.customer_number, word, normalized=True, inside=inside))
    return branches


def search_condition(search: str | None, bitmap: bool = False):
    """The list's search: every word matches the customer's display name (the organization's name, or a
    private customer's person's name), an organization number, the customer number, or a private
    customer's person's e-mail — each word one OR over ``_word_branches`` on the customer row.

    This is the condition a walk along the sort's index filters by: right when many rows match (a common
    word: the first page is found after a few hundred rows). Where few match, ``few_ids`` finds them first,
    each branch on its own index (``list_page`` and the pickers do; the CSV export filters by this).

    Each column is matched by services/matching.word_matches: a word of three letters or more anywhere in
    it (the trigram indexes), one of one or two letters at its start (the ``*_prefix`` indexes): "ek" finds
    "Ekström AB", not "Berg Ek AB". An organization number is looked for from three characters.
    """
    condition = None
    found = words(search)
    inside = short_inside(found)  # ("beta ab": "ab" anywhere, among the rows "beta" finds)
    for word in found:
        word_condition = or_(*_word_branches(word, inside, bitmap))
        condition = word_condition if condition is None else condition & word_condition
    return condition


def few_ids_statement(search: str | None, among: list, limit: int):
    """The ids of at most ``limit`` customers that the search finds and that meet ``among`` (the other
    filters), each of the search's branches on its own index and stopped after ``limit`` rows: one
    ``SELECT … LIMIT`` per way the search's longest word matches (``_word_branches``), the other words and
    ``among`` as filters in each, united. Every match matches the longest word one way or another, so when
    no branch reaches ``limit`` these are all the matches; when one does, there are at least ``limit``.
    Without a search word: the ids ``among`` finds, up to ``limit``."""
    found = words(search)
    if not found:
        return select(Customer.id).where(*among).limit(limit)
    inside = short_inside(found)
    lead = max(range(len(found)), key=lambda i: len(found[i]))  # (the first of the longest: fewest matches)
    rest = [or_(*_word_branches(word, inside)) for i, word in enumerate(found) if i != lead]
    parts = [select(Customer.id).where(branch, *rest, *among).limit(limit).subquery()
             for branch in _word_branches(found[lead], inside)]
    ids = union(*(select(part.c.id) for part in parts)).subquery()
    return select(ids.c.id).limit(limit)


def few_ids(session, search: str | None, among: list, limit: int | None = None) -> list[int] | None:
    """Every id ``few_ids_statement`` finds when there are at most ``limit`` (counting.CAP), else None (many
    match: read as ``_searched_page`` says)."""
    limit = counting.CAP if limit is None else limit
    ids = list(session.scalars(few_ids_statement(search, among, limit + 1)))
    return ids if len(ids) <= limit else None


def searched(session, query, search: str | None, limit: int):
    """``query`` (a picker's: customers in the list's default order, display name and id, at most ``limit``)
    narrowed to the list's search the way the list reads a searched page (``_searched_page``): the ids
    ``few_ids`` finds among the query's own conditions when they are few; else the first ``limit`` matches
    among the list's first rows (``walked_ids``); else every match by the search's indexes, sorted."""
    if not words(search):
        return query
    among = [query.whereclause] if query.whereclause is not None else []
    ids = few_ids(session, search, among)
    if ids is None:
        ids = walked_ids(session, [*among, search_condition(search)], search, size=limit)
    if ids is None:
        ids = sorted_ids(session, [*among, search_condition(search, bitmap=True)], size=limit)
    return query.where(Customer.id.in_(ids)).order_by(None).order_by(*_order(None, False, indexed=False))


# --- filters -----------------------------------------------------------------------------------
def status_condition(status: str | None):
    """active / inactive: not deleted, with that status; deleted: soft-deleted; all (or None): no condition.
    (ix_customer_deleted_status serves each.)"""
    if status == "active":
        return Customer.deleted_at.is_(None) & (Customer.status == "ACTIVE")
    if status == "inactive":
        return Customer.deleted_at.is_(None) & (Customer.status == "INACTIVE")
    if status == "deleted":
        return Customer.deleted_at.is_not(None)
    return None


# --- (issue 11, fields): payment method and location group (ix_customer_payment_method,
# ix_customer_location_group_id)
def payment_method_condition(payment_method: str | None):
    """Customers paying that way; "none": those with no payment method set; None: no condition."""
    if payment_method is None:
        return None
    if payment_method == "none":
        return Customer.payment_method.is_(None)
    return Customer.payment_method == payment_method


def location_group_condition(location_group_id: int | None):
    if location_group_id is None:
        return None
    return Customer.location_group_id == location_group_id
# --- end (issue 11, fields)


def group_condition(group_id: int | None):
    """Members of the group (the membership's index on group_id); an unknown group has none."""
    if group_id is None:
        return None
    members = select(CustomerGroupMember.customer_id).where(CustomerGroupMember.group_id == group_id)
    return Customer.id.in_(members.scalar_subquery())


# --- (issue 11, private)
def customer_type_condition(customer_type: str | None):
    """business / private; anything else (or None): no condition."""
    if customer_type in CUSTOMER_TYPES:
        return Customer.type == customer_type
    return None
# --- end (issue 11, private)


# --- (issue 14) assigned users: ix_customer_assignment_user_customer for a user, the primary key for "nobody"
def assigned_condition(assigned_to):
    """``assigned_to``: a user's id (the customers assigned to them), "none" (to nobody), None: no condition."""
    if assigned_to is None:
        return None
    if assigned_to == "none":
        return ~exists().where(CustomerAssignment.customer_id == Customer.id)
    return exists().where(CustomerAssignment.customer_id == Customer.id, CustomerAssignment.user_id == assigned_to)


def assigned_to(actor, assigned):
    """The list's ``assigned`` as ``conditions`` takes it: "me" is the reader's own id."""
    if assigned == "me":
        return getattr(actor, "id", None) or 0  # (nobody signed in: no customer is assigned to nobody in particular)
    return assigned if assigned == "none" or isinstance(assigned, int) else None


# --- the list ------------------------------------------------------------------------------------
def conditions(*, search: str | None = None, status: str | None = None, group_id: int | None = None,
               payment_method: str | None = None, location_group_id: int | None = None,
               customer_type: str | None = None, ids: list[int] | None = None, bitmap: bool = False,
               assigned_to=None, visible_to=None) -> list:
    """Every filter of the list as WHERE conditions (the rows, the count and the CSV export use the same
    ones). ``ids``: the list's rows already found (``list_count``): just those. ``bitmap``: the search as
    ``search_condition`` reads every match by its indexes."""
    if ids is not None:
        return [Customer.id.in_(ids)]  # (found with every condition below, the reader's scope too)
    found = [customer_scope.visible(visible_to),  # (issue 14: only assigned; None, the system: every customer)
             search_condition(search, bitmap), status_condition(status), group_condition(group_id)]
    # --- (issue 11, fields)
    found += [payment_method_condition(payment_method), location_group_condition(location_group_id)]
    # --- end (issue 11, fields)
    found.append(customer_type_condition(customer_type))  # (issue 11, private)
    found.append(assigned_condition(assigned_to))  # (issue 14)
    return [c for c in found if c is not None]


_conditions = conditions


def sort_keys(sort: str | None) -> list:
    """The list's order for a sort, as expressions, every one ascending: the sort's keys, then the stored
    display name, then the id (unique: a total order, so a cursor's row values name one place in it).
    Each sort has an index on exactly these keys (ix_customer_state_name, ix_customer_shared_name,
    ix_customer_display_name_id), walked forwards or backwards."""
    if sort == "status":
        keys = [Customer.deleted_at.is_not(None), Customer.status]
    elif sort == "allow_shared_billing":
        keys = [Customer.allow_shared_billing]
    else:  # "organization" (the name column: its URL param kept) and the default
        keys = []
    return [*keys, Customer.display_name, Customer.id]  # (issue 11, private: the stored display name)


def _order(sort: str | None, desc: bool, indexed: bool = True) -> list:
    """The list's ORDER BY. Not ``indexed``: the same order, its first key written so that no index serves
    it (``coalesce(k, k)``), so the planner finds the rows by their conditions' indexes and sorts them,
    instead of walking the sort's index (see ``_searched_page``)."""
    keys = sort_keys(sort)
    if not indexed:
        keys[0] = func.coalesce(keys[0], keys[0])
    return [k.desc() if desc else k.asc() for k in keys]


def list_statement(*, search: str | None = None, sort: str | None = None, desc: bool = False,
                   status: str | None = None, group_id: int | None = None, indexed: bool = True,
                   **more):  # (issue 11: payment_method, location_group_id, customer_type)
    """The rows in list order (sorted by the stored, indexed display name; the organizations by an outer
    join, since a private customer has none; the admins in one more query)."""
    return (
        select(Customer)
        .outerjoin(Organization, Organization.id == Customer.organization_id)
        .options(contains_eager(Customer.organization), selectinload(Customer.admin))
        .where(*conditions(search=search, status=status, group_id=group_id, **more))
        .order_by(*_order(sort, desc, indexed))
    )


def count_statement(*, search: str | None = None, status: str | None = None, group_id: int | None = None,
                    **more):  # (issue 11: payment_method, location_group_id, customer_type)
    """The exact count of the list (every customer, business or private: no join, the conditions alone).
    The list itself counts with ``list_count`` (an estimate or a capped count where this is slow)."""
    return (
        select(func.count()).select_from(Customer)
        .where(*conditions(search=search, status=status, group_id=group_id, **more))
    )


def list_count(session, *, offset: int = 0, search: str | None = None,
               **filters) -> tuple[counting.Count, list[int] | None]:
    """The list's count as services/counting.py takes it (issue 12, "Counts"), and its rows' ids when there
    are few. The whole list (no filter, no search word) is ``counting.total`` — the planner's estimate on
    PostgreSQL once the table is large ("about 1,000,000"), else exact. A searched or filtered list is
    counted by finding its ids (``few_ids``: each search branch on its own index) up to ``CAP`` rows past
    the page's first row ``offset``: exact when fewer — and then its pages are read by those ids (at most
    ``IDS_UP_TO``), sorting a few rows instead of walking an index past a million that don't match — else
    "more than …", and the page is found as ``_searched_page`` says."""
    among = conditions(**filters)
    if not among and not words(search):
        return counting.total(session, Customer), None
    limit = counting.cap_of(offset=offset)
    ids = few_ids(session, search, among, limit)
    if ids is None:
        return counting.Count(limit, counting.MORE_THAN), None
    return counting.Count(len(ids)), (ids if len(ids) <= IDS_UP_TO else None)


def list_page(session, actor, *, search: str | None = None, sort: str | None = None, desc: bool = False,
              page: int = 0, page_size: int = PAGE_SIZE, status: str | None = None,
              group_id: int | None = None,
              payment_method: str | None = None, location_group_id: int | None = None,
              customer_type: str | None = None, assigned=None,
              after: int | None = None, before: int | None = None, last: bool = False) -> Page:
    """One page of the customers list (``page`` 0-based) and the number of rows of the whole list (``count``:
    a ``counting.Count``, exact, estimated or capped).

    Paging (issue 12): ``page`` numbers for the first KEYSET_WINDOW pages (OFFSET), a deferred join past
    them; ``after`` / ``before`` the id of the row just before / after the page (keyset: the rows after it
    in list order, or before it); ``last`` the last page (the reverse order). A cursor that names no row of
    this list gives page 1 (``cursor_missing``). ``Page.page``, ``has_previous`` and ``has_next`` say
    where the page is, for the pager.

    ``status`` is one of STATUSES (None or anything else: "all"); ``group_id`` narrows the list to that
    group's members — a group that doesn't exist gives no rows and ``group_missing``. ``assigned`` (issue 14):
    "me" (assigned to ``actor``), "none" (to nobody) or a user's id.

    ``actor`` is who reads it: a user who may view only assigned customers sees only those
    (services/customer_scope.py; None, the system, sees every one)."""
    page = max(0, min(page or 0, PAGE_MAX))
    page_size = max(1, min(page_size or PAGE_SIZE, 1000))
    status = status if status in STATUSES else None
    group = None
    if group_id is not None:
        group = session.get(CustomerGroup, group_id) if 0 < group_id < 2**31 else None
        if group is None:
            return Page(rows=[], count=0, group_missing=True)
    # --- (issue 11, fields): an unknown payment method is no filter; an unknown location group says so
    if payment_method is not None and payment_method not in (*PAYMENT_METHODS, "none"):
        payment_method = None
    location_group = None
    if location_group_id is not None:
        location_group = session.get(LocationGroup, location_group_id) if 0 < location_group_id < 2**31 else None
        if location_group is None:
            return Page(rows=[], count=0, location_group_missing=True)
    # --- end (issue 11, fields)
    filters = {"search": search, "status": status, "group_id": group_id,
               "payment_method": payment_method, "location_group_id": location_group_id}
    filters["customer_type"] = customer_type if customer_type in CUSTOMER_TYPES else None  # (issue 11, private)
    filters["assigned_to"] = assigned_to(actor, assigned)  # (issue 14)
    filters["visible_to"] = actor  # (issue 14) only assigned customers for a user who sees only those
    # A cursor's or the last page's position is not known: its capped count starts at the list's start.
    at = page * page_size if after is None and before is None and not last else 0
    count, ids = list_count(session, offset=at, **filters)
    if ids is not None:  # few rows: the pages are read by their ids
        filters = {"ids": ids}
    found = _paged(session, filters, sort=sort, desc=bool(desc), page=page, page_size=page_size,
                   after=after, before=before, last=last, count=count)
    found.count, found.group, found.location_group = count, group, location_group
    return found


# --- paging (issue 12) ---------------------------------------------------------------------------
def _rows(session, stmt) -> list[Customer]:
    return list(session.scalars(stmt).unique())


def _cursor_values(session, filters: dict, sort: str | None, cursor: int) -> tuple | None:
    """The sort keys of the cursor's row, read back from it; None when it is no row of this list."""
    if not 0 < cursor < 2**31:
        return None
    row = session.execute(select(*sort_keys(sort)).where(Customer.id == cursor, *conditions(**filters))).first()
    return tuple(row) if row is not None else None


def _exact(count) -> bool:
    """Whether ``count`` is exact (services/counting.Count says its kind; a plain int is exact)."""
    return getattr(count, "exact", True) and count is not None


def _paged(session, filters, *, sort, desc, page, page_size, after, before, last, count) -> Page:
    keys = sort_keys(sort)
    # (rows read by their ids are at most IDS_UP_TO: sorted as rows, never looked for along the sort's index)
    indexed = "ids" not in filters
    rows_of = lambda reverse: list_statement(sort=sort, desc=desc != reverse, indexed=indexed, **filters)  # noqa: E731
    cursor = after if after is not None else before
    if cursor is not None:
        values = _cursor_values(session, filters, sort, cursor)
        if values is None:  # deleted since, filtered out, or no id at all: page 1, no error
            found = _paged(session, filters, sort=sort, desc=desc, page=0, page_size=page_size,
                           after=None, before=None, last=False, count=count)
            found.cursor_missing = True
            return found
        forward = after is not None
        # (k1, k2, id) > (…) reads the rows after the cursor in list order (< when descending); before it,
        # the reverse order from the cursor, reversed back.
        beyond = tuple_(*keys) > tuple_(*values) if forward != desc else tuple_(*keys) < tuple_(*values)
        rows = _rows(session, rows_of(not forward).where(beyond).limit(page_size + 1))
        more = len(rows) > page_size
        rows = rows[:page_size]
        if forward:
            return Page(rows=rows, count=count, page=None, mode="after", has_previous=True, has_next=more)
        if not more:  # back at the start: page 1 as the page numbers have it (a full first page)
            return _paged(session, filters, sort=sort, desc=desc, page=0, page_size=page_size,
                          after=None, before=None, last=False, count=count)
        return Page(rows=rows[::-1], count=count, page=None, mode="before", has_previous=True, has_next=True)
    if last:
        # The last page is the first of the reverse order, reversed back. With an exact count it holds
        # what OFFSET paging's last page holds (so Next from page 1 and Previous from Last meet the same
        # pages); with an estimate, the last full page.
        size = page_size
        number = None
        if _exact(count):
            pages = max(1, -(-int(count) // page_size))
            number = pages - 1
            size = int(count) - number * page_size or page_size
            if number < KEYSET_WINDOW:
                return _paged(session, filters, sort=sort, desc=desc, page=number, page_size=page_size,
                              after=None, before=None, last=False, count=count)
        rows = _rows(session, rows_of(True).limit(size + 1))
        more = len(rows) > size
        return Page(rows=rows[:size][::-1], count=count, page=number, mode="last", has_previous=more, has_next=False)
    if page < KEYSET_WINDOW:
        if words(filters.get("search")):  # many rows match (few are read by their ids: list_count)
            rows = _searched_page(session, filters, sort=sort, desc=desc, offset=page * page_size, size=page_size)
        else:
            rows = _rows(session, rows_of(False).limit(page_size + 1).offset(page * page_size))
        mode = "page"
    else:
        # A page number past the window: the page's ids from an OFFSET over the sort's index (an index-only
        # scan: the index holds every key and the id), then only those rows.
        ids = (select(Customer.id).where(*conditions(**filters)).order_by(*_order(sort, desc))
               .limit(page_size + 1).offset(page * page_size)).subquery()
        rows = _rows(session, rows_of(False).where(Customer.id.in_(select(ids.c.id))))
        mode = "deep"
    return Page(rows=rows[:page_size], count=count, page=page, mode=mode, has_previous=page > 0,
                has_next=len(rows) > page_size)


# A search that many rows match (more than list_count's CAP) first looks for its page among this many rows of
# the list's order: a page is there when one row in 500 or more matches, spread over the list.
WALK = 10_000


def _searched_page(session, filters: dict, *, sort, desc, offset: int, size: int) -> list[Customer]:
    """The rows ``offset`` to ``offset + size`` (and one more, for "Next") of a search many rows match: those
    ``walked_ids`` finds among the list's first rows, else every match by the indexes of the search's
    branches (a BitmapOr) and sorted (``indexed=False``)."""
    ids = walked_ids(session, conditions(**filters), filters.get("search"), sort=sort, desc=desc, offset=offset,
                     size=size + 1)
    if ids is None:
        ids = sorted_ids(session, conditions(bitmap=True, **filters), sort=sort, desc=desc, offset=offset, size=size + 1)
    # (a page's ids, no LIMIT: read by their keys and sorted, whatever the order's index)
    return _rows(session, list_statement(sort=sort, desc=desc, ids=ids))


def sorted_ids(session, where: list, *, sort=None, desc=False, offset: int = 0, size: int) -> list[int]:
    """The ids of the rows ``offset`` to ``offset + size`` of the list's order that meet ``where``, found by
    their conditions' indexes (``bitmap``) and sorted, the order's first key written so that no index serves
    it (``indexed=False``); the rows' organizations are joined afterwards, to the page's ids only."""
    return list(session.scalars(select(Customer.id).where(*where).order_by(*_order(sort, desc, indexed=False))
                                .limit(size).offset(offset)))


def walked_ids(session, where: list, search: str | None, *, sort=None, desc=False, offset: int = 0,
               size: int) -> list[int] | None:
    """The ids of the rows ``offset`` to ``offset + size`` of the list's order that meet ``where`` (a search
    many rows match, and any filters), looked for among the first ``WALK`` rows of the whole list's order;
    None when those don't hold them.

    Walking the sort's index and keeping the matches finds a page at once when the matches are spread over
    the list ("berg": in one name in twenty), but reads most of the index when they sit together in its
    order ("Sjödes…", or "ek": the names starting with it) — and the planner, which takes matches to be
    spread, can't tell. So the walk is bounded: a subquery with its own LIMIT, read in order and left as soon
    as the page is full. Words of one or two letters match names that START with them, which sit together
    in every order's name keys: for those, None at once."""
    if not any(anywhere(word) for word in words(search)):
        return None
    order = _order(sort, desc)
    head = select(Customer).order_by(*order).limit(WALK + offset).subquery()
    adapt = ClauseAdapter(head).traverse
    ids = list(session.scalars(
        select(head.c.id).where(*(adapt(c) for c in where)).order_by(*(adapt(o) for o in order))
        .limit(size).offset(offset)))
    return ids if len(ids) >= size else None
