"""`make bench`: the customers list at scale, rendered through the Flask test client, beside the raw SQL.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> python -m bench.run [--customers 100000]

On PostgreSQL the bench works in a schema of its own (`bench_customers`), created, migrated, filled and
dropped by this run; nothing else in the database is touched. Without a PostgreSQL DATABASE_URL it runs on
a throw-away SQLite file (figures for orientation only). The figures are written into bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select, text

SCHEMA = "bench_customers"
README = Path(__file__).with_name("README.md")
MARK_BEGIN, MARK_END = "<!-- bench:results -->", "<!-- /bench:results -->"


def write_readme_block(block: str, begin: str, end: str) -> None:
    """Put ``block`` (which starts with ``begin`` and ends with ``end``) into bench/README.md in place of the
    block between those marks, or at the end of the file when it has none yet."""
    current = README.read_text() if README.exists() else ""
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        README.write_text(head + block + rest.split(end, 1)[1])
    else:
        README.write_text(current.rstrip() + "\n\n" + block + "\n")
    print(f"Figures written to {README}")


def percentile(values, p):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def timed(fn, runs, warmup=5):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(samples), "p95": percentile(samples, 95), "max": max(samples)}


def bound_sql(stmt, engine):
    """(SQL, parameters) of ``stmt`` as the driver gets it from the app (placeholders, not literals)."""
    compiled = stmt.compile(engine, compile_kwargs={"render_postcompile": True})
    if compiled.positiontup is not None:
        return str(compiled), tuple(compiled.params[name] for name in compiled.positiontup)
    return str(compiled), compiled.params


def captured(engine, fn):
    """``fn()`` and every statement it sent to the database, as (SQL, parameters) the driver got."""
    from sqlalchemy import event

    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        result = fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return result, seen


def with_parameters(sql: str, params) -> str:
    """A caught statement for the README: its SQL, and its first parameters as a comment."""
    if not params:
        return sql.strip()
    items = [f"{k}={v!r}" for k, v in params.items()] if isinstance(params, dict) else [repr(v) for v in params]
    more = f" … and {len(items) - 8} more" if len(items) > 8 else ""
    return sql.strip() + "\n-- parameters: " + ", ".join(items[:8]) + more


def list_count_statement(engine, conds, offset: int = 0):
    """The count customer_list.list_count runs (issue 12): capped past the page when searched or filtered,
    else the planner's estimate on PostgreSQL (exact on SQLite)."""
    from backoffice.models import Customer
    from backoffice.services import counting

    if conds:
        return counting.capped_statement(select(Customer.id).where(*conds), counting.cap_of(offset=offset))
    if engine.dialect.name == "postgresql":
        return counting.estimate_statement(Customer)
    return select(func.count()).select_from(Customer)


def bench_url(base: str, schema: str = SCHEMA) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}%2Cpublic"


@contextmanager
def bench_database(schema: str = SCHEMA, keep: bool = False, reuse: bool = False):
    """The database URL a bench works on: on PostgreSQL (DATABASE_URL) a schema of its own, created empty here
    and dropped afterwards (unless ``keep``), nothing else in the database touched; without a PostgreSQL
    DATABASE_URL a throw-away SQLite file. With ``reuse`` an existing schema (``make bench-data``) is measured
    as it is and kept."""
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgresql"):
        if reuse:
            raise SystemExit("--reuse and make bench-data need a PostgreSQL DATABASE_URL")
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    admin_engine = create_engine(base_url)
    with admin_engine.begin() as conn:
        exists = conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{schema}.customer"}).scalar() is not None
        keep = keep or reuse
        if not (reuse and exists):
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    try:
        yield bench_url(base_url, schema)
    finally:
        if not keep:
            with admin_engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 100_000)))
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench schema afterwards (to explore plans)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the data a previous --fill-only (make bench-data) left, generating it only if absent")
    parser.add_argument("--fill-only", action="store_true",
                        help="create and fill the bench schema, keep it, measure nothing (make bench-data)")
    args = parser.parse_args()

    with bench_database(SCHEMA, keep=args.keep, reuse=args.reuse or args.fill_only) as url:
        results = run(url, args)
    if results is not None:
        report(results, args)


