"""The demo data shows private customers (issue 11): a few persons, one in a group, visible at once."""

from __future__ import annotations

from sqlalchemy import select

from backoffice import demo
from backoffice.models import Customer
from backoffice.services import contacts, customer_groups, customer_list


def test_demo_private_customers(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        private = session.scalars(select(Customer).where(Customer.type == "private")).all()
        assert len(private) >= 3
        assert all(c.organization_id is None and contacts.person_of(session, c).is_primary for c in private)
        assert any(customer_groups.groups_of(session, c) for c in private)
        first_page = customer_list.list_page(session, None).rows
        assert any(c.type == "private" for c in first_page)  # "Astrid Lindqvist" sorts among the first
        assert demo.seed_private_customers(session) == 0  # idempotent
