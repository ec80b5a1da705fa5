"""The demo data shows customers added at once (issue 13): the editor's paste is in the audit log with its
counts, and its customers are private customers in the group chosen; the administrator's imported register
file is kept on its job, and its customers, admins and group arrived with it."""

from __future__ import annotations

from sqlalchemy import select

from backoffice import demo
from backoffice.models import Customer, HistoryEntry, ImportJob, User
from backoffice.services import customer_groups


def test_demo_paste(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        entry = session.scalars(select(HistoryEntry).where(HistoryEntry.kind == "import",
                                                          HistoryEntry.record_name == "")).one()
        assert entry.actor_name and {c["field"]: c["new"] for c in entry.changes}["customers_added"] == 3
        pasted = session.scalars(select(Customer).where(Customer.display_name.in_(
            ["David Holm", "Eva Sand", "Fredrik Alm"]))).all()
        assert len(pasted) == 3 and all(c.type == "private" for c in pasted)
        assert all([g.name for g in customer_groups.groups_of(session, c)] == ["Seasonal"] for c in pasted)
        assert demo.seed_pasted_customers(session) == 0  # idempotent


def test_demo_import(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        job = session.scalars(select(ImportJob)).one()
        assert (job.filename, job.state, job.counts["create"]) == ("flyttat-register.csv", "done", 3)
        assert job.created_by.email == demo.DEMO_ADMIN_EMAIL
        entry = session.scalars(select(HistoryEntry).where(HistoryEntry.record_name == "flyttat-register.csv")).one()
        assert {c["field"]: c["new"] for c in entry.changes}["customers_added"] == 3
        moved = session.scalars(select(Customer).where(Customer.display_name == "Vättern Båt HB")).one()
        assert moved.status == "INACTIVE" and moved.admin.email == "mona@vatternbat.example"
        assert moved.admin.password_hash is None
        assert [g.name for g in customer_groups.groups_of(session, moved)] == ["Flyttade kunder"]
        assert demo.seed_imported_register(session) == 0  # idempotent
        assert session.scalar(select(User.role).where(User.email == "sara@fjallbackafisk.example")) == "customer-admin"
