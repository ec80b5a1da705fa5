"""`make bench-load`: 50 signed-in users against gunicorn with 4 workers (issue 12, "Several app servers").

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> python -m bench.load \\
        [--customers 100000] [--users 50] [--seconds 60] [--workers 4]
    python -m bench.load --smoke      # 10,000 customers, 5 users, 5 s: nothing timed, the checks below judged

This file is both the runner (``python -m bench.load``) and the locustfile it hands to locust (the users below,
defined only when locust loads it, so the runner itself never imports locust and its gevent patching).

The runner, on PostgreSQL only (several processes share the database):

1. creates a schema of its own (``bench_load``, bench/run.py's ``bench_database``), migrates it and fills it with
   N customers (+ as many organizations and users) by bench/generate.py, then adds the load's users: editors
   (staff who may edit customers) ``load1@bench.example.com`` …, all with one password hash computed once;
2. starts gunicorn (gunicorn.conf.py, the production settings: scrypt, CSRF, sign-in throttling counted in the
   Redis at REDIS_URL under a key prefix of this run's, removed afterwards) with 4 workers on that schema;
3. signs every user in through the sign-in form before the timed window (the throttle counts only failed
   sign-ins, so 50 good ones from 127.0.0.1 pass its default limits: a refused one stops the run);
4. runs locust headless for the window: each user browses the list (pages, sorts), searches, opens details,
   and edits a customer of its own (the edit form re-posted as a browser does, CSRF token, version field and
   multi-selects included, a new cost center each save; an expected 409 conflict is counted, not an error),
   waiting 1–3 s between steps as a person would; each user's first step, after 0–3 s, is an edit;
5. checks: no request failed, at least one save went through, each user's last saved value is in the database,
   the History has exactly one entry per successful save; prints throughput and p95 per request kind with the
   load average. Any failed check exits 1, the smoke too (it times nothing, but it must keep working).
   BENCH_LOAD_DEBUG=<file>: a save that fails writes what it posted and the answer there (a 400 names its cause).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

SCHEMA = "bench_load"
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-load-password-2026"
FIRST_ID = 1_000_000  # bench/generate.py's first id
SEARCHES = ["berg", "skog", "fjäll", "sjö", "konsult", "bygg", "lund", "data", "ber", "vik"]
SORTS = ["sort=0&desc=1", "sort=1", "sort=1&desc=1", "sort=3", "sort=3&desc=1"]


# --- the HTML forms the users fill (the runner and the locust users both use it) ---------------------------------
class _Forms(HTMLParser):
    """Every <form> of a page: its action and the values a browser would post — checked boxes only, a select's
    selected option (a single select with none selected posts its first one), every selected option of a
    ``multiple`` select (none selected posts nothing), a textarea's text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: dict | None = None
        self._textarea: str | None = None

    def _add(self, name, value):
        fields = self.forms[-1]["fields"]
        fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
            return
        if not self.forms:
            return
        name = a.get("name")
        if "disabled" in a and tag in ("input", "select", "textarea"):
            return  # (a browser posts no disabled control)
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value") if a.get("value") is not None else "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._add(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in a, "first": None, "selected": []}
        elif tag == "option" and self._select:
            value = a.get("value") or ""  # (every option here carries its value)
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["selected"].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            select, self._select = self._select, None
            if select["multiple"]:
                chosen = select["selected"]
            else:
                chosen = select["selected"][-1:] or ([select["first"]] if select["first"] is not None else [])
            for value in chosen:
                self._add(select["name"], value)
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea][-1] += data


