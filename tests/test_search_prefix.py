"""Search words of one or two letters and the customers list's count at scale (issue 12, "Search", "Counts").

services/matching.word_matches: a word of three letters or more is found anywhere in a column (trigram
indexes), one of one or two letters at the start of it (the ``*_prefix`` indexes on ``lower(col)``), the same
way on SQLite (whose lower() is ASCII-only) and PostgreSQL. The customers list counts with
services/counting.py like the organizations and users lists.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Select, select, text

from backoffice.extensions import db
from backoffice.models import Customer, Organization, User
from backoffice.services import counting, customer_list, lists
from backoffice.services import customers as customer_service
from backoffice.services.matching import word_matches
from backoffice.services.org_numbers import swedish_number
from tests import factories
from tests.conftest import login


def postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def names(page) -> list[str]:
    return [c.display_name for c in page.rows]


def listed(session, search, **kw) -> list[str]:
    """The names found, sorted here (the list's own order follows the database's collation)."""
    return sorted(names(customer_list.list_page(session, None, search=search, page_size=100, **kw)))


def business(session, name, **kw):
    return factories.customer(session, organization=factories.organization(session, name=name), **kw)


NAMES = ["Ekström AB", "EKO Bygg AB", "ekonomi & Co", "Berg Ek AB", "Leka AB", "Åkesson AB", "ÅKERI NORD AB",
         "åkare Öst AB", "Öberg AB", "Äng AB", "E_x AB", "Ex AB", "%-rabatt AB", "5 % AB"]


@pytest.fixture
def named(session):
    for name in NAMES:
        business(session, name)
    return NAMES


# --- the customers list ---------------------------------------------------------------------------


def test_a_two_letter_word_finds_the_names_that_start_with_it_in_any_case(session, named):
    assert listed(session, "ek") == sorted(["EKO Bygg AB", "Ekström AB", "ekonomi & Co"])
    assert listed(session, "EK") == listed(session, "Ek") == listed(session, "ek")
    # "Berg Ek AB" and "Leka AB" have "ek" inside, not at the start: three letters find those ("berg", "lek")
    assert listed(session, "lek") == ["Leka AB"] and "Berg Ek AB" in listed(session, "berg")
    assert listed(session, "e") == sorted(["E_x AB", "EKO Bygg AB", "Ekström AB", "Ex AB", "ekonomi & Co"])


def test_a_short_word_beside_a_longer_one_is_found_anywhere(session, named):
    """A full name typed ("Berg Ek AB"): the long word's index finds the rows, the short ones narrow them."""
    assert listed(session, "berg ek ab") == ["Berg Ek AB"] and listed(session, "ekström ab") == ["Ekström AB"]
    orgs = sorted(session.scalars(select(Organization.name).where(lists.organization_search("Bygg AB"))))
    assert orgs == ["EKO Bygg AB"]


def test_swedish_letters_match_in_either_case_on_both_databases(session, named):
    """SQLite's lower() leaves Å, Ä, Ö as they are; the word's letters are tried in both cases."""
    expected = ["ÅKERI NORD AB", "Åkesson AB", "åkare Öst AB"]
    for word in ("Åk", "åk", "ÅK", "åK"):
        assert listed(session, word) == sorted(expected), word
    assert listed(session, "ö") == ["Öberg AB"] and listed(session, "Ä") == ["Äng AB"]


def test_percent_and_underscore_typed_are_characters(session, named):
    assert listed(session, "e_") == ["E_x AB"]  # not "Ex AB" nor "Ekström AB": _ is no wildcard
    assert listed(session, "%") == ["%-rabatt AB"]  # not every name
    assert listed(session, "%-") == ["%-rabatt AB"]
    assert listed(session, "5") == ["5 % AB"]
    assert listed(session, "5 %") == []  # every word must match: "%" starts no name that "5" starts


def test_a_short_word_finds_a_private_customer_by_name_or_email_and_a_customer_by_its_number(session):
    pia = factories.private_customer(session, first_name="Ebba", last_name="Lind", email="zq.lind@example.com")
    numbered = business(session, "Nummer AB", customer_number="4711")
    business(session, "Annan AB", customer_number="1447")
    assert listed(session, "eb") == [pia.display_name]
    assert listed(session, "ZQ") == [pia.display_name]  # the e-mail's start
    assert listed(session, "47") == [numbered.display_name]  # the number's start, not "1447"
    assert listed(session, "447") == ["Annan AB"]  # three digits: anywhere


