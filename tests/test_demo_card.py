"""The demo data shows the customer card (issue 10): the register shows language and cost center, and several
customers have visiting and mail addresses, languages, discount letters and cost centers."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice import demo
from backoffice.models import Address, Customer, DiscountLetter
from backoffice.services import settings


def test_demo_customers_have_card_data_once(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        row = settings.get(session)
        assert row.show_language and row.show_cost_center
        kinds = session.scalars(select(Address.kind)).all()
        assert kinds.count("visiting") >= 5 and kinds.count("email") >= 5
        languages = set(session.scalars(select(Customer.language).where(Customer.language.is_not(None))))
        assert {"sv", "en", "nb", "fi", "de"} <= languages
        assert session.scalar(select(func.count(func.distinct(DiscountLetter.code)))) >= 4
        assert session.scalar(select(func.count()).select_from(Customer).where(Customer.cost_center.is_not(None))) >= 5
        assert demo.seed_card(session) == 0  # idempotent
