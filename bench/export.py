"""`make bench`: the customers CSV export, downloaded through the Flask test client, beside COPY of its query.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> python -m bench.export [--rows 100000]
    python -m bench.export --smoke          # 10,000 rows, one run, nothing written or judged

Like bench/lists.py: on PostgreSQL it works in a schema of its own (``bench_export``), created, migrated, filled
by bench/generate.py (plus two custom fields, a text and a yes/no, with values on a third of the customers)
and dropped again; without a PostgreSQL DATABASE_URL on a throw-away SQLite file. It runs at two sizes (10,000
and ``--rows``) so that the memory growth can be compared. The figures go into bench/README.md between the
``bench:export`` marks.

At each size:

- HTTP: ``GET /admin/customers/export/customers.csv`` signed in as a Swedish system administrator, the body
  read chunk by chunk as a browser would (never held whole): rows per second, best and median of ``--runs``.
- baseline, the raw SQL of the same work in the same run: on PostgreSQL ``COPY (<the export's final query>)
  TO STDOUT (FORMAT csv)`` read through psycopg and thrown away; on SQLite the same query's rows fetched.
- memory: the process's peak RSS growth during one download (Linux: VmHWM reset through
  /proc/self/clear_refs), and the Python allocations' peak (tracemalloc) during another, untimed one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.run import bench_url as _customers_bench_url

SCHEMA = "bench_export"
MARK_BEGIN, MARK_END = "<!-- bench:export -->", "<!-- /bench:export -->"
PATH = "/admin/customers/export/customers.csv"
SMALL = 10_000


def bench_url(base: str) -> str:
    return _customers_bench_url(base).replace("bench_customers", SCHEMA)


def arguments(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=None, help="customers of the large size (default 100,000)")
    parser.add_argument("--runs", type=int, default=None, help="timed downloads per size (default 5)")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="CI: 10,000 rows, one run, no warm-up, nothing written to the README")
    parser.add_argument("--reuse", action="store_true",
                        help="export the data make bench-data left (schema bench_customers, no custom fields), as it is")
    args = parser.parse_args(argv)
    args.rows = args.rows or (SMALL if args.smoke else int(os.environ.get("BENCH_ROWS", 100_000)))
    args.runs = args.runs or (1 if args.smoke else 5)
    args.sizes = [args.rows] if args.smoke or args.rows <= SMALL or args.reuse else [SMALL, args.rows]
    if args.smoke:
        args.no_readme = True
    return args


def main(argv=None) -> None:
    args = arguments(argv)
    results = {"sizes": [], "load": os.getloadavg(), "runs": args.runs}
    for size in args.sizes:
        results["sizes"].append(one_size(size, args, results))
    results["load_after"] = os.getloadavg()
    report(results, args)


def one_size(size: int, args, results: dict) -> dict:
    base_url = os.environ.get("DATABASE_URL", "")
    tmp = None
    if args.reuse:  # make bench-data's schema, kept: nothing created or dropped
        if not base_url.startswith("postgresql"):
            raise SystemExit("--reuse needs a PostgreSQL DATABASE_URL (make bench-data)")
        return run(_customers_bench_url(base_url), size, args, results)
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
        return run(url, size, args, results)
    finally:
        if admin_engine is not None:
            with admin_engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            admin_engine.dispose()
        if tmp is not None:
            tmp.cleanup()


def _rss() -> tuple[int, int]:
    """(current, peak) resident set size in bytes (Linux; zeros elsewhere)."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
        return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return 0, 0


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def run(url: str, size: int, args, results: dict) -> dict:
    import logging

    from flask_migrate import upgrade

    from backoffice import create_app
    from backoffice.extensions import db
    from backoffice.services import custom_fields, customer_export, settings
    from backoffice.services import users as user_service
    from bench import generate

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
         "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1", "RATELIMIT_ENABLED": False}
    )
    logging.getLogger("backoffice.request").setLevel(logging.WARNING)
    app.logger.setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        engine = db.engine
        results["engine"] = engine.dialect.name
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                results["engine"] = "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar()
        start = time.perf_counter()
        if args.reuse:  # (the data as make bench-data left it: measured, not changed; its admin exists)
            size = db.session.scalar(text("SELECT count(*) FROM customer"))
        else:
            generate.load(engine, size)
            note = custom_fields.create_definition(db.session, None, label="Anteckning", type="text")
            key = custom_fields.create_definition(db.session, None, label="Nyckelkund", type="yesno")
            db.session.flush()
            values = f'{{"{note.key}": "Kund sedan 2019, \\"guld\\"", "{key.key}": true}}'
            db.session.execute(text("UPDATE customer SET custom_values = :v WHERE id % 3 = 0"), {"v": values})
            user_service.create_user(db.session, None, email="bench-admin@example.com", first_name="Bench",
                                     last_name="Admin", role="system-admin", password="bench-password-2026")
        language = db.session.scalar(text("SELECT language FROM \"user\" WHERE email = 'bench-admin@example.com'"))
        db.session.execute(text("UPDATE \"user\" SET language = 'sv' WHERE email = 'bench-admin@example.com'"))
        settings.update(db.session, None, require_two_factor_for_admins=False)  # the export is measured, not sign-in
        db.session.commit()
        generate_s = time.perf_counter() - start
        if engine.dialect.name != "postgresql":
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))
        # The export's final query, as the view builds it for this reader (Swedish, Stockholm time).
        definitions = custom_fields.active_definitions(db.session)
        query = customer_export.cells_query(engine.dialect.name, language="sv", zone=customer_export._zone(
            "Europe/Stockholm"), definitions=definitions)
        compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
        db.session.remove()

    client = app.test_client()
    response = client.post("/login", data={"email": "bench-admin@example.com", "password": "bench-password-2026"})
    assert response.status_code == 302, response.status_code

    def download() -> tuple[int, int]:
        response = client.get(PATH, buffered=False)
        assert response.status_code == 200, response.status_code
        lines = size_bytes = 0
        try:
            for chunk in response.response:
                lines += chunk.count(b"\r\n")
                size_bytes += len(chunk)
        finally:
            response.close()
        return lines, size_bytes

    def baseline() -> int:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            rows = 0
            if engine.dialect.name == "postgresql":
                statement = f"COPY ({compiled.string}) TO STDOUT (FORMAT csv, DELIMITER ';')"
                with raw.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
                    for _row in copy:
                        rows += 1
            else:
                raw.create_function(customer_export._SQLITE_LOCAL_TIME, 2, customer_export._sqlite_local_minute,
                                    deterministic=True)
                cursor = raw.execute(compiled.string, compiled.positiontup and
                                     [compiled.params[name] for name in compiled.positiontup] or ())
                while batch := cursor.fetchmany(customer_export.BATCH):
                    rows += len(batch)
            conn.rollback()
        return rows

    lines, size_bytes = download()  # warm-up (and the check that every row came)
    assert baseline() == size and lines >= size + 1, (lines, size)
    http_s, raw_s = [], []
    for _ in range(args.runs):  # interleaved, so that both see the same load
        start = time.perf_counter()
        download()
        http_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        baseline()
        raw_s.append(time.perf_counter() - start)

    rss_before, _ = _rss()
    rss_growth = None
    if _reset_peak_rss():
        download()
        rss_growth = _rss()[1] - rss_before
    tracemalloc.start()
    try:
        download()
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    if args.reuse:  # (the admin signs in to the other benches in its own language again)
        with app.app_context():
            db.session.execute(text("UPDATE \"user\" SET language = :l WHERE email = 'bench-admin@example.com'"),
                               {"l": language})
            db.session.commit()
    found = {
        "rows": size, "bytes": size_bytes, "generate_s": generate_s, "sql": compiled.string,
        "http_best": size / min(http_s), "http_median": size / statistics.median(http_s),
        "raw_best": size / min(raw_s), "raw_median": size / statistics.median(raw_s),
        "rss_growth": rss_growth, "traced_peak": traced_peak, "load": os.getloadavg(),
    }
    found["ratio"] = found["http_median"] / found["raw_median"]
    print(f"{size:>9,} rows ({size_bytes / 1e6:.1f} MB): HTTP {found['http_median']:,.0f} rows/s (best "
          f"{found['http_best']:,.0f}) | {'COPY' if engine.dialect.name == 'postgresql' else 'raw SQL'} "
          f"{found['raw_median']:,.0f} rows/s (best {found['raw_best']:,.0f}) | ratio {found['ratio']:.2f} | "
          f"RSS growth {(rss_growth or 0) / 1e6:.1f} MB, tracemalloc peak {traced_peak / 1e6:.1f} MB | "
          f"load {found['load'][0]:.2f}")
    return found


