"""Keyset paging of the customers list (issue 12): walking Next from page 1 to the end visits every customer
exactly once, in the order and on the pages OFFSET paging has, for every sort (ascending and descending),
with a search and with a filter; Previous from Last walks the same pages back; Last is OFFSET's last page; a
page number past the window (a deferred join) is OFFSET's page; a cursor naming no row of the list gives
page 1, never an error."""

from __future__ import annotations

import pytest

from backoffice.models.base import utcnow
from backoffice.services import customer_groups as groups
from backoffice.services import customer_list
from tests import factories

SIZE = 3
WINDOW = 2  # pages 1–2 by number, the rest by cursor (the list's is 10 pages; small data, small window)
SORTS = [(None, False), ("organization", True), ("status", False), ("status", True),
         ("allow_shared_billing", False), ("allow_shared_billing", True)]


@pytest.fixture(autouse=True)
def small_window(monkeypatch):
    monkeypatch.setattr(customer_list, "KEYSET_WINDOW", WINDOW)


@pytest.fixture
def register(session):
    """20 customers: names repeated (the id breaks ties), every state, both shared billing values, a private
    customer, half of them in a group."""
    made = []
    for n in range(19):
        name = ("Berg AB", "Alm AB", "Ek AB", "Lind AB")[n % 4] if n % 3 else f"Ask {n:02d} AB"
        made.append(factories.customer(session, name=name, status="INACTIVE" if n % 5 == 1 else "ACTIVE",
                                       allow_shared_billing=n % 2 == 0))
    made.append(factories.private_customer(session, first_name="Berit", last_name="Berg"))
    group = groups.create_group(session, None, name="Half")
    session.flush()
    groups.add_members(session, None, group, [c.id for c in made[::2]])
    for c in made[::4]:
        c.deleted_at = utcnow()
    session.commit()
    return made, group


def filters_of(register):
    _made, group = register
    return [{}, {"search": "berg"}, {"status": "active"}, {"group_id": group.id, "search": "ab"}]


def ids(page):
    return [c.id for c in page.rows]


def offset_pages(session, kw):
    """The list as OFFSET paging has it, page by page."""
    everything = ids(customer_list.list_page(session, None, page_size=1000, **kw))
    return [everything[i:i + SIZE] for i in range(0, len(everything), SIZE)] or [[]]


def page(session, kw, **where):
    return customer_list.list_page(session, None, page_size=SIZE, **kw, **where)


def next_of(found) -> dict:
    """Where the pager's Next goes (CustomerView.keyset_pager): a page number in the window, else a cursor."""
    if found.page is not None and found.page + 1 < WINDOW:
        return {"page": found.page + 1}
    return {"after": found.last_id}


def previous_of(found) -> dict:
    if found.page is not None and 0 < found.page <= WINDOW:
        return {"page": found.page - 1}
    return {"before": found.first_id}


@pytest.mark.parametrize("sort, desc", SORTS)
def test_next_from_page_1_visits_every_customer_once_on_offset_pages(session, register, sort, desc):
    for kw in filters_of(register):
        kw = {**kw, "sort": sort, "desc": desc}
        expected = offset_pages(session, kw)
        found, walked, where = None, [], {"page": 0}
        for _ in range(50):
            found = page(session, kw, **where)
            walked.append(ids(found))
            if not found.has_next:
                break
            where = next_of(found)
        assert walked == expected, kw
        assert any(p.mode == "after" for p in [found]) or len(expected) <= WINDOW
        assert [i for p in walked for i in p] == [i for p in expected for i in p]  # each once, in order


@pytest.mark.parametrize("sort, desc", SORTS)
def test_last_is_offsets_last_page_and_previous_walks_back(session, register, sort, desc):
    for kw in filters_of(register):
        kw = {**kw, "sort": sort, "desc": desc}
        expected = offset_pages(session, kw)
        found = page(session, kw, last=True)
        assert ids(found) == expected[-1] and not found.has_next, kw
        walked = [ids(found)]
        for _ in range(50):
            if not found.has_previous:
                break
            found = page(session, kw, **previous_of(found))
            walked.append(ids(found))
        assert walked[::-1] == expected, kw


@pytest.mark.parametrize("sort, desc", SORTS)
def test_a_page_number_past_the_window_is_offsets_page(session, register, sort, desc):
    kw = {"sort": sort, "desc": desc}
    expected = offset_pages(session, kw)
    assert len(expected) > WINDOW + 2  # (the deferred join is exercised)
    for number in range(WINDOW, len(expected)):
        found = page(session, kw, page=number)
        assert found.mode == "deep" and ids(found) == expected[number]
        assert found.has_previous and found.has_next == (number + 1 < len(expected))
    assert ids(page(session, kw, page=len(expected) + 5)) == []  # past the end: empty, no error


