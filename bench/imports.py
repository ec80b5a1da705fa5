"""`make bench-import`: the register upload (issue 13's "Large files" and "Against a peer") at 100,000 rows.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> python -m bench.imports [--rows 100000] [--peer]
        [--into-schema bench_customers] [--full-rows N] [--into-rows N] [--keep] [--no-readme]
    python -m bench.imports --smoke        # CI: 200 rows on DATABASE_URL's engine, no peer, nothing written

Two files, generated here:

- **four columns** (seed 003's "Adding multiple customers"): ``E-mail, First name, Last name, Phone``, the
  upload's English headers (customer_columns.header_keys), one new private customer a row: unique e-mails,
  Swedish mobile numbers ("+46 70 123 45 67") that phonenumbers accepts.
- **full columns**: our own CSV export (services/customer_export, English headers) of a scratch register that
  bench/generate.py fills on a throw-away SQLite file — business customers with valid Swedish organization
  numbers, customer numbers, customer admins (e-mail and name: the import creates those users), billing,
  payment methods, location groups, groups (created by ``create_missing``), every 20th a private customer, every
  10th soft-deleted — imported as when a register moves to a new installation. The generator's numbers and
  e-mails are shifted first, so that the file is new to make bench-data's register of 1,000,000 customers too.

Ours: ``customer_import.run(session, None, data, filename, dry_run=False, create_missing=True)`` — the public
entry point, whatever path it takes inside — and the commit, timed, into an empty register: a migrated
temporary SQLite file, and on PostgreSQL (DATABASE_URL) a schema of its own (``bench_import``), created per case
and dropped afterwards (``--keep`` keeps the last). ``--into-schema bench_customers`` also imports both files into
that existing schema (make bench-data's million) and ROLLS BACK: the run alone is timed, the kept data is left
as it was (only its id sequences have moved on). Each case checks that every row was created (none rejected)
and counts the History entries written: the customers with a "create" entry of their own, and the import's own
entry.

The peer (``--peer``): django-import-export in a throw-away virtual environment (a temporary directory, pip;
never a project dependency) with a minimal Django project: a Customer model like ours for the four columns
(e-mail unique, first and last name, phone), a ModelResource on the same file's headers, matched by e-mail
(``import_id_fields``), validated by the model's ``full_clean`` (``clean_model_instances``, as our rows are
validated); ``import_data(dry_run=False)`` with its defaults and in bulk mode (``use_bulk=True``,
``batch_size=1000``), on SQLite and, with a PostgreSQL DATABASE_URL, in a database of its own (``bench_peer``,
created and dropped). Timed: reading the CSV into a tablib Dataset and ``import_data``, as ours is timed from the
bytes. Everything runs one case after another, in one run, so the figures share the machine's load. The
figures go into bench/README.md between the ``bench:imports`` marks.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from bench.export import _reset_peak_rss, _rss
from bench.run import bench_database, bench_url, write_readme_block

SCHEMA = "bench_import"
PEER_DATABASE = "bench_peer"
MARK_BEGIN, MARK_END = "<!-- bench:imports -->", "<!-- /bench:imports -->"
FOUR = "four columns"
FULL = "full columns"
FOUR_HEADERS = ["E-mail", "First name", "Last name", "Phone"]
SHIFT = 5_000_000  # the full file's organization numbers and customer numbers: past make bench-data's million
TARGETS = {"postgresql": 15.0, "sqlite": 30.0}  # seconds for 100,000 rows (issue 13)
PEER_GOALS = {"defaults": 20.0, "bulk": 8.0}  # ours this many times faster (issue 13)
CONFIG = {"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1", "RATELIMIT_ENABLED": False}


def arguments(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=None, help="rows of the four-column file (default 100,000)")
    parser.add_argument("--full-rows", type=int, default=None, help="rows of the full-column file (default --rows)")
    parser.add_argument("--into-rows", type=int, default=None,
                        help="rows of each file imported into --into-schema (default --rows)")
    parser.add_argument("--into-schema", default=None,
                        help="also import into this existing PostgreSQL schema (make bench-data's bench_customers), "
                             "rolled back")
    parser.add_argument("--engines", default=None,
                        help="comma-separated: sqlite,postgresql (default: both with a PostgreSQL DATABASE_URL, "
                             "else sqlite; --smoke: DATABASE_URL's only)")
    parser.add_argument("--peer", action="store_true", help="also django-import-export on the four-column file")
    parser.add_argument("--keep", action="store_true", help="keep the last PostgreSQL schema bench_import")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="CI: 200 rows, DATABASE_URL's engine only, no peer, nothing written to the README")
    args = parser.parse_args(argv)
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgresql")
    if args.smoke:
        args.rows = args.rows or 200
        args.peer, args.no_readme = False, True
        args.engines = args.engines or ("postgresql" if postgres else "sqlite")
    args.rows = args.rows or int(os.environ.get("BENCH_ROWS", 100_000))
    args.full_rows = args.full_rows or args.rows
    args.into_rows = args.into_rows or args.rows
    args.engines = [e.strip() for e in (args.engines or ("sqlite,postgresql" if postgres else "sqlite")).split(",")]
    if "postgresql" in args.engines and not postgres:
        raise SystemExit("--engines postgresql needs a PostgreSQL DATABASE_URL")
    if args.into_schema and not postgres:
        raise SystemExit("--into-schema needs a PostgreSQL DATABASE_URL")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the files ---------------------------------------------------------------------------------------------
def four_column_file(n: int, seed: int = 13) -> bytes:
    """Seed 003's four columns, n new private customers (e-mails and phone numbers unique)."""
    from bench.generate import FIRST, LAST

    rnd = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FOUR_HEADERS)
    for k in range(n):
        digits = f"{k:07d}"
        writer.writerow([f"import{k}@import.example.com", rnd.choice(FIRST), rnd.choice(LAST),
                         f"+46 70 {digits[:3]} {digits[3:5]} {digits[5:]}"])
    return buffer.getvalue().encode("utf-8")