def report(results: dict, args) -> None:
    postgres = results["engine"].startswith("PostgreSQL")
    baseline = "COPY" if postgres else "raw SQL"
    lines = [
        MARK_BEGIN,
        f"Last run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {results['engine']}, {results['runs']} "
        f"timed downloads per size after one warm-up, each followed by the baseline; load average (1 min) "
        f"{results['load'][0]:.2f} before, {results['load_after'][0]:.2f} after.",
        "",
        f"| customers | file | HTTP rows/s (median, best) | {baseline} rows/s (median, best) | HTTP / {baseline} | "
        "RSS growth | tracemalloc peak | load (1 min) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in results["sizes"]:
        rss = "" if s["rss_growth"] is None else f"{s['rss_growth'] / 1e6:.1f} MB"
        lines.append(f"| {s['rows']:,} | {s['bytes'] / 1e6:.1f} MB | **{s['http_median']:,.0f}**, {s['http_best']:,.0f} | "
                     f"{s['raw_median']:,.0f}, {s['raw_best']:,.0f} | **{s['ratio']:.2f}** | {rss} | "
                     f"{s['traced_peak'] / 1e6:.1f} MB | {s['load'][0]:.2f} |")
    lines += ["", f"HTTP = `GET {PATH}` through the Flask test client, signed in as a Swedish system administrator "
              "(session, permission check, the custom fields' definitions, the stream), the body read chunk by chunk. "
              + ("COPY = `COPY (<the query below>) TO STDOUT (FORMAT csv, DELIMITER ';')` read through psycopg and "
                 "thrown away." if postgres else "raw SQL = the query below, its rows fetched in batches."),
              "", "<details><summary>The export's query</summary>", "", "```sql",
              results["sizes"][-1]["sql"].strip(), "```", "", "</details>", MARK_END]
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
