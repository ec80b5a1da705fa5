"""The customers list's filters (issue 11): status (all / active / inactive / deleted) and customer group,
each alone and combined with search, sort and paging; the count always agrees with the rows; an unknown
group gives an empty list that says so; the CSV export of a filtered view has exactly its rows."""

from __future__ import annotations

import csv
import io

import pytest

from backoffice.services import customer_groups as groups
from backoffice.services import customer_list
from backoffice.services.customer_export import iter_customer_csv
from tests.customer_helpers import filter_register


@pytest.fixture
def register(session):
    """Six customers and two groups (tests/customer_helpers.filter_register)."""
    return filter_register(session)


def names(page):
    return [c.organization.name for c in page.rows]


def listed(session, **kw):
    page = customer_list.list_page(session, None, **kw)
    # the count is that of the whole filtered list, never of another one
    whole = customer_list.list_page(session, None, **{**kw, "page": 0, "page_size": 1000})
    assert page.count == len(whole.rows)
    return page


def test_all_is_what_the_list_always_showed_the_deleted_included(session, register):
    assert names(listed(session)) == ["Albin AB", "Alfa AB", "Alfons AB", "Beta AB", "Delta AB", "Gamma AB"]
    assert names(listed(session, status="all")) == names(listed(session))
    assert names(listed(session, status="bogus")) == names(listed(session))  # not a status: all


@pytest.mark.parametrize("status, expected", [
    ("active", ["Alfa AB", "Alfons AB", "Delta AB"]),
    ("inactive", ["Albin AB", "Beta AB"]),
    ("deleted", ["Gamma AB"]),
])
def test_each_status_alone(session, register, status, expected):
    page = listed(session, status=status)
    assert names(page) == expected and page.count == len(expected)


def test_a_group_alone_lists_its_members_the_deleted_one_included(session, register):
    _made, key, other = register
    page = listed(session, group_id=key.id)
    assert names(page) == ["Albin AB", "Alfa AB", "Beta AB", "Gamma AB"] and page.count == 4
    assert page.group.name == "Key accounts" and not page.group_missing
    assert names(listed(session, group_id=other.id)) == ["Delta AB"]


def test_status_and_group_combine_with_search_sort_and_paging(session, register):
    _made, key, _other = register
    assert names(listed(session, group_id=key.id, status="active")) == ["Alfa AB"]
    assert names(listed(session, group_id=key.id, status="inactive")) == ["Albin AB", "Beta AB"]
    assert names(listed(session, group_id=key.id, search="al")) == ["Albin AB", "Alfa AB"]
    assert names(listed(session, status="active", search="al")) == ["Alfa AB", "Alfons AB"]
    assert names(listed(session, group_id=key.id, status="inactive", search="al")) == ["Albin AB"]
    assert names(listed(session, group_id=key.id, sort="organization", desc=True)) == [
        "Gamma AB", "Beta AB", "Alfa AB", "Albin AB"]
    # status sort: active before inactive before deleted, by name within each
    assert names(listed(session, group_id=key.id, sort="status")) == ["Alfa AB", "Albin AB", "Beta AB", "Gamma AB"]
    first = listed(session, group_id=key.id, page=0, page_size=3)
    second = listed(session, group_id=key.id, page=1, page_size=3)
    assert names(first) == ["Albin AB", "Alfa AB", "Beta AB"] and names(second) == ["Gamma AB"]
    assert first.count == second.count == 4
    assert names(listed(session, group_id=key.id, status="active", search="zz")) == []


def test_an_unknown_group_is_an_empty_list_that_says_so(session, register):
    _made, key, _other = register
    for unknown in (key.id + 1000, 0, -5, 2**40):
        page = listed(session, group_id=unknown)
        assert page.rows == [] and page.count == 0 and page.group_missing and page.group is None
    groups.delete_group(session, None, key)
    session.commit()
    page = listed(session, group_id=key.id, status="active", search="al")
    assert page.rows == [] and page.group_missing


def export_names(session, **kw) -> list[str]:
    data = b"".join(iter_customer_csv(session, language="en", **kw)).decode("utf-8")[1:]
    return [row[0] for row in list(csv.reader(io.StringIO(data, newline="")))[1:]]


def test_the_export_of_a_filtered_view_has_exactly_its_rows(session, register):
    _made, key, _other = register
    assert export_names(session) == names(listed(session))  # all customers, as before
    for kw in ({"status": "active"}, {"status": "deleted"}, {"group_id": key.id},
               {"group_id": key.id, "status": "inactive", "search": "al"}, {"group_id": key.id + 1000}):
        assert export_names(session, **kw) == names(listed(session, page_size=1000, **kw)), kw
    assert export_names(session, group_id=key.id + 1000) == []
