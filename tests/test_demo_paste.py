"""The demo data shows customers added at once (issue 13): the editor's paste is in the audit log with its
counts, and its customers are private customers in the group chosen."""

from __future__ import annotations

from sqlalchemy import select

from backoffice import demo
from backoffice.models import Customer, HistoryEntry
from backoffice.services import customer_groups


def test_demo_paste(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        entry = session.scalars(select(HistoryEntry).where(HistoryEntry.kind == "import")).one()
        assert entry.actor_name and {c["field"]: c["new"] for c in entry.changes}["customers_added"] == 3
        pasted = session.scalars(select(Customer).where(Customer.display_name.in_(
            ["David Holm", "Eva Sand", "Fredrik Alm"]))).all()
        assert len(pasted) == 3 and all(c.type == "private" for c in pasted)
        assert all([g.name for g in customer_groups.groups_of(session, c)] == ["Seasonal"] for c in pasted)
        assert demo.seed_pasted_customers(session) == 0  # idempotent