def test_a_short_word_narrows_with_the_filters_and_the_other_words(session, named):
    assert listed(session, "ek bygg") == ["EKO Bygg AB"]
    customer = session.scalar(select(Customer).where(Customer.display_name == "Ekström AB"))
    customer_service.set_status(session, None, customer, "INACTIVE")
    session.commit()
    assert listed(session, "ek", status="inactive") == ["Ekström AB"]
    assert listed(session, "ek", status="active") == sorted(["EKO Bygg AB", "ekonomi & Co"])


# --- the organizations and users lists and the pickers: the same matching -------------------------


def test_organizations_users_and_the_pickers_match_short_words_at_the_start(session, named):
    orgs = lambda search: sorted(session.scalars(  # noqa: E731
        select(Organization.name).where(lists.organization_search(search))))
    assert orgs("ek") == sorted(["EKO Bygg AB", "Ekström AB", "ekonomi & Co"])
    assert orgs("åk") == sorted(["ÅKERI NORD AB", "Åkesson AB", "åkare Öst AB"])
    factories.organization(session, name="Åkerby AB", org_number=swedish_number("556677889"))
    # the organization picker (unlinked organizations only) matches the same way
    picked = [o.name for o in session.scalars(customer_service.available_organizations_query(session, "ÅK"))]
    assert picked == ["Åkerby AB"]
    # an organization number is looked for from three characters: two digits start nearly all of them
    assert orgs("55") == [] and orgs("556677") == ["Åkerby AB"]

    ebba = factories.user(session, role="guest", first_name="Ebba", last_name="Åström", email="ebba@example.com")
    factories.user(session, role="guest", first_name="Olle", last_name="Sekund", email="olle@example.com")
    factories.user(session, role="guest", first_name="Ulla", last_name="Berg", email="ek.ulla@example.com")
    users = lambda search: sorted(session.scalars(  # noqa: E731
        select(User.email).where(lists.user_search(search))))
    assert users("eb") == ["ebba@example.com"]  # the first name's start (not "Sekund": "ek" inside)
    assert users("ÅS") == ["ebba@example.com"]  # the last name's start
    assert users("EK") == ["ek.ulla@example.com"]  # the e-mail's start
    # the customer-admin picker uses the users list's matching
    admins = [u.email for u in session.scalars(customer_service.eligible_admins_query(session, "åS"))]
    assert admins == [ebba.email]


# --- on an index ----------------------------------------------------------------------------------


def plan_of(session, stmt) -> str:
    """The plan of ``stmt`` with its parameters bound as the app binds them (not written into the SQL)."""
    conn = session.connection()
    compiled = stmt.compile(conn)
    if postgres():
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # (a tiny table: else a scan is cheapest)
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        return "\n".join(r[0] for r in rows)
    params = tuple(compiled.params[name] for name in compiled.positiontup)
    return "\n".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params))


@pytest.mark.parametrize("model, condition, index", [
    # (the list's search ORs the display name with other columns: on a table this small the planner may
    # read them all at once, so the name's own condition is what is checked here)
    (Customer, lambda: word_matches(Customer.display_name, "ek"), "ix_customer_display_name_prefix"),
    (Customer, lambda: word_matches(Customer.display_name, "Åk"), "ix_customer_display_name_prefix"),
    # (the list finds few matches by each branch of its search on its own index: few_ids_statement)
    (Customer, lambda: customer_list.few_ids_statement("47", [], 1001), "ix_customer_customer_number_prefix"),
    (Customer, lambda: customer_list.few_ids_statement("ek", [], 1001), "ix_contact_email_key_prefix"),
    (Customer, lambda: customer_list.few_ids_statement("ek", [], 1001), "ix_customer_display_name_prefix"),
    (Organization, lambda: lists.organization_search("ek"), "ix_organization_name_prefix"),
    (User, lambda: lists.user_search("ek"), "ix_user_first_name_prefix"),
    (User, lambda: lists.user_search("ek"), "ix_user_last_name_prefix"),
    (User, lambda: lists.user_search("ek"), "ix_user_email_prefix"),
])
def test_a_short_word_is_a_range_on_a_prefix_index(session, model, condition, index):
    found = condition()
    plan = plan_of(session, found if isinstance(found, Select) else select(model.id).where(found))
    if index == "ix_user_email_prefix" and not postgres() and "ix_user_email_trgm" in plan:
        # (on SQLite the trigram index is a plain B-tree on the same column: either serves the range, and
        # which one SQLite's planner takes without statistics depends on what ran before)
        index = "ix_user_email_trgm"
    assert index in plan, plan
    if postgres():  # LIKE 'ek%' on text_pattern_ops: the index range ~>=~ 'ek' AND ~<~ 'el'
        assert "~>=~" in plan and "~<~" in plan and "Seq Scan" not in plan, plan
    else:  # the range written out: SEARCH … USING INDEX (… >? AND … <?)
        assert re.search(rf"SEARCH \w+ USING (COVERING )?INDEX {index} \(<expr>>\? AND <expr><\?\)"
                         rf"|SEARCH \w+ USING (COVERING )?INDEX {index} \(\w+>\? AND \w+<\?\)", plan), plan