def form_values(html: str, action_part: str) -> dict[str, list[str]]:
    """The values of the page's form whose action contains ``action_part``, each name with its list of values as
    a browser posts them (KeyError if the page has no such form)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if action_part in form["action"]:
            return {name: list(values) for name, values in form["fields"].items()}
    raise KeyError(f"no form posting to {action_part}")


# --- the locust users (only when locust loads this file: `locust -f bench/load.py`) ------------------------------
if __name__ != "__main__" and os.environ.get("BENCH_LOAD_SESSIONS"):
    from locust import HttpUser, between, events, task

    _SESSIONS = json.loads(Path(os.environ["BENCH_LOAD_SESSIONS"]).read_text())
    _CUSTOMERS = int(os.environ["BENCH_LOAD_CUSTOMERS"])
    _next_session = itertools.count()
    SAVES: dict[str, dict] = {}

    class Editor(HttpUser):
        """A signed-in editor (signed in by the runner before the window: its cookies come from the file)."""

        wait_time = between(1, 3)

        def on_start(self):
            me = _SESSIONS[next(_next_session) % len(_SESSIONS)]
            self.me = me
            # Each cookie with the domain and path it was set for, so that a Set-Cookie of the app (the session
            # cookie, renewed when a page puts its CSRF token in the session) replaces it: a copy under no domain
            # would be sent beside the new one, the app would read the stale one and refuse the form's token.
            for cookie in me["cookies"]:
                self.client.cookies.set(cookie["name"], cookie["value"], domain=cookie["domain"],
                                        path=cookie["path"])
            self.client.headers["User-Agent"] = me["user_agent"]
            self.saved = SAVES.setdefault(me["email"], {"customer_id": me["customer_id"], "user_id": me["user_id"],
                                                        "saves": 0, "conflicts": 0, "last": None})
            self.sequence = itertools.count(1)
            # Each user edits its customer once early in the window (then as one task among the others), so
            # every user saves at least once even in a short window: after a pause of its own, not all at once.
            time.sleep(random.uniform(0, 3))  # (gevent's sleep: the other users run meanwhile)
            self.edit_own()

        def _get(self, url, name):
            with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"{r.status_code} for {url}")
                return r

        @task(4)
        def list_first_page(self):
            self._get("/admin/customers/", "list, first page")

        @task(2)
        def list_page(self):
            self._get(f"/admin/customers/?page={random.randint(1, 50)}", "list, page 2–51")

        @task(2)
        def list_sorted(self):
            self._get(f"/admin/customers/?{random.choice(SORTS)}", "list, sorted")

        @task(3)
        def search(self):
            self._get(f"/admin/customers/?search={random.choice(SEARCHES)}", "list, search")

        @task(3)
        def details(self):
            customer_id = FIRST_ID + random.randrange(_CUSTOMERS)
            self._get(f"/admin/customers/details/?id={customer_id}", "details")

        @task(1)
        def edit_own(self):
            customer_id = self.me["customer_id"]
            url = f"/admin/customers/edit/?id={customer_id}"
            page = self._get(url, "edit form")
            if page.status_code != 200:
                return
            try:
                values = form_values(page.text, "/admin/customers/edit/")
            except KeyError as missing:
                page.failure(str(missing))
                return
            value = f"{self.me['email'].split('@')[0]}-{next(self.sequence)}"
            values["cost_center"] = [value]
            with self.client.post(url, data=values, name="save", allow_redirects=False, catch_response=True) as r:
                if r.status_code in (302, 303):
                    self.saved["saves"] += 1
                    self.saved["last"] = value
                    r.success()
                elif r.status_code == 409:  # someone saved first: the expected conflict, not an error
                    self.saved["conflicts"] += 1
                    r.success()
                else:
                    if os.environ.get("BENCH_LOAD_DEBUG"):
                        Path(os.environ["BENCH_LOAD_DEBUG"]).write_text(repr(values) + "\n\n" + r.text)
                    r.failure(f"save answered {r.status_code}")

    @events.test_stop.add_listener
    def _write_results(environment, **kwargs):
        """After every user has stopped (its last request done): the saves and the final statistics (locust's
        --csv files are rewritten once a second only, so they can miss the last second's requests)."""
        stats = environment.stats
        window = max((stats.total.last_request_timestamp or 0) - stats.total.start_time, 1e-9)

        def row(name, entry):
            return {"Name": name, "Request Count": entry.num_requests, "Failure Count": entry.num_failures,
                    "Requests/s": entry.num_requests / window,
                    **{f"{int(q * 100)}%": entry.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99)},
                    "Max Response Time": entry.max_response_time or 0}

        rows = [row(entry.name, entry) for entry in sorted(stats.entries.values(), key=lambda e: e.name)]
        rows.append(row("Aggregated", stats.total))
        failures = [{"Name": e.name, "Error": e.error, "Occurrences": e.occurrences} for e in stats.errors.values()]
        Path(os.environ["BENCH_LOAD_RESULTS"]).write_text(json.dumps(
            {"saves": SAVES, "rows": rows, "failures": failures, "window_s": window}))


