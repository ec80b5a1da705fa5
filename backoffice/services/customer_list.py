"""The customers list (seed 000): search, sort, paging and count, for the admin list, the CSV export's
search, the sharing picker and the benchmarks.

``list_page(session, actor, ...)`` is the one list query. Later issues add filters (status, groups,
private customers) as keyword arguments beside ``search``; each becomes one condition in
``_conditions``, so the rows and the count always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import contains_eager, selectinload

from backoffice.models import Customer, Organization
from backoffice.models.organization import org_number_key
from backoffice.services.validation import search_text

PAGE_SIZE = 20
PAGE_MAX = 10**6
# The sortable columns (list column name -> the keys, before the organization-name tie-break).
SORTS = ("organization", "status", "allow_shared_billing")


@dataclass
class Page:
    rows: list[Customer]
    count: int


# --- search --------------------------------------------------------------------------------------
def words(search: str | None) -> list[str]:
    """At most five words of at most 100 characters; NUL (which PostgreSQL refuses) is dropped."""
    return [w[:100] for w in search_text(search, 1000).split() if w][:5]


def like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def organization_matches(word: str):
    """One search word against an organization: its name, or its number with spaces and dashes ignored."""
    conditions = [Organization.name.ilike(like(word), escape="\\")]
    key = org_number_key(word)
    if key:
        conditions.append(Organization.org_number_key.like(like(key), escape="\\"))
    return or_(*conditions)


def search_condition(search: str | None):
    """The list's search: every word matches the organization's name or number, or the customer number.

    Written as ``customer.id IN (… UNION …)`` so that each branch can use its own index
    (pg_trgm GIN indexes on PostgreSQL) instead of one OR spread over two joined tables.
    """
    condition = None
    for word in words(search):
        by_org = select(Customer.id).join(Organization, Organization.id == Customer.organization_id).where(
            organization_matches(word)
        )
        if word.isdigit():  # customer numbers are digits only: other words can't match one
            by_number = select(Customer.id).where(Customer.customer_number.like(like(word), escape="\\"))
            word_condition = Customer.id.in_(union(by_org, by_number).scalar_subquery())
        else:
            word_condition = Customer.id.in_(by_org.scalar_subquery())
        condition = word_condition if condition is None else condition & word_condition
    return condition


# --- the list ------------------------------------------------------------------------------------
def _conditions(*, search: str | None) -> list:
    """Every filter of the list as WHERE conditions (the rows and the count use the same ones)."""
    conditions = []
    found = search_condition(search)
    if found is not None:
        conditions.append(found)
    return conditions


def _order(sort: str | None, desc: bool) -> list:
    if sort == "status":
        keys = [Customer.deleted_at.is_not(None), Customer.status]
    elif sort == "allow_shared_billing":
        keys = [Customer.allow_shared_billing]
    else:  # "organization" and the default
        keys = []
    order = [*keys, Organization.name, Organization.id]
    return [k.desc() if desc else k.asc() for k in order]


def list_statement(*, search: str | None = None, sort: str | None = None, desc: bool = False):
    """The rows in list order (one inner join, indexed sort and search; the admins in one more query)."""
    return (
        select(Customer)
        .join(Organization, Organization.id == Customer.organization_id)
        .options(contains_eager(Customer.organization), selectinload(Customer.admin))
        .where(*_conditions(search=search))
        .order_by(*_order(sort, desc))
    )


def count_statement(*, search: str | None = None):
    # Every business customer has an organization (FK), so no join is needed to count them: the rows'
    # inner join to the organization is this condition (a later issue adds private customers to both).
    return (
        select(func.count()).select_from(Customer)
        .where(Customer.organization_id.is_not(None), *_conditions(search=search))
    )


def list_page(session, actor, *, search: str | None = None, sort: str | None = None, desc: bool = False,
              page: int = 0, page_size: int = PAGE_SIZE) -> Page:
    """One page of the customers list (``page`` 0-based) and the number of rows of the whole list.

    ``actor`` is who reads it: today every reader sees every customer; a later issue's row-level
    permissions narrow ``_conditions`` by it."""
    page = max(0, min(page or 0, PAGE_MAX))
    page_size = max(1, min(page_size or PAGE_SIZE, 1000))
    count = session.scalar(count_statement(search=search))
    stmt = list_statement(search=search, sort=sort, desc=desc).limit(page_size).offset(page * page_size)
    return Page(rows=list(session.scalars(stmt).unique()), count=count)
