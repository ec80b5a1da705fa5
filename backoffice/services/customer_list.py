"""The customers list (seed 000): search, sort, paging and count, for the admin list, the CSV export's
search, the sharing picker and the benchmarks.

``list_page(session, actor, ...)`` is the one list query. Its filters are keyword arguments beside
``search`` — ``status`` (all, active, inactive, deleted) and ``group_id`` (issue 11); later ones (customer
type, payment method, location group) come the same way — each one condition in ``conditions``, so the
rows, the count and the CSV export ("this filtered view") always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, tuple_, union
from sqlalchemy.orm import contains_eager, selectinload

from backoffice.models import Contact, Customer, CustomerGroup, CustomerGroupMember, LocationGroup, Organization
from backoffice.models.customer import PAYMENT_METHODS
from backoffice.models.organization import org_number_key
from backoffice.services import counting
from backoffice.services.matching import anywhere, escape_like, short_inside, word_matches
from backoffice.services.validation import search_text

PAGE_SIZE = 20
PAGE_MAX = 10**6
# Keyset paging (issue 12): the first KEYSET_WINDOW pages are page numbers (an OFFSET over the sort's index
# is cheap there); past them the pager moves by a cursor (after= / before= the id of the row at the page's
# edge) and "Last" is the first page of the reverse order. A page number past the window still works, by a
# deferred join (the page's ids from an index-only OFFSET, then the rows).
KEYSET_WINDOW = 10
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


def search_condition(search: str | None):
    """The list's search: every word matches the customer's display name (the organization's name, or a
    private customer's person's name), an organization number, the customer number, or a private
    customer's person's e-mail.

    Written as ``customer.id IN (… UNION …)`` so that each branch can use its own index (pg_trgm GIN
    indexes on PostgreSQL) instead of one OR spread over joined tables. The name is the stored display
    name (ix_customer_display_name_trgm), not the organization's through a join: the services keep the two
    equal (services/display_names.py). Numbers are looked for only for words with a digit in them.

    Each column is matched by services/matching.word_matches: a word of three letters or more anywhere in
    it (the trigram indexes), one of one or two letters at its start (the ``*_prefix`` indexes): "ek" finds
    "Ekström AB", not "Berg Ek AB". An organization number is looked for from three characters.
    """
    condition = None
    found = words(search)
    inside = short_inside(found)  # ("beta ab": "ab" anywhere, among the rows "beta" finds)
    for word in found:
        branches = [
            select(Customer.id).where(word_matches(Customer.display_name, word, inside=inside)),
            # (issue 11, private) a private customer by its person's lowercased e-mail
            select(Contact.customer_id).where(
                Contact.is_person.is_(True), word_matches(Contact.email_key, word.lower(), normalized=True, inside=inside)),
        ]
        key = org_number_key(word)
        if key and any(ch.isdigit() for ch in key) and anywhere(key):  # an organization number has digits
            branches.append(select(Customer.id).join(Organization, Organization.id == Customer.organization_id)
                            .where(word_matches(Organization.org_number_key, key, normalized=True)))
        if word.isdigit():  # customer numbers are digits only: other words can't match one
            branches.append(select(Customer.id).where(
                word_matches(Customer.customer_number, word, normalized=True, inside=inside)))
        word_condition = Customer.id.in_(union(*branches).scalar_subquery())
        condition = word_condition if condition is None else condition & word_condition
    return condition


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


# --- the list ------------------------------------------------------------------------------------
def conditions(*, search: str | None = None, status: str | None = None, group_id: int | None = None,
               payment_method: str | None = None, location_group_id: int | None = None,
               customer_type: str | None = None) -> list:
    """Every filter of the list as WHERE conditions (the rows, the count and the CSV export use the same
    ones)."""
    found = [search_condition(search), status_condition(status), group_condition(group_id)]
    # --- (issue 11, fields)
    found += [payment_method_condition(payment_method), location_group_condition(location_group_id)]
    # --- end (issue 11, fields)
    found.append(customer_type_condition(customer_type))  # (issue 11, private)
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


def _order(sort: str | None, desc: bool) -> list:
    return [k.desc() if desc else k.asc() for k in sort_keys(sort)]


def list_statement(*, search: str | None = None, sort: str | None = None, desc: bool = False,
                   status: str | None = None, group_id: int | None = None,
                   **more):  # (issue 11: payment_method, location_group_id, customer_type)
    """The rows in list order (sorted by the stored, indexed display name; the organizations by an outer
    join, since a private customer has none; the admins in one more query)."""
    return (
        select(Customer)
        .outerjoin(Organization, Organization.id == Customer.organization_id)
        .options(contains_eager(Customer.organization), selectinload(Customer.admin))
        .where(*conditions(search=search, status=status, group_id=group_id, **more))
        .order_by(*_order(sort, desc))
    )


def count_statement(*, search: str | None = None, status: str | None = None, group_id: int | None = None,
                    **more):  # (issue 11: payment_method, location_group_id, customer_type)
    """The exact count of the list (every customer, business or private: no join, the conditions alone).
    The list itself counts with ``list_count`` (an estimate or a capped count where this is slow)."""
    return (
        select(func.count()).select_from(Customer)
        .where(*conditions(search=search, status=status, group_id=group_id, **more))
    )


def list_count(session, *, offset: int = 0, **filters) -> counting.Count:
    """The list's count as services/counting.py takes it (issue 12, "Counts"): the whole list (no filter, no
    search word) is ``counting.total`` — the planner's estimate on PostgreSQL once the table is large
    ("about 1,000,000"), else exact; a searched or filtered list is counted up to ``CAP`` rows past the
    page's first row ``offset`` (exact when fewer, else "more than …"), so the pager reaches the pages after
    the one shown."""
    found = conditions(**filters)
    if not found:
        return counting.total(session, Customer)
    return counting.capped(session, select(Customer.id).where(*found), offset=offset)


def list_page(session, actor, *, search: str | None = None, sort: str | None = None, desc: bool = False,
              page: int = 0, page_size: int = PAGE_SIZE, status: str | None = None,
              group_id: int | None = None,
              payment_method: str | None = None, location_group_id: int | None = None,
              customer_type: str | None = None,
              after: int | None = None, before: int | None = None, last: bool = False) -> Page:
    """One page of the customers list (``page`` 0-based) and the number of rows of the whole list (``count``:
    a ``counting.Count``, exact, estimated or capped).

    Paging (issue 12): ``page`` numbers for the first KEYSET_WINDOW pages (OFFSET), a deferred join past
    them; ``after`` / ``before`` the id of the row just before / after the page (keyset: the rows after it
    in list order, or before it); ``last`` the last page (the reverse order). A cursor that names no row of
    this list gives page 1 (``cursor_missing``). ``Page.page``, ``has_previous`` and ``has_next`` say
    where the page is, for the pager.

    ``status`` is one of STATUSES (None or anything else: "all"); ``group_id`` narrows the list to that
    group's members — a group that doesn't exist gives no rows and ``group_missing``.

    ``actor`` is who reads it: today every reader sees every customer; a later issue's row-level
    permissions narrow ``conditions`` by it."""
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
    # A cursor's or the last page's position is not known: its capped count starts at the list's start.
    at = page * page_size if after is None and before is None and not last else 0
    count = list_count(session, offset=at, **filters)
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
    rows_of = lambda reverse: list_statement(sort=sort, desc=desc != reverse, **filters)  # noqa: E731
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