def _shifted(data: tuple) -> tuple:
    """bench/generate.py's rows with their organization numbers, customer numbers and e-mails moved out of the
    range make bench-data uses, so that the file is new to that register too."""
    from backoffice.services.org_numbers import swedish_number

    orgs, users, customers, billing, groups, members, locations, contacts = data
    for k, (org, user, customer) in enumerate(zip(orgs, users, customers)):
        number = swedish_number(f"{55 + k % 40:02d}{k + SHIFT:07d}")
        org["org_number"], org["org_number_key"] = number, number.replace("-", "")
        user["email"] = f"import-admin{k}@import.example.com"
        if customer["customer_number"] is not None:
            customer["customer_number"] = str(SHIFT + k)
    for contact in contacts:
        contact["email"] = contact["email_key"] = contact["email"].replace("@bench.", "@import.")
    return data


def full_column_file(n: int) -> bytes:
    """Our own export (English) of a scratch register of n customers (bench/generate.py, shifted), on SQLite."""
    from backoffice import create_app
    from backoffice.extensions import db
    from backoffice.models import (BillingInfo, Contact, Customer, CustomerGroup, CustomerGroupMember,
                                   LocationGroup, Organization, User)
    from backoffice.services import customer_export
    from bench import generate

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/scratch.db"})
        with app.app_context():
            migrate_quietly()
            orgs, users, customers, billing, groups, members, locations, contacts = _shifted(generate.rows(n))
            with db.engine.begin() as conn:
                for table, data in ((Organization, orgs), (User, users), (LocationGroup, locations),
                                    (Customer, customers), (Contact, contacts), (BillingInfo, billing),
                                    (CustomerGroup, groups), (CustomerGroupMember, members)):
                    for start in range(0, len(data), 5000):
                        conn.execute(insert(table.__table__), data[start:start + 5000])
            data = b"".join(customer_export.iter_customer_csv(db.session, language="en"))
            db.session.remove()
            db.engine.dispose()
    return data


# --- ours ----------------------------------------------------------------------------------------------------
@contextmanager
def register(engine: str, schema: str = SCHEMA):
    """The URL of an empty register on ``engine``: a temporary SQLite file, or a schema (bench_import)."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
    else:
        with bench_database(schema, keep=False) as url:
            yield url


def migrate_quietly() -> None:
    """flask_migrate.upgrade without alembic's line per migration (its env.py sets the logging up anew)."""
    import logging

    from flask_migrate import upgrade

    logging.disable(logging.INFO)
    try:
        upgrade()
    finally:
        logging.disable(logging.NOTSET)


def _count(session, sql: str, **params) -> int:
    return session.scalar(text(sql), params)


