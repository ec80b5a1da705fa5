"""The customers list's filters through the test client (issue 11): quick status filters and the customer
group dropdown, combined with search, sort and paging; they stay in the URL, the pager, the sort links and
the search box; the active ones are removable chips; an unknown group says so; "Download CSV" offers all
customers and this filtered view, which holds exactly the view's rows."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re

import pytest

from backoffice.services import customer_groups as groups
from tests import factories
from tests.customer_helpers import filter_register
from tests.conftest import login

BASE = "/admin/customers/"


@pytest.fixture
def sysadmin(client, admin):
    login(client, admin)
    return client


@pytest.fixture
def register(session):
    return filter_register(session)


ALL = ["Albin AB", "Alfa AB", "Alfons AB", "Beta AB", "Delta AB", "Gamma AB"]


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r'<td class="col-organization">(.*?)</td>', body, re.S)
    return [re.search(r"(\w+ AB)", cell).group(1) for cell in cells]


def hrefs(page: str, css: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'class="[^"]*' + css + r'[^"]*"[^>]*href="([^"]*)"', page)] + [
        htmllib.unescape(h) for h in re.findall(r'href="([^"]*)"[^>]*class="[^"]*' + css, page)]


def get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_all_is_today_s_list_and_each_status_pill_narrows_it(sysadmin, register):
    page = get(sysadmin, BASE)
    assert rows(page) == ALL
    pills = re.findall(r'<a class="btn ([^"]*)" href="([^"]*)" data-status="(\w+)"( aria-current="true")?>([^<]+)</a>', page)
    assert [(p[2], p[4]) for p in pills] == [("all", "All"), ("active", "Active"), ("inactive", "Inactive"), ("deleted", "Deleted")]
    assert [p[2] for p in pills if p[3]] == ["all"]
    for key, _label, expected in (("active", "", ["Alfa AB", "Alfons AB", "Delta AB"]), ("inactive", "", ["Albin AB", "Beta AB"]),
                                  ("deleted", "", ["Gamma AB"])):
        url = htmllib.unescape(next(p[1] for p in pills if p[2] == key))
        assert url == f"{BASE}?status={key}"
        filtered = get(sysadmin, url)
        assert rows(filtered) == expected
        assert f'data-status="{key}" aria-current="true"' in filtered
        assert f"Showing 1–{len(expected)} of {len(expected)} results" in filtered


def test_the_group_dropdown_lists_the_groups_and_filters_by_one(sysadmin, register):
    _made, key, other = register
    page = get(sysadmin, BASE)
    assert 'form method="GET"' in page and "bo-autosubmit bo-group-filter" in page
    assert '<option value="">All groups</option>' in page
    assert f'<option value="{key.id}">Key accounts</option>' in page and f'<option value="{other.id}">Other</option>' in page
    filtered = get(sysadmin, f"{BASE}?group={key.id}")
    assert rows(filtered) == ["Albin AB", "Alfa AB", "Beta AB", "Gamma AB"]
    assert f'<option value="{key.id}" selected>Key accounts</option>' in filtered


def test_filters_combine_with_search_sort_and_paging_and_stay_in_every_link(sysadmin, session, register):
    _made, key, _other = register
    url = f"{BASE}?group={key.id}&status=inactive&search=al"
    assert rows(get(sysadmin, url)) == ["Albin AB"]
    # twenty more members (Zeta01 … Zeta20) and ten more customers outside the group: two pages of the group
    more = [factories.customer(session, name=f"Zeta{n:02d} AB").id for n in range(1, 21)]
    for n in range(10):
        factories.customer(session, name=f"Outside{n} AB")
    groups.add_members(session, None, key, more)
    session.commit()
    # sorted descending by organization: the Zetas first
    first = get(sysadmin, f"{BASE}?group={key.id}&sort=0&desc=1")
    assert rows(first) == [f"Zeta{n:02d} AB" for n in range(20, 0, -1)] and "Showing 1–20 of 24 results" in first
    pager = [htmllib.unescape(h) for h in re.findall(r'href="([^"]*page=1[^"]*)"', first)]
    assert pager and all(f"group={key.id}" in h and "sort=0" in h and "desc=1" in h for h in pager)
    second = get(sysadmin, pager[0])
    assert rows(second) == ["Gamma AB", "Beta AB", "Alfa AB", "Albin AB"] and "Showing 21–24 of 24 results" in second
    assert rows(get(sysadmin, f"{BASE}?group={key.id}&status=active&sort=0&desc=1&page=1")) == ["Alfa AB"]
    # the sort links keep the filters
    sorted_links = [htmllib.unescape(h) for h in re.findall(r'href="([^"]*sort=[^"]*)"', get(sysadmin, f"{BASE}?status=active&group={key.id}"))]
    assert sorted_links and all("status=active" in h and f"group={key.id}" in h for h in sorted_links)
    # the search box keeps them (hidden inputs), and the group form keeps the search, sort and status
    searched = get(sysadmin, f"{BASE}?status=active&group={key.id}&search=al&sort=1")
    search_form = searched.split('data-live-search>', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="status" value="active">' in search_form
    assert f'<input type="hidden" name="group" value="{key.id}">' in search_form
    group_form = searched.split("bo-group-filter", 1)[1].split("</form>", 1)[0]
    for name, value in (("search", "al"), ("sort", "1"), ("status", "active")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in group_form
    # a status pill keeps the search, the sort and the group, and goes to the first page
    pill = htmllib.unescape(re.search(r'href="([^"]*)" data-status="inactive"', searched).group(1))
    assert "search=al" in pill and "sort=1" in pill and f"group={key.id}" in pill and "page=" not in pill
    assert rows(get(sysadmin, pill)) == ["Albin AB"]


def test_active_filters_are_removable_chips(sysadmin, register):
    _made, key, _other = register
    page = get(sysadmin, f"{BASE}?group={key.id}&status=inactive&search=b")  # ("b": one letter, the start of a name: "Beta AB")
    chips = re.findall(r'<a class="badge badge-pill badge-secondary bo-chip" href="([^"]*)"[^>]*>([^<]+) <span aria-hidden="true">&times;', page)
    assert [text for _href, text in chips] == ["Group: Key accounts", "Status: Inactive"]
    without_group, without_status = (htmllib.unescape(h) for h, _t in chips)
    assert "group=" not in without_group and "status=inactive" in without_group and "search=b" in without_group
    assert "status=" not in without_status and f"group={key.id}" in without_status
    assert rows(get(sysadmin, without_group)) == ["Beta AB"]  # (of "Albin AB", "Beta AB")
    assert rows(get(sysadmin, without_status)) == ["Beta AB"]  # (of "Albin AB", "Alfa AB", "Beta AB", "Gamma AB")
    assert "bo-chip" not in get(sysadmin, BASE)


@pytest.mark.parametrize("value", ["999999", "abc", "0"])
def test_an_unknown_group_says_so_instead_of_showing_everyone(sysadmin, register, value):
    page = get(sysadmin, f"{BASE}?group={value}")
    assert rows(page) == [] and "This customer group no longer exists." in page
    assert "Group: Unknown group" in page


def test_a_deleted_group_s_copied_link_says_so(sysadmin, session, register):
    _made, key, _other = register
    link = f"{BASE}?group={key.id}&status=active"
    assert rows(get(sysadmin, link)) == ["Alfa AB"]
    groups.delete_group(session, None, key)
    session.commit()
    page = get(sysadmin, link)
    assert rows(page) == [] and "This customer group no longer exists." in page


def test_a_bad_status_is_the_whole_list(sysadmin, register):
    assert rows(get(sysadmin, f"{BASE}?status=bogus")) == ALL


def csv_names(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return [r[0] for r in list(csv.reader(io.StringIO(text, newline="")))[1:]]


def test_download_csv_offers_all_customers_and_this_filtered_view(sysadmin, register):
    _made, key, _other = register
    page = get(sysadmin, f"{BASE}?group={key.id}&status=inactive&search=al")
    csv_all = htmllib.unescape(re.search(r'class="dropdown-item bo-csv-all" href="([^"]*)"', page).group(1))
    csv_view = htmllib.unescape(re.search(r'class="dropdown-item bo-csv-view" href="([^"]*)"', page).group(1))
    assert "All customers" in page and "This filtered view" in page
    assert csv_all == "/admin/customers/export/customers.csv"
    assert csv_names(sysadmin, csv_all) == ALL
    assert csv_names(sysadmin, csv_view) == ["Albin AB"]
    group_only = get(sysadmin, f"{BASE}?group={key.id}")
    view = htmllib.unescape(re.search(r'class="dropdown-item bo-csv-view" href="([^"]*)"', group_only).group(1))
    assert csv_names(sysadmin, view) == ["Albin AB", "Alfa AB", "Beta AB", "Gamma AB"]
    assert csv_names(sysadmin, "/admin/customers/export/customers.csv?group=999999") == []
    assert csv_names(sysadmin, "/admin/customers/export/customers.csv?status=deleted") == ["Gamma AB"]