def test_a_cursor_naming_no_row_of_the_list_gives_page_1(session, register):
    made, group = register
    first = ids(page(session, {"status": "active"}))
    deleted = made[0]  # soft-deleted: not in the Active list
    for where in ({"after": 10**6}, {"before": 10**6}, {"after": 0}, {"after": -3}, {"before": 2**40},
                  {"after": deleted.id}, {"before": deleted.id}):
        found = page(session, {"status": "active"}, **where)
        assert ids(found) == first and found.page == 0 and found.cursor_missing, where
    gone = made[1]
    session.delete(gone)  # (a row that no longer exists)
    session.commit()
    found = page(session, {}, after=gone.id)
    assert found.cursor_missing and ids(found) == ids(page(session, {}))
    assert not page(session, {}).cursor_missing  # no cursor: page 1, nothing missing


def test_after_a_cursor_the_list_goes_on_from_that_row(session, register):
    kw = {"sort": "status"}
    everything = [i for p in offset_pages(session, kw) for i in p]
    middle = everything[7]
    assert ids(page(session, kw, after=middle)) == everything[8:8 + SIZE]
    assert ids(page(session, kw, before=middle)) == everything[7 - SIZE:7]
    found = page(session, kw, before=everything[SIZE - 1])  # back at the start: page 1 as numbered
    assert found.page == 0 and ids(found) == everything[:SIZE]


# --- the pager through the test client ----------------------------------------------------------------
def _link(html, cls):
    """The href of the pager's link with class ``cls`` (None: shown disabled, no link)."""
    import html as html_lib
    import re

    found = re.search(r'<li class="page-item ' + cls + r'"><a class="page-link" href="([^"]+)" aria-label="([^"]+)"', html)
    return html_lib.unescape(found.group(1)) if found else None


def _rows(html):
    import re

    return re.findall(r'<td class="col-organization">([^<]+)</td>', html)


def test_the_pager_links_walk_the_list_past_its_numbered_pages(client, admin, session, monkeypatch):
    from tests.conftest import login

    monkeypatch.setattr(customer_list, "KEYSET_WINDOW", 1)  # page 1 numbered; pages 2 and 3 by cursor
    for n in range(45):
        factories.customer(session, name=f"Kund {n:02d} AB")
    login(client, admin)
    base = "/admin/customers/"
    first = client.get(base + "?search=kund").get_data(as_text=True)
    assert _rows(first) == [f"Kund {n:02d} AB" for n in range(20)]
    assert _link(first, "bo-page-first") is None and _link(first, "bo-page-previous") is None
    next_url = _link(first, "bo-page-next")
    assert "after=" in next_url and "search=kund" in next_url and "page=" not in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert _rows(second) == [f"Kund {n:02d} AB" for n in range(20, 40)]
    assert "Showing 20 of 45 results" in second
    third = client.get(_link(second, "bo-page-next")).get_data(as_text=True)
    assert _rows(third) == [f"Kund {n:02d} AB" for n in range(40, 45)]
    assert _link(third, "bo-page-next") is None and _link(third, "bo-page-last") is None
    back = client.get(_link(third, "bo-page-previous")).get_data(as_text=True)
    assert _rows(back) == _rows(second)
    assert _rows(client.get(_link(back, "bo-page-previous")).get_data(as_text=True)) == _rows(first)
    last_url = _link(first, "bo-page-last")
    assert "last=1" in last_url
    last = client.get(last_url).get_data(as_text=True)
    assert _rows(last) == _rows(third) and "Showing 41–45 of 45 results" in last
    assert _rows(client.get(_link(last, "bo-page-first")).get_data(as_text=True)) == _rows(first)
    # descending, by the same links
    desc = client.get(base + "?sort=0&desc=1").get_data(as_text=True)
    desc2 = client.get(_link(desc, "bo-page-next")).get_data(as_text=True)
    assert _rows(desc2) == [f"Kund {n:02d} AB" for n in range(24, 4, -1)]
    # a new sort, search or page size starts from page 1: the cursor is not carried
    import re

    sort_links = re.findall(r'<a class="dropdown-item" href="([^"]+)">Sort (?:ascending|descending)</a>', second)
    size_links = re.findall(r'<a class="dropdown-item" href="([^"]+)">(?:20|50|100)</a>', second)
    assert sort_links and size_links and all("after=" not in u for u in sort_links + size_links)
    assert 'name="after"' not in second and 'name="before"' not in second  # the search and filter forms
    # a cursor that names nothing, or isn't a number, is page 1 (never a 500)
    for bogus in ("after=99999999", "before=abc", "after=-1", "after=" + "9" * 300, "last=yes"):
        response = client.get(base + "?" + bogus)
        assert response.status_code == 200 and _rows(response.get_data(as_text=True))[0] == "Kund 00 AB", bogus