def ours(url: str, data: bytes, filename: str, *, migrate: bool, rollback: bool, quiet: bool) -> dict:
    """One import through customer_import.run, timed with its commit (or, ``rollback``, the run alone)."""
    import logging

    from backoffice import create_app
    from backoffice.extensions import db
    from backoffice.services import customer_import

    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    app.logger.setLevel(logging.WARNING)
    with app.app_context():
        if migrate:
            migrate_quietly()
        session = db.session
        engine_name = db.engine.dialect.name
        version = "SQLite " + session.scalar(text("SELECT sqlite_version()")) if engine_name == "sqlite" else \
            "PostgreSQL " + session.scalar(text("SHOW server_version")).split()[0]
        customers_before = _count(session, "SELECT count(*) FROM customer")
        marks = _marks(session.connection(), db.metadata.sorted_tables)
        last_entry = _count(session, "SELECT coalesce(max(id), 0) FROM history_entry")
        session.commit()
        started = time.perf_counter()

        def progress(done, total):
            if not quiet and (done % max(1, total // 10) == 0 or done == total):
                elapsed = time.perf_counter() - started
                log(f"    {done:>9,} / {total:,} rows, {elapsed:6.1f} s, {done / max(elapsed, 1e-9):,.0f} rows/s")

        rss_before = _rss()[0]
        peak_reset = _reset_peak_rss()
        start = time.perf_counter()
        report = customer_import.run(session, None, data, filename, dry_run=False, create_missing=True,
                                     progress=progress)
        if not rollback:
            session.commit()
        seconds = time.perf_counter() - start
        rss_growth = _rss()[1] - rss_before if peak_reset else None
        counts = report.counts
        rows = sum(counts.values())
        found = {
            "engine": version, "rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "counts": counts,
            "stored": report.stored, "customers_before": customers_before, "rss_growth": rss_growth,
            "customers_added": _count(session, "SELECT count(*) FROM customer") - customers_before,
            "entries": _count(session, "SELECT count(*) FROM history_entry WHERE id > :i", i=last_entry),
            "customers_with_entry": _count(
                session, "SELECT count(DISTINCT record_id) FROM history_entry WHERE id > :i AND kind = 'create' "
                         "AND record_type = 'customer'", i=last_entry),
            "import_entries": _count(session, "SELECT count(*) FROM history_entry WHERE id > :i AND "
                                              "record_type = 'customer_import'", i=last_entry),
            "rejected_sample": [(row.line, [(p.column, p.message) for p in row.problems])
                                for row in report.rejected[:3]],
            "load": os.getloadavg(),
            "marks": marks,
        }
        if rollback:
            session.rollback()
            after = _count(session, "SELECT count(*) FROM customer")
            assert after == customers_before, (after, customers_before)
            found["rolled_back"] = True
        session.close()
        db.session.remove()
        db.engine.dispose()
    return found


# --- the raw SQL of the same work ----------------------------------------------------------------------------
def _marks(connection, tables) -> dict[str, int]:
    """Per table, the highest key before the import: its ``id``, or (billing, group members) its customer's."""
    highest = {}
    for table in tables:
        key = "id" if "id" in table.c else "customer_id" if "customer_id" in table.c else None
        if key is not None:
            highest[table.name] = connection.execute(text(f'SELECT coalesce(max("{key}"), 0) FROM "{table.name}"')
                                                     ).scalar_one()
    return highest


def _new_rows(table, marks: dict[str, int]) -> str:
    key = "id" if "id" in table.c else "customer_id"
    return f'SELECT * FROM "{table.name}" WHERE "{key}" > {int(marks[table.name])}'


def raw_same_rows(source_url: str, target_url: str, marks: dict[str, int]) -> dict:
    """The raw SQL of the import's work: every row it wrote (customers, persons, organizations, users,
    billing, group members, History …) read back from ``source_url`` and written into another empty register
    (``target_url``, migrated the same way) in one transaction — COPY per table on PostgreSQL, one DBAPI
    executemany per table on SQLite — with every index and constraint. Timed: the writes and the commit."""
    from backoffice import create_app
    from backoffice.extensions import db

    source = create_engine(source_url)
    tables = [t for t in db.metadata.sorted_tables if t.name in marks]
    postgres = source.dialect.name == "postgresql"
    data, rows = {}, 0
    with source.connect() as conn:
        for table in tables:
            if postgres:
                cursor = conn.connection.driver_connection.cursor()
                with cursor.copy(f"COPY ({_new_rows(table, marks)}) TO STDOUT") as copy:
                    data[table.name] = b"".join(bytes(chunk) for chunk in copy)
                count = data[table.name].count(b"\n")
            else:
                data[table.name] = conn.exec_driver_sql(_new_rows(table, marks)).fetchall()
                count = len(data[table.name])
            rows += count
    source.dispose()
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": target_url})
    with app.app_context():
        migrate_quietly()
        engine = db.engine
        db.session.remove()
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        start = time.perf_counter()
        for table in tables:
            if not data[table.name]:
                continue
            if postgres:
                with cursor.copy(f'COPY "{table.name}" FROM STDIN') as copy:
                    copy.write(data[table.name])
            else:
                marks_ = ", ".join("?" for _ in table.c)
                cursor.executemany(f'INSERT INTO "{table.name}" VALUES ({marks_})', data[table.name])
        connection.commit()
        seconds = time.perf_counter() - start
    finally:
        connection.close()
        engine.dispose()
    return {"raw_seconds": seconds, "raw_rows": rows}


def _say(case: dict) -> None:
    c = case["counts"]
    log(f"  {case['engine']:<18} {case['file']:<13} {case['into']:<22} {case['rows']:>8,} rows "
        f"{case['seconds']:8.1f} s {case['rows_per_s']:8,.0f} rows/s | new {c['create']:,} rejected "
        f"{c['rejected']:,} stored {case['stored']} | History: {case['entries']:,} entries, "
        f"{case['customers_with_entry']:,} customers with a create entry, import entry "
        f"{case['import_entries']} | load {case['load'][0]:.2f}")
    if "raw_seconds" in case:
        log(f"    raw SQL of the same {case['raw_rows']:,} rows: {case['raw_seconds']:.1f} s "
            f"(ours {case['seconds'] / case['raw_seconds']:.1f}×)")
    if case["rejected_sample"]:
        log(f"    rejected, for example: {case['rejected_sample']}")


# --- the peer -----------------------------------------------------------------------------------------------
PEER_MODELS = '''
from django.db import models


class Customer(models.Model):
    """Like ours for seed 003's four columns: a private customer's e-mail (unique), names and phone."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    phone = models.CharField(max_length=50, blank=True)

    class Meta:
        app_label = "peer"
'''

PEER_RUN = '''
"""One django-import-export import of a four-column file: argv = database settings (JSON), mode, path."""
import json
import sys
import time

import django
from django.conf import settings

database, mode, path = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
settings.configure(INSTALLED_APPS=["peer"], DATABASES={"default": database}, USE_TZ=True,
                   DEFAULT_AUTO_FIELD="django.db.models.BigAutoField", DEBUG=False)
django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)

import tablib  # noqa: E402
from import_export import fields, resources  # noqa: E402

from peer.models import Customer  # noqa: E402


class CustomerResource(resources.ModelResource):
    email = fields.Field(attribute="email", column_name="E-mail")
    first_name = fields.Field(attribute="first_name", column_name="First name")
    last_name = fields.Field(attribute="last_name", column_name="Last name")
    phone = fields.Field(attribute="phone", column_name="Phone")

    class Meta:
        model = Customer
        fields = ("email", "first_name", "last_name", "phone")
        import_id_fields = ("email",)
        clean_model_instances = True  # every row through the model's full_clean, as ours are validated
        if mode == "bulk":
            use_bulk = True
            batch_size = 1000


start = time.perf_counter()
with open(path, encoding="utf-8") as file:
    dataset = tablib.Dataset().load(file.read(), format="csv")
result = CustomerResource().import_data(dataset, dry_run=False)
seconds = time.perf_counter() - start
import import_export  # noqa: E402

print(json.dumps({"seconds": seconds, "rows": len(dataset), "stored": Customer.objects.count(),
                  "errors": result.has_errors(), "invalid": result.has_validation_errors(),
                  "totals": dict(result.totals), "django": django.get_version(),
                  "import_export": import_export.__version__}))
'''


def peer_environment(tmp: Path, postgres: bool) -> Path:
    """A virtual environment with Django and django-import-export (and psycopg for PostgreSQL), and the project."""
    venv = tmp / "venv"
    log("  peer: creating a throw-away virtual environment (pip install django, django-import-export)…")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    packages = ["django>=5.1,<6", "django-import-export>=4,<5"] + (["psycopg[binary]>=3.1"] if postgres else [])
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                           "--disable-pip-version-check", *packages], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"pip install {' '.join(packages)} failed:\n{done.stdout}{done.stderr}")
    project = tmp / "project"
    (project / "peer").mkdir(parents=True)
    (project / "peer" / "__init__.py").write_text("")
    (project / "peer" / "models.py").write_text(textwrap.dedent(PEER_MODELS))
    (project / "run.py").write_text(textwrap.dedent(PEER_RUN))
    return venv


