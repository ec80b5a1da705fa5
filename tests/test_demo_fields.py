"""The demo data shows the customer fields (issue 11, fields): districts as location groups, and payment
methods and location groups spread over the customers so the list's filters find some at once."""

from __future__ import annotations

from sqlalchemy import select

from backoffice import demo
from backoffice.models import Customer
from backoffice.services import customer_list, location_groups


def test_demo_customers_have_payment_methods_and_location_groups(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        groups = {g.name: g for g in location_groups.location_groups(session)}
        assert {"North", "South", "City"} <= set(groups)
        customers = session.scalars(select(Customer).where(Customer.deleted_at.is_(None))).all()
        assert {c.payment_method for c in customers} == {"invoice", "e_invoice", "direct_debit", "card", None}
        for name in ("North", "South", "City"):
            assert customer_list.list_page(session, None, location_group_id=groups[name].id).count > 0
        assert customer_list.list_page(session, None, payment_method="card", location_group_id=groups["North"].id).count > 0
        assert any(c.location_group_id is None for c in customers)
        assert demo.seed_customer_fields(session) == 0  # idempotent