# --- the runner ---------------------------------------------------------------------------------------------------
def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=None, help="customers (+ as many organizations and users)")
    parser.add_argument("--users", type=int, default=None, help="signed-in users (50)")
    parser.add_argument("--seconds", type=int, default=None, help="the timed window (60)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the bench schema afterwards")
    parser.add_argument("--smoke", action="store_true", help="CI: 10,000 customers, 5 users, 5 s, nothing timed")
    parser.add_argument("--reuse", action="store_true",
                        help="run against the data make bench-data left (schema bench_customers), adding the editors")
    args = parser.parse_args(argv)
    args.customers = args.customers or (10_000 if args.smoke else int(os.environ.get("BENCH_CUSTOMERS", 100_000)))
    args.users = args.users or (5 if args.smoke else 50)
    args.seconds = args.seconds or (5 if args.smoke else 60)
    return args


def fill(url: str, customers: int, users: int, reuse: bool = False) -> dict:
    """Migrate the schema, generate the customers (``reuse``: those make bench-data left), add the editors
    (those missing); each editor's own customer."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text
    from werkzeug.security import generate_password_hash

    from backoffice import create_app
    from backoffice.extensions import db
    from backoffice.models import Customer, User
    from backoffice.models.base import utcnow
    from backoffice.services import settings
    from bench import generate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        if reuse:
            customers = db.session.scalar(text("SELECT count(*) FROM customer"))
        else:
            generate.load(db.engine, customers)
        generated = time.perf_counter() - start
        # The edits change the cost center: shown on the form (a register setting).
        settings.update(db.session, None, show_cost_center=True)
        password_hash = generate_password_hash(PASSWORD, method="scrypt")  # once, the production method
        now = utcnow()
        present = set(db.session.scalars(select(User.email).where(User.email.like("load%@bench.example.com"))))
        missing = [i for i in range(1, users + 1) if f"load{i}@bench.example.com" not in present]
        db.session.execute(insert(User), [
            dict(email=f"load{i}@bench.example.com", first_name="Load", last_name=f"Editor {i:02d}", role="editor",
                 language="en", timezone="Europe/Stockholm", active=True, must_change_password=False,
                 password_hash=password_hash, created_at=now, updated_at=now)
            for i in missing
        ]) if missing else None
        editors = db.session.execute(
            select(User.id, User.email).where(User.email.like("load%@bench.example.com")).order_by(User.id)).all()
        own = db.session.scalars(
            select(Customer.id).where(Customer.deleted_at.is_(None), Customer.type == "business")
            .order_by(Customer.id).limit(users)).all()
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return {"generate_s": generated, "customers": customers,
            "editors": [{"user_id": u.id, "email": u.email, "customer_id": c} for u, c in zip(editors, own)]}


def wait_for(base: str, process, seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(base + "/login", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer in time")


def sign_in(base: str, editors: list[dict], user_agent: str) -> list[dict]:
    """Each editor signed in through the sign-in form (CSRF token and all), before the window."""
    import requests

    sessions = []
    for editor in editors:
        client = requests.Session()
        client.headers["User-Agent"] = user_agent
        page = client.get(base + "/login", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)  # (one per session)
        r = client.post(base + "/login", data={"email": editor["email"], "password": PASSWORD, "csrf_token": token},
                        allow_redirects=False, timeout=30)
        if r.status_code != 302:
            raise SystemExit(f"sign-in of {editor['email']} answered {r.status_code} (throttled?)")
        sessions.append({**editor, "cookies": [
            {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path} for c in client.cookies],
                         "user_agent": user_agent})
    return sessions


def check(url: str, saves: dict, started_at) -> list[str]:
    """What the database says after the window: each user's last saved value, one History entry per save."""
    from sqlalchemy import create_engine, func, select

    from backoffice.models import Customer, HistoryEntry

    problems = []
    engine = create_engine(url)
    with engine.connect() as conn:
        for email, saved in saves.items():
            stored = conn.scalar(select(Customer.cost_center).where(Customer.id == saved["customer_id"]))
            if saved["saves"] and stored != saved["last"]:
                problems.append(f"{email}: last saved {saved['last']!r}, the database has {stored!r}")
            entries = conn.scalar(select(func.count()).select_from(HistoryEntry).where(
                HistoryEntry.record_type == "customer", HistoryEntry.record_id == saved["customer_id"],
                HistoryEntry.actor_id == saved["user_id"], HistoryEntry.occurred_at >= started_at))
            if entries != saved["saves"]:
                problems.append(f"{email}: {saved['saves']} saves, {entries} History entries")
    engine.dispose()
    return problems