def extra_filter_cases(generate, group_ids, three) -> list:
    """The customer type, payment method and location group filters (issue 11), alone and with the search."""
    city = generate.LOCATIONS.index("City") + 1
    cases = []
    for label, params, kwargs in (
        ("customer type Private", {"customer_type": "private"}, {"customer_type": "private"}),
        ("payment method Card", {"payment_method": "card"}, {"payment_method": "card"}),
        ("location group City", {"location_group": city}, {"location_group_id": city}),
    ):
        cases.append((f"Filter {label}", params, kwargs, 0))
        cases.append((f"Filter {label} + search “{three}”", {**params, "search": three}, {**kwargs, "search": three}, 0))
    everything = {"status": "active", "customer_type": "business", "payment_method": "invoice", "location_group": city}
    cases.append((f"Filters status, type, payment method, location group + search “{three}”",
                  {**everything, "search": three},
                  {**{k: v for k, v in everything.items() if k != "location_group"}, "location_group_id": city,
                   "search": three}, 0))
    return cases


def paging_cases(app, last_page: int) -> list:
    """(issue 12) Deep pages of the default sort, each with the statements customer_list runs for it (the count,
    the cursor row's sort keys read back, the page): page 1000 reached by Next (a cursor: after= the last row
    of page 999), page 1000 by its number (the deferred join), the last page (the reverse order), and the
    last page by its number (the deferred join)."""
    from sqlalchemy import tuple_

    from backoffice.extensions import db
    from backoffice.models import Customer
    from backoffice.services import customer_list

    deep = min(999, last_page // 2)  # page 1000 (0-based 999), or the middle of a smaller list
    keys = customer_list.sort_keys(None)
    order = customer_list._order(None, False)
    with app.app_context():
        count = list_count_statement(db.engine, [])
        cursor = db.session.scalar(select(Customer.id).order_by(*order).offset(deep * 20 - 1).limit(1))
        values = tuple(db.session.execute(select(*keys).where(Customer.id == cursor)).one())
    read_keys = select(*keys).where(Customer.id == cursor)
    after = customer_list.list_statement().where(tuple_(*keys) > tuple_(*values)).limit(21)

    def deferred(page: int):
        ids = select(Customer.id).order_by(*order).limit(21).offset(page * 20).subquery()
        return customer_list.list_statement().where(Customer.id.in_(select(ids.c.id)))

    last = customer_list.list_statement(desc=True).limit(21)
    return [
        (f"Page {deep + 1} by Next (keyset: after= a cursor)", {"after": cursor}, [count, read_keys, after]),
        (f"Page {deep + 1} by its number (deferred join)", {"page": deep}, [count, deferred(deep)]),
        ("Last page (Last: the reverse order)", {"last": 1}, [count, last]),
        ("Last page by its number (deferred join)", {"page": last_page}, [count, deferred(last_page)]),
    ]


def run(url: str, args) -> dict:
    from flask_migrate import upgrade

    from backoffice import create_app
    from backoffice.services import counting
    from backoffice.services import customer_list  # the list query the view calls (bench imports nothing from admin/)
    from backoffice.extensions import db
    from backoffice.services import users as user_service
    from backoffice.services import settings
    from bench import generate

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        }
    )
    import logging

    logging.getLogger("backoffice.request").setLevel(logging.WARNING)  # (one line per request: the figures drown)
    app.logger.setLevel(logging.WARNING)
    results = {"engine": "", "customers": args.customers, "runs": args.runs, "cases": [], "load": os.getloadavg()}
    with app.app_context():
        upgrade()
        engine = db.engine
        results["engine"] = engine.dialect.name
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                results["engine"] = "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar()
        filled = db.session.scalar(text("SELECT count(*) FROM (SELECT 1 FROM customer LIMIT 1) AS c"))
        if filled and (args.reuse or args.fill_only):
            # make bench-data left it: measure how many it holds (a --customers that differs is ignored)
            args.customers = db.session.scalar(text("SELECT count(*) FROM customer"))
            results["customers"], results["generate_s"] = args.customers, 0.0
        else:
            start = time.perf_counter()
            generate.load(engine, args.customers)
            results["generate_s"] = time.perf_counter() - start
            user_service.create_user(
                db.session, None, email="bench-admin@example.com", first_name="Bench", last_name="Admin",
                role="system-admin", password="bench-password-2026",
            )
            # The list is measured, not sign-in: the bench admin signs in with a password only.
            settings.update(db.session, None, require_two_factor_for_admins=False)
            db.session.commit()
        db.session.remove()
    if args.fill_only:
        print(f"bench schema {SCHEMA}: {args.customers:,} customers ({results['generate_s']:.0f} s to generate); "
              f"measure it with python -m bench.run --reuse")
        return None

    # A name fragment that matches one organization, a word that matches many, an organization-number prefix.
    with app.app_context():
        sample = db.session.execute(text(f"SELECT name, org_number FROM organization ORDER BY id LIMIT 1 OFFSET {args.customers * 54 // 100}")).one()
    name_term = sample.name.split()[-1]  # the unique number suffix: matches one organization
    word_term = sample.name.split()[0][:6]  # a word prefix: matches many
    number_term = sample.org_number[:8]

    client = app.test_client()
    response = client.post("/login", data={"email": "bench-admin@example.com", "password": "bench-password-2026"})
    assert response.status_code == 302, response.status_code

    with app.app_context():
        from backoffice.models import Customer, CustomerGroup

        total = db.session.scalar(select(func.count()).select_from(Customer))
        group_ids = {name: gid for name, gid in db.session.execute(select(CustomerGroup.name, CustomerGroup.id))}
        guest_name = db.session.execute(text("SELECT last_name FROM \"user\" WHERE role = 'guest' LIMIT 1")).scalar() or "Berg"
        db.session.remove()
    last_page = max(0, (total - 1) // 20)
    big, small = group_ids[generate.GROUPS[0]], group_ids[generate.SMALL_GROUP]
    three = "ber"  # a three-letter search (the shortest the trigram indexes serve) that many names match: "Berg…"

    # (label, the list's URL parameters, the same filters as customer_list keyword arguments, page)
    cases = [
        ("First page, default sort (name ascending)", {}, {}, 0),
        (f"Search “{name_term}” (one match)", {"search": name_term}, {"search": name_term}, 0),
        (f"Search “{word_term}” (many matches)", {"search": word_term}, {"search": word_term}, 0),
        (f"Search “{number_term}” (organization number)", {"search": number_term}, {"search": number_term}, 0),
        # --- (issue 12) the sorts over the state and shared billing, each on its own index, both directions
        ("Sorted by Status", {"sort": 1}, {"sort": "status"}, 0),
        ("Sorted by Status, descending", {"sort": 1, "desc": 1}, {"sort": "status", "desc": True}, 0),
        ("Sorted by Allow shared billing accounts", {"sort": 3}, {"sort": "allow_shared_billing"}, 0),
        ("Sorted by Allow shared billing accounts, descending", {"sort": 3, "desc": 1},
         {"sort": "allow_shared_billing", "desc": True}, 0),
        # (issue 12) a two-letter word matches the start of the name on a prefix index; a word many names
        # contain has its count capped ("more than 1,000 results")
        ("Search “ek” (two letters: names starting with it)", {"search": "ek"}, {"search": "ek"}, 0),
        ("Search “berg” (many matches, count capped)", {"search": "berg"}, {"search": "berg"}, 0),
        # --- the list's filters (issue 11), each alone and with a three-letter search
        ("Filter status Inactive", {"status": "inactive"}, {"status": "inactive"}, 0),
        ("Filter status Deleted", {"status": "deleted"}, {"status": "deleted"}, 0),
        (f"Filter group “{generate.GROUPS[0]}” (a large group)", {"group": big}, {"group_id": big}, 0),
        (f"Filter group “{generate.SMALL_GROUP}” (a small group)", {"group": small}, {"group_id": small}, 0),
        (f"Filter status Inactive + search “{three}”", {"status": "inactive", "search": three},
         {"status": "inactive", "search": three}, 0),
        (f"Filter large group + search “{three}”", {"group": big, "search": three}, {"group_id": big, "search": three}, 0),
        (f"Filter status Active + large group + search “{three}”", {"status": "active", "group": big, "search": three},
         {"status": "active", "group_id": big, "search": three}, 0),
    ]
    cases += extra_filter_cases(generate, group_ids, three)
    paging = paging_cases(app, last_page)  # (issue 12) deep pages: keyset, deferred join, last page
    picker_term = guest_name[:4].lower()

    from backoffice.services import customers as customer_service

    runs = [(label, "/admin/customers/" + (f"?{urlencode(params)}" if params else ""), kwargs, page, False)
            for label, params, kwargs, page in cases]
    runs += [(label, "/admin/customers/?" + urlencode(params), {"_statements": statements}, 0, False)
             for label, params, statements in paging]
    runs.append((f"Customer admin picker, search “{picker_term}”", f"/admin/customers/admin-search/?q={picker_term}",
                 {"search": picker_term}, 0, True))
    for label, path, kwargs, page, picker in runs:

        def http(path=path):
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)
            r.get_data()

        with app.app_context():
            if picker:
                list_stmt = customer_service.eligible_admins_query(None, kwargs["search"]).limit(20)
                count_stmt = select(func.count()).select_from(list_stmt.subquery())  # shown, not part of the page
                found = None
            elif "_statements" in kwargs:  # (issue 12) a paging case: the count, the cursor's keys, the page
                count_stmt, *before, list_stmt = kwargs["_statements"]
                found = None
            else:
                # The statements customer_list.list_page runs for the page (the HTTP case runs list_page
                # itself), caught as the driver gets them: the raw SQL replays exactly those.
                found, replay = captured(db.engine, lambda: customer_list.list_page(db.session, None, page=page, **kwargs))
                db.session.rollback()
                assert len(found.rows) <= 20 and found.count >= len(found.rows)
            engine = db.engine
            if found is None:  # a picker or a paging case: its statements as built above
                literal = lambda stmt: str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))  # noqa: E731
                compiled = literal(list_stmt)
                count_compiled = "" if picker else literal(count_stmt)
                # Timed with the parameters bound as the app binds them (not written into the SQL): the
                # planner sees the same statement the app sends. The literal SQL is what the README shows.
                replay = ([] if picker else [bound_sql(count_stmt, engine)]) + [
                    bound_sql(stmt, engine) for stmt in (() if picker else before)] + [bound_sql(list_stmt, engine)]
                shown = [compiled]
            else:
                shown = [with_parameters(sql, params) for sql, params in replay]
                compiled, count_compiled = shown[-1], ""

            def raw(replay=replay):
                with engine.connect() as conn:
                    for statement in replay:
                        conn.exec_driver_sql(*statement).all()

            http_t = timed(http, args.runs)
            raw_t = timed(raw, args.runs)
            plan = ""
            if engine.dialect.name == "postgresql":
                with engine.connect() as conn:
                    plans = []
                    for sql, params in replay:
                        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
                        plans.append("\n".join(r[0] for r in rows))
                    plan = "\n\n".join(plans)
            rows = 0 if picker else len(client.get(path).get_data(as_text=True).split('class="action-checkbox"')) - 1
        results["cases"].append(
            {"label": label, "path": path, "http": http_t, "raw": raw_t, "sql": ";\n\n".join(shown),
             "count_sql": count_compiled,
             "plan": plan, "rows": rows, "count": None if picker or found is None else found.count}
        )
        print(f"{label:55} HTTP p50 {http_t['p50']:7.1f} ms  p95 {http_t['p95']:7.1f} ms | raw SQL p50 {raw_t['p50']:6.2f} ms  p95 {raw_t['p95']:6.2f} ms")
    results["load_after"] = os.getloadavg()
    return results


