"""How the customers list finds a searched page (issue 12, "Search"): whichever way it is read, the page
holds the rows the search defines, in the list's order.

services/customer_list.py reads a search three ways: few matches (at most counting.CAP) by their ids
(``few_ids``); many spread over the list by walking the sort's index within its first WALK rows; many that
sit together in the list's order (a clustered word) by every branch's index, sorted. Here CAP and WALK are
made small so that a few dozen customers take each way.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from backoffice.extensions import db
from backoffice.models import Customer
from backoffice.services import counting, customer_list
from tests import factories


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(counting, "CAP", 4)
    monkeypatch.setattr(customer_list, "WALK", 8)


@pytest.fixture
def register(session):
    # 24 names: "Mberg" in every third (spread over the list), "Zeta" in the last eight (together at its end),
    # "Solo" in two; a private customer whose e-mail (not name) has "zeta" in it sorts first.
    for n in range(24):
        name = f"K{n:02d}"
        if n % 3 == 0:
            name += " Mberg"
        if n >= 16:
            name = f"Zeta {n:02d}"
        if n in (5, 11):
            name += " Solo"
        factories.customer(session, organization=factories.organization(session, name=name + " AB"))
    factories.private_customer(session, first_name="Aaron", last_name="Aa", email="aa.zeta@example.com")


def expected(session, search, *, sort=None, desc=False) -> list[int]:
    """The search's rows in list order, by its plain definition (search_condition, sorted)."""
    stmt = select(Customer.id).where(customer_list.search_condition(search)).order_by(
        *customer_list._order(sort, desc))
    return list(session.scalars(stmt))


def statements(session, fn):
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        result = fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return result, "\n".join(seen)


def pages(session, search, size=3, **kw) -> list[int]:
    """Every row, page by page through the page numbers (Next), as the pager reads them."""
    found, page = [], 0
    while True:
        shown = customer_list.list_page(session, None, search=search, page=page, page_size=size, **kw)
        found += [c.id for c in shown.rows]
        if not shown.has_next:
            return found
        page += 1


def test_few_matches_are_read_by_their_ids_and_counted_exactly(session, small_limits, register):
    shown, sql = statements(session, lambda: customer_list.list_page(session, None, search="solo"))
    assert [c.display_name for c in shown.rows] == ["K05 Solo AB", "K11 Solo AB"]
    assert (int(shown.count), shown.count.kind) == (2, "exact")
    assert "coalesce" in sql.lower()  # (those rows sorted, not looked for along the sort's index)


@pytest.mark.parametrize("sort, desc", [(None, False), ("status", False), ("allow_shared_billing", False)])
def test_spread_matches_are_found_by_walking_the_list(session, small_limits, register, sort, desc):
    want = expected(session, "mberg", sort=sort, desc=desc)
    assert len(want) == 6  # more than CAP: "more than 4 results"
    shown, sql = statements(session, lambda: customer_list.list_page(
        session, None, search="mberg", sort=sort, desc=desc, page_size=2))
    assert [c.id for c in shown.rows] == want[:2] and shown.has_next
    assert shown.count.kind == "more_than"
    assert "coalesce" not in sql.lower()  # (the first WALK rows held the page)
    assert pages(session, "mberg", sort=sort, desc=desc) == want


@pytest.mark.parametrize("sort, desc", [(None, False), (None, True), ("allow_shared_billing", False)])
def test_clustered_matches_are_found_by_their_indexes_and_sorted(session, small_limits, register, sort, desc):
    want = expected(session, "zeta", sort=sort, desc=desc)
    assert len(want) == 9  # the eight "Zeta" names and the private customer found by its e-mail
    shown, sql = statements(session, lambda: customer_list.list_page(
        session, None, search="zeta", sort=sort, desc=desc, page_size=3))
    assert [c.id for c in shown.rows] == want[:3] and shown.has_next
    if not desc:  # ascending, the Zeta names sit past the first WALK rows: the walk can't fill the page
        assert "coalesce" in sql.lower()
    assert pages(session, "zeta", sort=sort, desc=desc) == want


def test_a_filter_with_a_clustered_search_keeps_to_the_filter(session, small_limits, register):
    zeta = expected(session, "zeta")
    inactive = session.get(Customer, zeta[-1])
    inactive.status = "INACTIVE"
    session.commit()
    assert pages(session, "zeta", status="active") == [i for i in zeta if i != inactive.id]
    assert pages(session, "zeta", status="inactive") == [inactive.id]


def test_the_pickers_find_few_and_many_matches(session, small_limits, register):
    from backoffice.services import customer_links

    me = session.scalars(select(Customer).where(Customer.display_name == "K00 Mberg AB")).one()
    assert [c.display_name for c in customer_links.eligible(session, me, "solo")] == ["K05 Solo AB", "K11 Solo AB"]
    zeta = [c.id for c in customer_links.eligible(session, me, "zeta")]
    assert zeta == expected(session, "zeta")
    mberg = [c.id for c in customer_links.eligible(session, me, "mberg")]
    assert mberg == [i for i in expected(session, "mberg") if i != me.id]
    # two spread matches within the list's first WALK rows: found by the bounded walk, the same two
    assert [c.id for c in customer_links.eligible(session, me, "mberg", limit=2)] == mberg[:2]
    assert [c.id for c in customer_links.eligible(session, me, "zeta", limit=2)] == zeta[:2]


def test_a_short_word_that_many_names_start_with_is_read_by_its_index(session, small_limits, register):
    want = expected(session, "ze")
    assert len(want) == 8  # the "Zeta" names; "aa.zeta@…" has "ze" inside, not at its start
    shown, sql = statements(session, lambda: customer_list.list_page(session, None, search="ze", page_size=3))
    assert [c.id for c in shown.rows] == want[:3] and shown.count.kind == "more_than"
    assert "coalesce" in sql.lower()
    assert pages(session, "ze") == want


# --- the organizations and users lists (admin/listing.py) ----------------------------------------


def listed_names(client, path) -> list[str]:
    import re

    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return re.findall(r'<td class="col-name">(.*?)</td>', response.get_data(as_text=True))


def test_the_organizations_list_pages_few_and_many_matches_in_name_order(session, client, admin, small_limits,
                                                                          register):
    from tests.conftest import login

    login(client, admin)
    org_names = lambda search: sorted(  # noqa: E731 (what the search defines, in name order)
        n for n in session.scalars(select(Customer.display_name).where(Customer.type == "business"))
        if search.lower() in n.lower())
    assert listed_names(client, "/admin/organizations/?search=solo") == org_names("solo")
    # many matches (more than CAP), together at the end of the name order: pages 1 and 2 of 20 rows
    assert listed_names(client, "/admin/organizations/?search=zeta") == org_names("zeta")
    # a short word: the names starting with it
    assert listed_names(client, "/admin/organizations/?search=ze") == org_names("zeta")
    # descending too
    assert listed_names(client, "/admin/organizations/?search=mberg&sort=0&desc=1") == org_names("mberg")[::-1]
