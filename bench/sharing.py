"""Benchmark: the shared-account lookup (searchable select) and the CSV export at 100,000 customers.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> .venv/bin/python -m bench.sharing [N]
    .venv/bin/python -m bench.sharing --smoke [N]     # CI: 10,000 by default, one run of each lookup

Fills a schema of its own (``bench_sharing``, dropped afterwards; without a PostgreSQL DATABASE_URL a
throw-away SQLite file), after `db upgrade`, with N organizations and customers, then
prints p50/p95 of `sharing.eligible()` for a few searches and the time and Python memory peak of
streaming the whole CSV. Timing lives here, never in tests.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

from sqlalchemy import func, insert, select, text

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import Customer, Organization, User
from backoffice.models.base import utcnow
from backoffice.services import customer_export, sharing
from backoffice.services.org_numbers import swedish_number

WORDS = ["Nordic", "Fjäll", "Skog", "Hav", "Sol", "Berg", "Älv", "Ljus", "Vind", "Sten", "Ek", "Björk"]
KINDS = ["bygg", "konsult", "teknik", "logistik", "media", "energi", "vård", "data", "design", "service"]


def fill(session, n: int) -> None:
    have = session.scalar(select(func.count()).select_from(Customer))
    if have >= n:
        return
    start = (session.scalar(select(func.max(Organization.id))) or 0) + 1
    user_start = (session.scalar(select(func.max(User.id))) or 0) + 1
    now = utcnow()
    batch = 10_000
    for lo in range(start, start + n - have, batch):
        ids = range(lo, min(lo + batch, start + n - have))
        session.execute(insert(Organization), [
            dict(id=i, name=f"{WORDS[i % 12]}{KINDS[(i * 7) % 10]} AB {i:06d}", org_number=swedish_number(f"56{i:07d}"),
                 org_number_key=swedish_number(f"56{i:07d}").replace("-", ""), address=f"Storgatan {i % 200}",
                 municipality="Umeå", country="SE", phone="+4690123456", created_at=now, updated_at=now)
            for i in ids
        ])
        session.execute(insert(User), [
            dict(id=user_start + i, email=f"bench{user_start + i}@example.com", first_name="Bench", last_name=f"User {i}",
                 role="customer-admin", language="en", timezone="Europe/Stockholm", active=True,
                 must_change_password=False, created_at=now, updated_at=now)
            for i in ids
        ])
        session.execute(insert(Customer), [
            dict(id=i, type="business", organization_id=i, admin_user_id=None if i % 17 == 0 else user_start + i,
                 status="INACTIVE" if i % 10 == 0 else "ACTIVE", allow_shared_billing=i % 3 == 0,
                 deleted_at=now if i % 17 == 0 else None, customer_number=str(100000 + i),
                 created_at=now, updated_at=now)
            for i in ids
        ])
        session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT setval('organization_id_seq', {start + n})"))
        session.execute(text(f"SELECT setval('customer_id_seq', {start + n})"))
        session.execute(text(f"SELECT setval('user_id_seq', {user_start + start + n})"))
        session.execute(text("ANALYZE"))
        session.commit()


def timed(fn, repeat: int = 30) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return statistics.median(runs), runs[int(len(runs) * 0.95) - 1]


def main(n: int, smoke: bool = False) -> None:
    from bench.run import bench_database

    # A schema of its own (dropped afterwards), as every bench: tables it left in public were found through
    # the other benches' search_path (their schema, then public) and taken for theirs.
    with bench_database("bench_sharing") as url:
        _main(url, n, smoke)


def _main(url: str, n: int, smoke: bool) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        session = db.session
        fill(session, n)
        total = session.scalar(select(func.count()).select_from(Customer))
        owner = session.scalar(select(Customer).where(Customer.deleted_at.is_(None)).order_by(Customer.id).limit(1))
        trigram = session.get_bind().dialect.name == "postgresql" and session.scalar(
            text("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")
        )
        print(f"{session.get_bind().dialect.name}, {total} customers, trigram indexes: {trigram or 0}")
        for label, q in [("no search", None), ("common word 'berg'", "berg"), ("rare 'zzz'", "zzz"),
                         ("org number '5500012'", "5500012"), ("customer number '1099'", "1099")]:
            p50, p95 = timed(lambda q=q: sharing.eligible(session, owner, q), repeat=1 if smoke else 30)
            print(f"  lookup {label:<26} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        t = time.perf_counter()
        size = sum(len(chunk) for chunk in customer_export.iter_customer_csv(session, language="sv"))
        seconds = time.perf_counter() - t
        tracemalloc.start()
        for _chunk in customer_export.iter_customer_csv(session, language="sv"):
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  CSV export: {size / 1e6:.1f} MB in {seconds:.1f} s, Python memory peak {peak / 1e6:.1f} MB")
        db.session.remove()
        db.engine.dispose()  # (no connection left on the schema that bench_database drops)

if __name__ == "__main__":
    smoke = "--smoke" in sys.argv[1:]
    numbers = [a for a in sys.argv[1:] if a != "--smoke"]
    main(int(numbers[0]) if numbers else 10_000 if smoke else 100_000, smoke=smoke)