def report(results: dict, args) -> None:
    lines = [
        MARK_BEGIN,
        f"Last run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {results['engine']}, "
        f"{results['customers']:,} customers (+ as many organizations and users), {results['runs']} timed runs per case "
        f"after 5 warm-up runs; "
        + (f"data generated in {results['generate_s']:.1f} s" if results.get("generate_s")
           else "data left by make bench-data")
        + f"; load average {results['load'][0]:.2f} before, {results.get('load_after', results['load'])[0]:.2f} after.",
        "",
        "Within ratio: HTTP p95 ≤ 1.5 × raw SQL p95 + 10 ms (the issue's rule for a noisy machine).",
        "",
        "| Case | matches | HTTP p50 | HTTP p95 | raw SQL p50 | raw SQL p95 | within ratio |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for case in results["cases"]:
        h, r = case["http"], case["raw"]
        count = "" if case.get("count") is None else f"{case['count']:,}"
        within = "yes" if h["p95"] <= 1.5 * r["p95"] + 10 else "no"
        lines.append(f"| {case['label']} | {count} | {h['p50']:.1f} ms | **{h['p95']:.1f} ms** | {r['p50']:.2f} ms | {r['p95']:.2f} ms | {within} |")
    lines += ["", "HTTP = the whole page (session, permission checks, count, page query, admins, template) through the Flask "
              "test client. Raw SQL = the same count and page query executed directly (the picker has no count: it "
              "answers at most 20 matches as JSON).", ""]
    for case in results["cases"]:
        sql = case["sql"].strip() + ";"
        if case.get("count_sql"):
            sql = case["count_sql"].strip() + ";\n\n" + sql
        sql = sql.replace("%%", "%")
        lines += [f"#### {case['label']}", "", "```sql", sql, "```", ""]
        if case["plan"]:
            lines += ["<details><summary>EXPLAIN ANALYZE</summary>", "", "```", case["plan"], "```", "", "</details>", ""]
    lines.append(MARK_END)
    block = "\n".join(lines)
    if args.no_readme:
        print(block)
        return
    write_readme_block(block, MARK_BEGIN, MARK_END)


if __name__ == "__main__":
    main()
