"""The demo data has customer links: a parent company with two subsidiaries and a partner pair."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from backoffice import demo
from backoffice.models import CustomerLink


def test_demo_has_a_parent_with_two_subsidiaries_and_a_partner_pair_once(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        links = session.scalars(select(CustomerLink)).all()
        parents = Counter(link.parent_customer_id for link in links if link.kind == "parent")
        assert list(parents.values()) == [2]
        assert [link.kind for link in links].count("partner") == 1
        assert demo.seed_links(session) == 0  # idempotent
