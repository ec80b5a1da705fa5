"""No page's number of SQL queries grows with the rows (issue 12, "Means": no N+1).

The customers list, a customer's details and edit form, the organizations list and the users list, signed in
as a system administrator, issue as many queries with 10 customers (+ as many organizations and users) as with 1,000.
The rows come from bench/generate.py (one bulk insert: businesses and private customers, deleted ones, groups,
location groups, billing), so a page shows every kind of row it can.
"""

from __future__ import annotations

from contextlib import contextmanager

from markupsafe import escape
from sqlalchemy import event

from backoffice.extensions import db
from backoffice.models import Customer
from bench import generate
from tests import factories
from tests.conftest import login, truncate_all, two_factor_not_required

FIRST_ID = 1_000_000  # generate.load's first id: the first customer (a business in two groups, with billing)
PAGES = {
    "customers list": "/admin/customers/",
    "customers list sorted by status": "/admin/customers/?sort=1",
    "customers list sorted by allow shared billing, descending": "/admin/customers/?sort=3&desc=1",
    # the start of the first customer's name (the same in both: generate.rows is seeded): a few rows match
    "customers list, search": "/admin/customers/?search=" + generate.rows(1)[2][0]["display_name"].split()[0][:5],
    "customers list, every status": "/admin/customers/?status=all",
    "customer details": f"/admin/customers/details/?id={FIRST_ID}",
    "private customer details": f"/admin/customers/details/?id={FIRST_ID + 7}",
    "customer edit form": f"/admin/customers/edit/?id={FIRST_ID}",
    "customer edit form, side panel": f"/admin/customers/edit/?id={FIRST_ID}&panel=1",
    "organizations list": "/admin/organizations/",
    "users list": "/admin/users/",
}


@contextmanager
def recorded():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def queries_per_page(client, n: int) -> tuple[dict[str, list[str]], dict[str, int]]:
    """From empty tables: n generated customers, a system administrator signed in: each page's statements and
    the rows it lists (each row of a list has its menu)."""
    db.session.remove()
    truncate_all(db.engine)
    two_factor_not_required()
    generate.load(db.engine, n, first_id=FIRST_ID)
    admin = factories.user(db.session, role="system-admin", email="root@example.com")
    login(client, admin)
    found, rows = {}, {}
    for label, url in PAGES.items():
        db.session.remove()
        assert client.get(url).status_code == 200, label  # warm up (caches of settings, translations)
        db.session.remove()  # the request shares the test's app context: start from an empty session
        with recorded() as statements:
            response = client.get(url)
        assert response.status_code == 200, label
        found[label] = statements
        html = response.get_data(as_text=True)
        rows[label] = html.count('class="btn btn-light btn-sm bo-rowmenu"')
        if "details" in label or "edit" in label:
            customer = db.session.get(Customer, int(url.split("id=")[1].split("&")[0]))
            assert escape(customer.display_name) in html, label
    return found, rows


def test_no_page_issues_more_queries_for_more_rows(client):
    few, few_rows = queries_per_page(client, 10)
    many, many_rows = queries_per_page(client, 1000)
    for label in PAGES:
        assert len(many[label]) == len(few[label]), (label, "\n=====\n".join(many[label]))
        if "list" in label:  # a list shows more rows of the 1,000 than of the 10, in as many queries
            assert 0 < few_rows[label] < many_rows[label], (label, few_rows[label], many_rows[label])
