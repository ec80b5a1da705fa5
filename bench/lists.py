"""`make bench`: the organizations and users lists at scale, through the Flask test client, beside the raw SQL.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> python -m bench.lists [--rows 100000]
    python -m bench.lists --smoke          # 10,000 rows, one run of each case, nothing written or judged

Like bench/run.py (whose ``timed``, ``percentile`` and ``bench_url`` it uses): on PostgreSQL it works in a schema
of its own (``bench_lists``), created, migrated, filled by bench/generate.py and dropped again; without a
PostgreSQL DATABASE_URL on a throw-away SQLite file. The figures go into bench/README.md between the
``bench:lists`` marks.

Each case is the list page signed in as a system administrator (session, permission checks, count, page
query, template) and, as its raw SQL, every statement that request sent, caught as the driver got them and
replayed directly (bench/run.py's ``captured``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select, text

from bench.run import bench_url as _customers_bench_url
from bench.run import captured, timed, with_parameters

SCHEMA = "bench_lists"
MARK_BEGIN, MARK_END = "<!-- bench:lists -->", "<!-- /bench:lists -->"
# The targets at 1,000,000 rows (PostgreSQL, p95) and the ratio that holds on a noisy machine.
TARGETS = {"organizations page": 50.0, "organizations search": 150.0, "users page": 50.0, "users search": 150.0,
           "customer details": 50.0, "customer edit form": 50.0}


def bench_url(base: str) -> str:
    return _customers_bench_url(base).replace("bench_customers", SCHEMA)


def arguments(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=None, help="organizations, users and customers (default 100,000)")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per case (default 60)")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench schema afterwards (to explore plans)")
    parser.add_argument("--smoke", action="store_true",
                        help="CI: 10,000 rows, one run per case, no warm-up, nothing written to the README")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the data make bench-data left (schema bench_customers), as it is")
    args = parser.parse_args(argv)
    smoke_rows, full_rows = 10_000, int(os.environ.get("BENCH_ROWS", 100_000))
    args.rows = args.rows or (smoke_rows if args.smoke else full_rows)
    args.runs = args.runs or (1 if args.smoke else 60)
    args.warmup = 0 if args.smoke else 5
    if args.smoke:
        args.no_readme = True
    return args


def main(argv=None) -> None:
    args = arguments(argv)
    base_url = os.environ.get("DATABASE_URL", "")
    tmp = None
    if args.reuse:  # make bench-data's schema, kept: nothing created or dropped
        if not base_url.startswith("postgresql"):
            raise SystemExit("--reuse needs a PostgreSQL DATABASE_URL (make bench-data)")
        report(run(_customers_bench_url(base_url), args), args)
        return
    if base_url.startswith("postgresql"):
        admin_engine = create_engine(base_url)
        with admin_engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        url = bench_url(base_url)
    else:
        admin_engine = None
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.db"
    try:
        results = run(url, args)
    finally:
        if admin_engine is not None and not args.keep:
            with admin_engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            admin_engine.dispose()
        if tmp is not None:
            tmp.cleanup()
    report(results, args)


def run(url: str, args) -> dict:
    from flask_migrate import upgrade

    from backoffice import create_app
    from backoffice.extensions import db
    from backoffice.models import Organization, User
    from backoffice.services import counting, lists, settings
    from backoffice.services import users as user_service
    from bench import generate

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
         "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1", "RATELIMIT_ENABLED": False}
    )
    import logging

    logging.getLogger("backoffice.request").setLevel(logging.WARNING)  # (one line per request: the figures drown)
    app.logger.setLevel(logging.WARNING)
    results = {"engine": "", "rows": args.rows, "runs": args.runs, "cases": [], "load": os.getloadavg()}
    with app.app_context():
        upgrade()
        engine = db.engine
        results["engine"] = engine.dialect.name
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                results["engine"] = "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar()
        if args.reuse:
            args.rows = results["rows"] = db.session.scalar(select(func.count()).select_from(Organization))
        else:
            start = time.perf_counter()
            generate.load(engine, args.rows)
            results["generate_s"] = time.perf_counter() - start
        if db.session.scalar(select(User.id).where(User.email == "bench-admin@example.com")) is None:
            user_service.create_user(db.session, None, email="bench-admin@example.com", first_name="Bench",
                                     last_name="Admin", role="system-admin", password="bench-password-2026")
        settings.update(db.session, None, require_two_factor_for_admins=False)  # the list is measured, not sign-in
        db.session.commit()
        sample = db.session.execute(
            text(f"SELECT name, org_number FROM organization ORDER BY id LIMIT 1 OFFSET {args.rows * 54 // 100}")
        ).one()
        email = db.session.scalar(text(f'SELECT email FROM "user" ORDER BY id LIMIT 1 OFFSET {args.rows * 37 // 100}'))
        # a business customer in the middle of the table, for its details page and edit form
        customer_id = db.session.scalar(text(
            f"SELECT id FROM customer WHERE type = 'business' ORDER BY id LIMIT 1 OFFSET {args.rows * 54 // 100}"))
        db.session.remove()

    word_term = sample.name.split()[0][:6]  # a word prefix many names share ("Fjälls…")
    number_term = sample.org_number[:8]  # an organization-number prefix with its dash ("550054-0")
    email_term = email.split("@")[0]  # "bench37000": that user and the ten-times numbers after it

    client = app.test_client()
    response = client.post("/login", data={"email": "bench-admin@example.com", "password": "bench-password-2026"})
    assert response.status_code == 302, response.status_code

    org_order = (Organization.name, Organization.id)  # OrganizationView.column_default_sort
    user_order = (User.last_name, User.first_name, User.id)  # UserView.column_default_sort
    # (label, target key, list URL, model, search condition, ORDER BY)
    cases = [
        ("Organizations, first page (name)", "organizations page", "/admin/organizations/", Organization, None, org_order),
        (f"Organizations, search “{word_term}” (a name word)", "organizations search",
         "/admin/organizations/?" + urlencode({"search": word_term}), Organization, lists.organization_search(word_term), org_order),
        (f"Organizations, search “{number_term}” (organization-number prefix)", "organizations search",
         "/admin/organizations/?" + urlencode({"search": number_term}), Organization, lists.organization_search(number_term), org_order),
        ("Organizations, search “ek” (two letters: names starting with it)", "organizations search",
         "/admin/organizations/?search=ek", Organization, lists.organization_search("ek"), org_order),
        ("Users, first page (last name, first name)", "users page", "/admin/users/", User, None, user_order),
        ("Users, search “lindq” (a name)", "users search", "/admin/users/?search=lindq", User, lists.user_search("lindq"), user_order),
        (f"Users, search “{email_term}” (an e-mail)", "users search",
         "/admin/users/?" + urlencode({"search": email_term}), User, lists.user_search(email_term), user_order),
        ("Users, search “ek” (two letters: a name or e-mail starting with it)", "users search",
         "/admin/users/?search=ek", User, lists.user_search("ek"), user_order),
        # (not lists: the pages one customer opens to, with their tabs, panels and pickers' current values)
        ("Customer details", "customer details", f"/admin/customers/details/?id={customer_id}", None, None, None),
        ("Customer edit form", "customer edit form", f"/admin/customers/edit/?id={customer_id}", None, None, None),
    ]
    for label, target, path, model, condition, order in cases:

        def http(path=path):
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)
            r.get_data()

        with app.app_context():
            engine = db.engine
            # The statements the whole request sends (the session's user, the count, the ids, the page…),
            # caught as the driver gets them: the raw SQL replays exactly those.
            client.get(path)  # (warm: the first request after start-up loads more)
            _, replay = captured(engine, lambda: client.get(path).get_data())
            page_sql = ";\n\n".join(with_parameters(sql, params) for sql, params in replay)

            def raw(replay=replay):
                with engine.connect() as conn:
                    for statement in replay:
                        conn.exec_driver_sql(*statement).all()

            http_t = timed(http, args.runs, warmup=args.warmup)
            raw_t = timed(raw, args.runs, warmup=args.warmup)
            plan = ""
            if engine.dialect.name == "postgresql":
                with engine.connect() as conn:
                    plans = []
                    for sql, params in replay:
                        if sql.lstrip().upper().startswith("SELECT"):
                            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
                            plans.append("\n".join(r[0] for r in rows))
                    plan = "\n\n".join(plans)
            html = client.get(path).get_data(as_text=True)
            if model is None:  # a customer's page: it rendered that customer
                shown = "edit form" if "/edit/" in path else "details"
                assert f"id={customer_id}" in html or str(customer_id) in html, path
            else:
                shown = html.split('bo-showing">', 1)[1].split("</div>", 1)[0].strip() if "bo-showing" in html else ""
                assert "Showing" in shown, (path, shown)  # the page rendered its rows and its count
            count_sql = ""
        results["cases"].append({"label": label, "target": target, "path": path, "http": http_t, "raw": raw_t,
                                 "sql": page_sql, "count_sql": count_sql, "plan": plan, "shown": " ".join(shown.split())})
        print(f"{label:62} HTTP p50 {http_t['p50']:7.1f} ms  p95 {http_t['p95']:7.1f} ms | raw SQL p50 {raw_t['p50']:6.2f} ms  "
              f"p95 {raw_t['p95']:6.2f} ms | {' '.join(shown.split())}")
    results["load_after"] = os.getloadavg()
    return results


def report(results: dict, args) -> None:
    lines = [
        MARK_BEGIN,
        f"Last run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {results['engine']}, {results['rows']:,} "
        f"organizations, users and customers, {results['runs']} timed runs per case after {args.warmup} warm-up runs; "
        + (f"data generated in {results['generate_s']:.1f} s" if results.get("generate_s") else "data left by make bench-data")
        + f"; load average (1 min) {results['load'][0]:.1f} before, "
        f"{results['load_after'][0]:.1f} after.",
        "",
        "| Case | shown | HTTP p50 | HTTP p95 | raw SQL p50 | raw SQL p95 | HTTP ≤ 1.5 × raw + 10 ms | target (1M) |",
        "|---|---|---:|---:|---:|---:|:-:|---:|",
    ]
    for case in results["cases"]:
        h, r = case["http"], case["raw"]
        ratio_ok = "yes" if h["p95"] <= 1.5 * r["p95"] + 10 else "no"
        lines.append(f"| {case['label']} | {case['shown']} | {h['p50']:.1f} ms | **{h['p95']:.1f} ms** | {r['p50']:.2f} ms | "
                     f"{r['p95']:.2f} ms | {ratio_ok} | ≤ {TARGETS[case['target']]:.0f} ms |")
    lines += ["", "HTTP = the whole page through the Flask test client. Raw SQL = every statement that request sent "
              "(the signed-in user, the count or the capped ids, the page, …), replayed directly with the same "
              "parameters.", ""]
    for case in results["cases"]:
        sql = ((case["count_sql"].strip() + ";\n\n" if case["count_sql"] else "") + case["sql"].strip() + ";").replace("%%", "%")
        lines += [f"#### {case['label']}", "", "```sql", sql, "```", ""]
        if case["plan"]:
            lines += ["<details><summary>EXPLAIN ANALYZE</summary>", "", "```", case["plan"], "```", "", "</details>", ""]
    lines.append(MARK_END)
    block = "\n".join(lines)
    if args.no_readme:
        if not args.smoke:
            print(block)
        return
    from bench.run import write_readme_block

    if args.reuse:  # (make bench-data's data: a block of its own, beside the generated sizes' block)
        begin, end = MARK_BEGIN.replace(" -->", ":bench-data -->"), MARK_END.replace(" -->", ":bench-data -->")
        block = block.replace(MARK_BEGIN, begin, 1).replace(MARK_END, end, 1)
        write_readme_block(block, begin, end)
        return
    write_readme_block(block, MARK_BEGIN, MARK_END)


if __name__ == "__main__":
    main()