def peer_run(venv: Path, tmp: Path, engine: str, mode: str, path: Path) -> dict:
    base_url = os.environ.get("DATABASE_URL", "")
    admin = None
    if engine == "sqlite":
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp / f"peer-{mode}.db")}
    else:
        url = make_url(base_url)
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PEER_DATABASE}"))
            conn.execute(text(f"CREATE DATABASE {PEER_DATABASE}"))
        database = {"ENGINE": "django.db.backends.postgresql", "NAME": PEER_DATABASE, "USER": url.username or "",
                    "PASSWORD": url.password or "", "HOST": url.host or "", "PORT": str(url.port or "")}
    try:
        done = subprocess.run([str(venv / "bin" / "python"), "run.py", json.dumps(database), mode, str(path)],
                              cwd=tmp / "project", capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"django-import-export ({engine}, {mode}) failed:\n{done.stdout}{done.stderr}")
        found = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if engine == "sqlite":
            Path(database["NAME"]).unlink(missing_ok=True)
        else:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {PEER_DATABASE}"))
            admin.dispose()
    found.update(engine=engine, mode=mode, rows_per_s=found["rows"] / found["seconds"], load=os.getloadavg())
    log(f"  peer {engine:<10} {mode:<8} {found['rows']:>8,} rows {found['seconds']:8.1f} s "
        f"{found['rows_per_s']:8,.0f} rows/s | stored {found['stored']:,} errors {found['errors']} invalid "
        f"{found['invalid']} | django {found['django']}, django-import-export {found['import_export']} | "
        f"load {found['load'][0]:.2f}")
    return found