def report(rows: list[dict], saves: dict, args, load_before, load_after, generate_s: float, problems: list[str]):
    print(f"\nbench.load: {args.customers:,} customers on PostgreSQL, gunicorn {args.workers} workers, "
          f"{args.users} users signed in before a {args.seconds} s window (think time 1–3 s); "
          f"data generated in {generate_s:.1f} s")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (1, 5, 15 min)")
    print(f"{'request':24} {'count':>7} {'failed':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        print(f"{name:24} {row['Request Count']:>7} {row['Failure Count']:>6} {float(row['Requests/s']):7.1f} "
              f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} {float(row['Max Response Time']):7.0f}")
    total_saves = sum(s["saves"] for s in saves.values())
    conflicts = sum(s["conflicts"] for s in saves.values())
    print(f"saves {total_saves} by {sum(1 for s in saves.values() if s['saves'])} users, conflicts (409) {conflicts}")
    print("checks: " + ("every last saved value is stored, one History entry per save" if not problems
                        else f"{len(problems)} problems:\n  " + "\n  ".join(problems[:20])))


def main(argv=None) -> int:
    from bench.run import bench_database

    args = arguments(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("bench.load runs on PostgreSQL: set DATABASE_URL=postgresql+psycopg://…")
    if shutil.which("locust", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("locust is not installed: make install (the bench extra)")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"bench-load-{uuid.uuid4().hex[:12]}"
    base = f"http://127.0.0.1:{args.port}"
    from bench.run import SCHEMA as DATA_SCHEMA

    schema = DATA_SCHEMA if args.reuse else SCHEMA
    with bench_database(schema, keep=args.keep, reuse=args.reuse) as url, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        filled = fill(url, args.customers, args.users, reuse=args.reuse)
        args.customers = filled["customers"]
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "REDIS_URL": redis_url,
               "RATELIMIT_KEY_PREFIX": prefix, "HOST": "127.0.0.1", "PORT": str(args.port),
               "WORKERS": str(args.workers), "BASE_URL": base}
        log = (tmp / "gunicorn.log").open("w")
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(base, server)
            sessions = sign_in(base, filled["editors"], user_agent="bench-load")
            (tmp / "sessions.json").write_text(json.dumps(sessions))
            from backoffice.models.base import utcnow

            started_at = utcnow()
            load_before = os.getloadavg()
            subprocess.run(
                [str(Path(sys.executable).parent / "locust"), "-f", __file__, "--headless", "--host", base,
                 "--users", str(args.users), "--spawn-rate", str(args.users), "--run-time", f"{args.seconds}s",
                 "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING"],
                cwd=ROOT, check=False, stdout=subprocess.DEVNULL,
                env={**os.environ, "BENCH_LOAD_SESSIONS": str(tmp / "sessions.json"),
                     "BENCH_LOAD_RESULTS": str(tmp / "results.json"), "BENCH_LOAD_CUSTOMERS": str(args.customers)},
            )
            load_after = os.getloadavg()
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
            _forget_counters(redis_url, prefix)
        results = json.loads((tmp / "results.json").read_text())
        saves, rows = results["saves"], results["rows"]
        problems = check(url, saves, started_at)
        failures = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "Aggregated")
        if failures:
            problems.insert(0, f"{failures} requests failed: " + "; ".join(
                f"{r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in results["failures"]))
        if not any(s["saves"] for s in saves.values()):
            problems.insert(0, "no save went through")
        if len(saves) != args.users:
            problems.insert(0, f"{len(saves)} of {args.users} users ran")
        report(rows, saves, args, load_before, load_after, filled["generate_s"], problems)
        if problems:
            print("\n".join(open(tmp / "gunicorn.log").read().splitlines()[-30:]), file=sys.stderr)
    return 1 if problems else 0


def _forget_counters(redis_url: str, prefix: str) -> None:
    """The throttle's counters of this run (its own key prefix) are removed from Redis."""
    try:
        import redis

        conn = redis.Redis.from_url(redis_url)
        keys = list(conn.scan_iter(f"*{prefix}*"))
        if keys:
            conn.delete(*keys)
    except Exception:  # (an unreachable Redis holds nothing: the app fell back to counting in memory)
        pass


if __name__ == "__main__":
    sys.exit(main())
