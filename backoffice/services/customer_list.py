"""The customers list (seed 000): search, sort, paging and count, for the admin list, the CSV export's
search, the sharing picker and the benchmarks.

``list_page(session, actor, ...)`` is the one list query. Its filters are keyword arguments beside
``search`` — ``status`` (all, active, inactive, deleted) and ``group_id`` (issue 11); later ones (customer
type, payment method, location group) come the same way — each one condition in ``conditions``, so the
rows, the count and the CSV export ("this filtered view") always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import contains_eager, selectinload

from backoffice.models import Contact, Customer, CustomerGroup, CustomerGroupMember, LocationGroup, Organization
from backoffice.models.customer import PAYMENT_METHODS
from backoffice.models.organization import org_number_key
from backoffice.services import counting
from backoffice.services.matching import anywhere, escape_like, short_inside, word_matches
from backoffice.services.validation import search_text

PAGE_SIZE = 20
PAGE_MAX = 10**6
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


def _order(sort: str | None, desc: bool) -> list:
    if sort == "status":
        keys = [Customer.deleted_at.is_not(None), Customer.status]
    elif sort == "allow_shared_billing":
        keys = [Customer.allow_shared_billing]
    else:  # "organization" (the name column: its URL param kept) and the default
        keys = []
    order = [*keys, Customer.display_name, Customer.id]  # (issue 11, private: the stored display name)
    return [k.desc() if desc else k.asc() for k in order]


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
              customer_type: str | None = None) -> Page:
    """One page of the customers list (``page`` 0-based) and the number of rows of the whole list (``count``:
    a ``counting.Count``, exact, estimated or capped).

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
    total = list_count(session, offset=page * page_size, **filters)
    stmt = list_statement(sort=sort, desc=desc, **filters).limit(page_size).offset(page * page_size)
    return Page(rows=list(session.scalars(stmt).unique()), count=total, group=group,
                location_group=location_group)
