"""The demo data shows customer groups (issue 11): several groups with different priorities and settings,
members in two groups (the order decides), and one customer with its own override."""

from __future__ import annotations

from sqlalchemy import select

from backoffice import demo
from backoffice.models import Customer, CustomerGroup
from backoffice.services import customer_groups


def test_demo_groups_show_inheritance_once(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        groups = customer_groups.all_groups(session)
        assert [g.name for g in groups][:3] == ["Key accounts", "Public sector", "Small business"]
        counts = customer_groups.member_counts(session)
        assert all(counts.get(g.id) for g in groups)
        customers = session.scalars(select(Customer).where(Customer.deleted_at.is_(None))).all()
        settings = customer_groups.effective_settings_many(session, customers)
        sources = {s[0] for row in settings.values() for _, s in row.values()}
        assert sources == {"customer", "group", "default"}
        in_two = [c for c in customers if len(customer_groups.groups_of(session, c)) == 2]
        assert in_two
        assert session.scalar(select(CustomerGroup).where(CustomerGroup.automatic_settlement.is_(True))).name == "Key accounts"
        assert demo.seed_customer_groups(session) == 0  # idempotent
