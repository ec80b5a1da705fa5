"""What recording history costs: an organization edit with the recorder on, as a ratio to the same edit
with recording switched off (``history.disabled(session)``), measured in one run.

Two edits are measured:

* the service edit: ``update_organization`` + commit (the bare database work: the worst case, since the
  entry's INSERT is one more statement beside the UPDATE);
* the edit request: POST /admin/organizations/edit/ as a signed-in admin (what a user waits for).

    python -m bench.history                      # SQLite file in a temp dir
    python -m bench.history --smoke              # CI: one pair of two-edit blocks, nothing judged
    DATABASE_URL=postgresql+psycopg://… python -m bench.history   (a scratch database: tables are dropped)

Rounds alternate on/off in small blocks so drift on a shared machine hits both sides alike; each pair of
blocks gives a ratio and the median of those ratios is reported. Target: ratio <= 1.2.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

PAIRS = 30
BLOCK = 40


def main(smoke: bool = False) -> None:
    from sqlalchemy import func, select

    from backoffice import create_app
    from backoffice.extensions import db
    from backoffice.models import HistoryEntry
    from backoffice.services import history
    from backoffice.services import organizations as org_service
    from backoffice.services import roles
    from backoffice.services import settings
    from backoffice.services import users as user_service

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench-history.db"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1", "SECRET_KEY": "bench",
         "WTF_CSRF_ENABLED": False, "TESTING": True}
    )
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        session = db.session
        roles.ensure_built_in(session)  # (the migrations seed them; a schema made from the models has none)
        actor = user_service.create_user(
            session, None, email="bench@example.com", first_name="Bench", last_name="Mark", role="system-admin",
            password="bench-password-123",
        )
        # The edit is measured, not sign-in: the bench admin signs in with a password only.
        settings.update(session, None, require_two_factor_for_admins=False)
        org = org_service.create_organization(session, actor, name="Bench AB", org_number="556000-0001")
        session.commit()
        org_id = org.id
        counter = iter(range(10**9))

        def service_edit() -> None:
            i = next(counter)
            org_service.update_organization(session, actor, org, name=f"Bench AB {i}", phone=f"+46 8 {5550000 + i % 100000}")
            session.commit()

        client = app.test_client()
        client.post("/login", data={"email": "bench@example.com", "password": "bench-password-123"})

        def version() -> str:
            """The version the edit form would carry (optimistic locking: a save without it saves nothing)."""
            session.expire(org)
            return str(org.version)

        def request_edit() -> None:
            i = next(counter)
            response = client.post(
                f"/admin/organizations/edit/?id={org_id}",
                data={"name": f"Bench AB {i}", "org_number": "556000-0001", "phone": f"+46 8 {5550000 + i % 100000}", "version": version()},
            )
            assert response.status_code == 302, response.status_code
            with client.session_transaction() as flask_session:  # the list the user is sent to shows the
                flask_session.pop("_flashes", None)  # flash; without it they would pile up in the cookie

        pairs, size = (1, 2) if smoke else (PAIRS, BLOCK)

        def block(edit, off: bool) -> float:
            start = time.perf_counter()
            for _ in range(size):
                if off:
                    # the request's own session: switched off by the same flag, set per request
                    session.info[history.OFF_KEY] = True
                edit()
            session.info.pop(history.OFF_KEY, None)
            return (time.perf_counter() - start) / size

        def measure(edit) -> tuple[float, float, float]:
            block(edit, False), block(edit, True)  # warm up
            on, off, ratios = [], [], []
            for _ in range(pairs):
                a, b = block(edit, False), block(edit, True)
                on.append(a), off.append(b), ratios.append(a / b)
            return statistics.median(on) * 1000, statistics.median(off) * 1000, statistics.median(ratios)

        history.set_actor(session, actor)
        before = session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.kind == "update"))
        results = {"service edit": measure(service_edit)}
        written = session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.kind == "update"))
        assert written - before == (pairs + 1) * size, written  # every recorded edit has its entry, no more
        results["edit request"] = measure(request_edit)

        print(f"engine: {db.engine.dialect.name}; {pairs} pairs of {size}-edit blocks, on/off alternating")
        for name, (on_ms, off_ms, ratio) in results.items():
            verdict = "met" if ratio <= 1.2 else "NOT met"
            print(f"{name:13}  with history {on_ms:7.3f} ms   without {off_ms:7.3f} ms   ratio {ratio:.2f} ({verdict})")
        session.close()  # (its last read left a transaction open: DROP TABLE would wait on it for ever)
        db.drop_all()


if __name__ == "__main__":
    import sys

    main(smoke="--smoke" in sys.argv[1:])
