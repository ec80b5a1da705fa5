"""Lists at scale (issue 12): the organizations and users lists search on indexes and count cheaply.

services/counting.py: an exact count where it is small, the planner's estimate for a large unfiltered table
(PostgreSQL), a count capped past the page for a search or a filter. The lists word it ("about", "more than").
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from backoffice.extensions import db
from backoffice.models import Organization, User
from backoffice.services import counting, lists
from backoffice.services.org_numbers import swedish_number
from tests.conftest import login
from tests.test_migrations import database_index_names


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def showing(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'<div class="text-muted bo-showing">\s*(.*?)\s*</div>', html, re.S).group(1))


def org_names(html: str) -> list[str]:
    return re.findall(r'<td class="col-name">(.*?)</td>', html)


def postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


# --- services/counting.py -----------------------------------------------------------------------


def test_capped_count_is_exact_up_to_the_cap_and_more_than_past_it(session, make_org):
    for i in range(7):
        make_org(name=f"Capped {i}")
    make_org(name="Other AB")
    session.commit()
    stmt = select(Organization).where(Organization.name.like("Capped%")).order_by(Organization.name)
    assert counting.capped(session, stmt, cap=10) == 7 and counting.capped(session, stmt, cap=10).kind == "exact"
    assert counting.capped(session, stmt, cap=7).kind == "exact"  # exactly the cap: nothing beyond it
    over = counting.capped(session, stmt, cap=5)
    assert (int(over), over.kind) == (5, "more_than")
    # from the page shown on: page 2 of 3-row pages still counts 5 rows past its first row
    assert counting.capped(session, stmt, cap=5, offset=3) == 7 and counting.capped(session, stmt, cap=3, offset=3).kind == "more_than"


def test_total_is_exact_below_the_threshold_and_the_planners_estimate_above_it(session, make_org):
    for i in range(30):
        make_org(name=f"Total {i:02d}")
    session.commit()
    exact = counting.total(session, Organization)
    assert (int(exact), exact.kind) == (30, "exact")
    if postgres():
        session.execute(text("ANALYZE organization"))
    big = counting.total(session, Organization, exact_below=10)
    if postgres():  # the planner's estimate (ANALYZE read every row of so small a table: 30)
        assert (int(big), big.kind) == (30, "estimate")
    else:  # SQLite has no estimate: COUNT(*) (fast enough at 200,000 rows)
        assert (int(big), big.kind) == (30, "exact")
    assert counting.total(session, User).kind == "exact"  # "user" (a reserved word) is found too


def test_rounded_keeps_two_significant_digits():
    assert [counting.rounded(n) for n in (7, 99, 123, 1_003_412, 999_873, 123_456)] == [7, 99, 120, 1_000_000, 1_000_000, 120_000]


# --- the organizations list ---------------------------------------------------------------------


def test_organizations_search_matches_name_or_number_in_any_punctuation(client, admin, make_org):
    number = swedish_number("556677889")  # "556677-889x", its check digit added
    make_org(name="Fjällbygg AB", org_number=number)
    make_org(name="Havsdata AB", org_number=swedish_number("112233445"))
    make_org(name="100% Bygg AB", org_number=swedish_number("559900002"))
    login(client, admin)
    for term in ("556677", "5566-77", number, number.replace("-", " "), "fjäll bygg", "FJäLLBYGG"):
        assert org_names(html_of(client.get("/admin/organizations/", query_string={"search": term}))) == ["Fjällbygg AB"], term
    # a % is a character, not "anything"; words must all match
    assert org_names(html_of(client.get("/admin/organizations/?search=100%25"))) == ["100% Bygg AB"]
    assert org_names(html_of(client.get("/admin/organizations/?search=havs+556677"))) == []


def test_organizations_search_count_is_capped(client, admin, make_org, monkeypatch):
    for i in range(12):
        make_org(name=f"Skogbygg {i:02d} AB")
    make_org(name="Havsdata AB")
    login(client, admin)
    html = html_of(client.get("/admin/organizations/?search=skog"))
    assert showing(html) == "Showing 1–12 of 12 results"  # under the cap: exact
    monkeypatch.setattr(counting, "CAP", 5)
    html = html_of(client.get("/admin/organizations/?search=skog&page_size=20"))
    assert showing(html) == "Showing 1–12 of more than 5 results" and len(org_names(html)) == 12
    monkeypatch.setattr(counting, "CAP", 3)
    html = html_of(client.get("/admin/organizations/?search=skog&page_size=20"))
    assert "of more than 3 results" in showing(html)
    # the list's own filter (numbers that fail validation) is a narrowed list too: counted the same way
    html = html_of(client.get("/admin/organizations/?failing=1"))
    assert showing(html) == "Showing 0 of 0 results"


def test_unfiltered_list_shows_about_the_planners_estimate(client, admin, make_org, session, monkeypatch):
    for i in range(25):
        make_org(name=f"Org {i:02d}")
    session.commit()
    if postgres():
        session.execute(text("ANALYZE organization"))
        session.commit()
    monkeypatch.setattr(counting, "EXACT_BELOW", 10)
    login(client, admin)
    html = html_of(client.get("/admin/organizations/"))
    assert len(org_names(html)) == 20
    if postgres():
        assert showing(html) == "Showing 1–20 of about 25 results"
    else:
        assert showing(html) == "Showing 1–20 of 25 results"


def test_a_swedish_reader_reads_the_count_in_swedish(client, make_user, make_org, monkeypatch):
    sv_admin = make_user(role="system-admin", email="sv@example.com", language="sv")
    for i in range(6):
        make_org(name=f"Skogbygg {i} AB")
    monkeypatch.setattr(counting, "CAP", 4)
    login(client, sv_admin)
    assert showing(html_of(client.get("/admin/organizations/?search=skog"))) == "Visar 1–6 av fler än 4 resultat"


@pytest.mark.parametrize(
    "search, index",
    [("556677", "ix_organization_org_number_key_trgm"), ("5566-77", "ix_organization_org_number_key_trgm"),
     ("fjäll", "ix_organization_name_trgm")],
)
def test_organizations_search_can_use_the_trigram_indexes(session, search, index):
    """Every branch of the search has an index (Flask-Admin's OR over the unindexed org_number had none).
    SQLite has no trigram indexes (a substring LIKE scans, within target at 200,000 rows): there the same
    indexes exist as plain ones, so the schema is the same on both engines."""
    if not postgres():
        with db.engine.connect() as conn:
            names = database_index_names(conn)  # (inspect() warns of the lower() expression indexes on SQLite)
        assert index in names, names
        return
    stmt = select(Organization.id).where(lists.organization_search(search))
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in session.execute(text("EXPLAIN " + sql)))
    assert index in plan and "Seq Scan" not in plan, plan


# --- the users list -----------------------------------------------------------------------------


def user_names(html: str) -> list[str]:
    cells = re.findall(r'<td class="col-first_name">(.*?)</td>', html, re.S)
    return [re.sub(r"<[^>]+>", "", re.sub(r"<span[^>]*bo-avatar[^>]*>.*?</span>", "", cell)).strip() for cell in cells]


def test_users_list_searches_name_and_e_mail_and_caps_its_count(client, admin, make_user, monkeypatch):
    make_user(first_name="Karin", last_name="Lindberg", email="karin@example.com")
    make_user(first_name="Olof", last_name="Lind", email="olof@lind.example.com")
    make_user(first_name="Per", last_name="Holm", email="p_holm@example.com")
    login(client, admin)
    assert user_names(html_of(client.get("/admin/users/?search=lind"))) == ["Olof Lind", "Karin Lindberg"]
    assert user_names(html_of(client.get("/admin/users/?search=karin+lind"))) == ["Karin Lindberg"]
    assert user_names(html_of(client.get("/admin/users/?search=p_holm"))) == ["Per Holm"]
    assert user_names(html_of(client.get("/admin/users/?search=p%25holm"))) == []  # % typed is a character
    assert showing(html_of(client.get("/admin/users/?search=lind"))) == "Showing 1–2 of 2 results"
    monkeypatch.setattr(counting, "CAP", 1)
    html = html_of(client.get("/admin/users/?search=example.com"))
    assert showing(html) == "Showing 1–4 of more than 1 results" and len(user_names(html)) == 4


def test_users_list_is_in_name_order_and_a_filter_counts_capped(client, admin, make_user, monkeypatch):
    make_user(first_name="Eva", last_name="Berg", email="eva@example.com", role="staff")
    make_user(first_name="Anna", last_name="Berg", email="anna@example.com", role="staff")
    make_user(first_name="Nils", last_name="Ek", email="nils@example.com", role="editor")
    login(client, admin)
    html = html_of(client.get("/admin/users/"))
    assert user_names(html) == ["Root Admin", "Anna Berg", "Eva Berg", "Nils Ek"] and showing(html) == "Showing 1–4 of 4 results"
    monkeypatch.setattr(counting, "CAP", 1)
    html = html_of(client.get("/admin/users/", query_string={"flt0_0": "staff"}))
    assert user_names(html) == ["Anna Berg", "Eva Berg"] and showing(html) == "Showing 1–2 of more than 1 results"


def test_users_default_order_has_its_index(session):
    """ix_user_name serves the list's ORDER BY last_name, first_name, id (page 1 stops after 20 rows)."""
    if not postgres():  # SQLite's planner walks the index too, and sorts nothing
        plan = " ".join(str(r[-1]) for r in session.execute(text(
            'EXPLAIN QUERY PLAN SELECT id FROM "user" ORDER BY last_name, first_name, id LIMIT 20')))
        assert "ix_user_name" in plan and "TEMP B-TREE" not in plan, plan
        return
    for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):  # (an empty table: any plan is cheap)
        session.execute(text(f"SET LOCAL {setting} = off"))
    plan = "\n".join(r[0] for r in session.execute(text(
        'EXPLAIN SELECT id FROM "user" ORDER BY last_name, first_name, id LIMIT 20')))
    assert "ix_user_name" in plan and "Sort" not in plan, plan


def test_every_postgresql_statement_is_planned_for_its_own_search_pattern(session):
    """psycopg prepares repeated statements; a generic plan of ``name ILIKE $1 ORDER BY name LIMIT 20`` walks
    the whole name index instead of the trigram ones (0.6 s at 100,000 rows): the app's connections say no."""
    if not postgres():  # SQLite has no plan cache to set; the connect listeners still give it its pragmas
        assert session.scalar(text("PRAGMA foreign_keys")) == 1
        return
    assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