# --- the run --------------------------------------------------------------------------------------------------
def main(argv=None) -> None:
    args = arguments(argv)
    results = {"load": os.getloadavg(), "started": time.gmtime(), "cases": [], "peer": [], "args": args}
    log(f"Generating the files: {args.rows:,} rows of four columns, {args.full_rows:,} of our export's columns…")
    files = {FOUR: {}, FULL: {}}
    for n in {args.rows, args.into_rows if args.into_schema else args.rows}:
        files[FOUR][n] = four_column_file(n)
    for n in {args.full_rows, args.into_rows if args.into_schema else args.full_rows}:
        start = time.perf_counter()
        files[FULL][n] = full_column_file(n)
        log(f"  our export of {n:,} generated customers: {len(files[FULL][n]) / 1e6:.1f} MB "
            f"in {time.perf_counter() - start:.1f} s")
    sizes = {FOUR: args.rows, FULL: args.full_rows}
    for engine in args.engines:
        for kind in (FOUR, FULL):
            data = files[kind][sizes[kind]]
            with register(engine) as url:
                case = ours(url, data, f"{kind.replace(' ', '-')}.csv", migrate=True, rollback=False,
                            quiet=args.smoke)
                with register(engine, SCHEMA + "_raw") as raw_url:
                    case.update(raw_same_rows(url, raw_url, case["marks"]))
            case.update(file=kind, into="an empty register", bytes=len(data), engine_key=engine)
            results["cases"].append(case)
            _say(case)
    if args.into_schema:
        base_url = os.environ["DATABASE_URL"]
        url = bench_url(base_url, args.into_schema)
        admin = create_engine(base_url)
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{args.into_schema}.customer"}).scalar()
        admin.dispose()
        if exists is None:
            raise SystemExit(f"no schema {args.into_schema} with customers (make bench-data N=1000000 fills it)")
        for kind in (FOUR, FULL):
            data = files[kind][args.into_rows]
            case = ours(url, data, f"{kind.replace(' ', '-')}.csv", migrate=False, rollback=True, quiet=args.smoke)
            case.update(file=kind, into=f"{case['customers_before']:,} customers", bytes=len(data),
                        engine_key="postgresql")
            results["cases"].append(case)
            _say(case)
    if args.peer:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            path = tmp / "four-columns.csv"
            path.write_bytes(files[FOUR][args.rows])
            venv = peer_environment(tmp, "postgresql" in args.engines)
            for engine in args.engines:
                for mode in ("defaults", "bulk"):
                    results["peer"].append(peer_run(venv, tmp, engine, mode, path))
    results["load_after"] = os.getloadavg()
    report(results, args)