# --- the customers list's count -------------------------------------------------------------------


def test_the_count_is_exact_for_small_lists(session, named):
    whole = customer_list.list_page(session, None)
    assert (int(whole.count), whole.count.kind) == (len(NAMES), "exact")
    searched = customer_list.list_page(session, None, search="ek")
    assert (int(searched.count), searched.count.kind) == (3, "exact")
    assert customer_list.list_page(session, None, search="zz").count == 0


def test_a_search_past_the_cap_says_more_than_and_counts_past_the_page_shown(session, named, monkeypatch):
    monkeypatch.setattr(counting, "CAP", 4)
    found = customer_list.list_page(session, None, status="active", page_size=2)  # a filter: every customer
    assert (int(found.count), found.count.kind) == (4, "more_than") and len(found.rows) == 2
    second = customer_list.list_page(session, None, status="active", page=3, page_size=2)  # rows 7–8
    assert (int(second.count), second.count.kind) == (6 + 4, "more_than")  # 4 past the page's first row
    last = customer_list.list_page(session, None, status="active", page=6, page_size=2)  # rows 13–14
    assert (int(last.count), last.count.kind) == (len(NAMES), "exact")  # fewer than 4 past it: exact
    unfiltered = customer_list.list_page(session, None)
    assert (int(unfiltered.count), unfiltered.count.kind) == (len(NAMES), "exact")  # counting.total: not capped
    monkeypatch.setattr(counting, "CAP", 2)
    searched = customer_list.list_page(session, None, search="ek", page_size=2)  # 3 names start with "ek"
    assert (int(searched.count), searched.count.kind, len(searched.rows)) == (2, "more_than", 2)


def test_the_whole_list_is_the_planners_estimate_on_postgresql(session, named, monkeypatch):
    if postgres():
        session.execute(text("ANALYZE customer"))
        session.commit()
    monkeypatch.setattr(counting, "EXACT_BELOW", 10)
    found = customer_list.list_page(session, None)
    if postgres():  # ANALYZE read every row of so small a table: the estimate is the number
        assert (int(found.count), found.count.kind) == (len(NAMES), "estimate")
    else:  # SQLite has no estimate: always exact
        assert (int(found.count), found.count.kind) == (len(NAMES), "exact")
    assert customer_list.list_page(session, None, search="ek").count.kind == "exact"  # searched: capped, small


def showing(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'<div class="text-muted bo-showing">\s*(.*?)\s*</div>', html, re.S).group(1))


def page_links(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="[^"]*[?&]page=(\d+)', html)}


def test_the_customers_list_page_words_the_count(client, session, monkeypatch):
    for i in range(25):
        business(session, f"Ekorre {i:02d} AB")
    business(session, "Annan AB")
    admin = factories.user(session, role="system-admin", email="root@example.com", first_name="Root", last_name="Admin")
    login(client, admin)
    assert showing(client.get("/admin/customers/?search=ek").get_data(as_text=True)) == "Showing 1–20 of 25 results"
    monkeypatch.setattr(counting, "CAP", 21)
    html = client.get("/admin/customers/?search=ek").get_data(as_text=True)
    assert showing(html) == "Showing 1–20 of more than 21 results"
    assert 1 in page_links(html)  # the next page is reachable
    html = client.get("/admin/customers/?search=ek&page=1").get_data(as_text=True)
    assert showing(html) == "Showing 21–25 of 25 results"  # counted past page 2's first row: exact again
    assert html.count('class="action-checkbox"') == 5
    if postgres():
        session.execute(text("ANALYZE customer"))
        session.commit()
    monkeypatch.setattr(counting, "EXACT_BELOW", 10)
    html = client.get("/admin/customers/").get_data(as_text=True)
    assert showing(html) == ("Showing 1–20 of about 26 results" if postgres() else "Showing 1–20 of 26 results")
    assert 1 in page_links(html)
    # the empty state
    html = client.get("/admin/customers/?search=zq").get_data(as_text=True)
    assert showing(html) == "Showing 0 of 0 results" and "No results for “zq”." in html