def _raw(case: dict) -> str:
    if "raw_seconds" not in case:
        return " | "
    return (f"{case['raw_seconds']:,.1f} s ({case['raw_rows']:,} rows) | "
            f"{case['seconds'] / case['raw_seconds']:.1f}×")


def _ours_for(results: dict, engine: str) -> dict | None:
    return next((c for c in results["cases"] if c["engine_key"] == engine and c["file"] == FOUR
                 and c["into"] == "an empty register"), None)


def report(results: dict, args) -> None:
    lines = [
        MARK_BEGIN,
        f"Last run: {time.strftime('%Y-%m-%d %H:%M', results['started'])}–{time.strftime('%H:%M UTC', time.gmtime())}"
        f", one case after another; load average (1 min) {results['load'][0]:.2f} before, "
        f"{results['load_after'][0]:.2f} after.",
        "",
        "| engine | file | into | rows | seconds | rows/s | 100,000 rows at this pace | target | raw SQL of the same "
        "rows | ours / raw | new / rejected | History: entries, customers with a create entry, import entry | "
        "peak RSS growth | load (1 min) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    for c in results["cases"]:
        target = TARGETS[c["engine_key"]]
        at_100k = 100_000 / c["rows_per_s"]
        counts = c["counts"]
        rss = "" if c["rss_growth"] is None else f"{c['rss_growth'] / 1e6:,.0f} MB"
        into = c["into"] + (" (rolled back)" if c.get("rolled_back") else "")
        lines.append(
            f"| {c['engine']} | {c['file']} ({c['bytes'] / 1e6:.1f} MB) | {into} | {c['rows']:,} | "
            f"{c['seconds']:,.1f} | **{c['rows_per_s']:,.0f}** | {at_100k:,.0f} s | ≤ {target:.0f} s "
            f"{'met' if at_100k <= target else 'not met'} | {_raw(c)} | "
            f"{counts['create']:,} / {counts['rejected']:,} | "
            f"{c['entries']:,}, {c['customers_with_entry']:,}, {c['import_entries']} | {rss} | {c['load'][0]:.2f} |")
    if results["peer"]:
        first = results["peer"][0]
        lines += [
            "", f"Against django-import-export {first['import_export']} (Django {first['django']}), the same "
            f"four-column file of {first['rows']:,} rows, in the same run:", "",
            "| engine | django-import-export | seconds | rows/s | ours: seconds | ours faster by | goal |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for p in results["peer"]:
            mine = _ours_for(results, p["engine"])
            if mine is None:
                continue
            faster = p["seconds"] / mine["seconds"]
            goal = PEER_GOALS[p["mode"]]
            lines.append(
                f"| {mine['engine']} | {'defaults' if p['mode'] == 'defaults' else 'bulk (use_bulk, batch_size=1000)'}"
                f"{'' if not (p['errors'] or p['invalid']) else ' (ERRORS)'} | {p['seconds']:,.1f} | "
                f"{p['rows_per_s']:,.0f} | {mine['seconds']:,.1f} | **{faster:.2f}×** | ≥ {goal:.0f}× "
                f"{'met' if faster >= goal else 'not met'} |")
    lines += [
        "",
        "Ours = `customer_import.run(session, None, file, dry_run=False, create_missing=True)` and the commit (rolled "
        "back instead, untimed, into the kept register). \"100,000 rows at this pace\" = 100,000 / rows/s, for "
        "the cases run with fewer rows. History: the entries the run wrote; the customers among them with a "
        "create entry of their own; the import's own entry (1 when stored). Raw SQL of the same rows: every row "
        "the import wrote (customers, persons, organizations, users, billing, group members, History entries), read "
        "back and written into another empty register in one transaction — `COPY` per table on PostgreSQL, one "
        "DBAPI executemany per table on SQLite — with every index and constraint (`raw_same_rows`): the database's "
        "own share of the work, which no import of these rows can go below.",
        MARK_END,
    ]
    block = "\n".join(lines)
    if args.no_readme:
        if not args.smoke:
            print(block)
        return
    write_readme_block(block, MARK_BEGIN, MARK_END)


if __name__ == "__main__":
    main()
