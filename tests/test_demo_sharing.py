"""The demo data shows shared accounts and a customer admin with unread notifications."""

from sqlalchemy import func, select

from backoffice.models import Customer, SharedAccount
from backoffice import demo
from backoffice.services import notifications, sharing
from backoffice.services import users as user_service


def test_seed_makes_a_portal_demo_and_is_idempotent(app, session):
    added = demo.seed(session)
    session.commit()
    assert added["shared accounts"] >= 3
    demo_admin = user_service.get_by_email(session, demo.DEMO_CUSTOMER_ADMIN)
    assert demo_admin.role == "customer-admin"
    mine = sharing.customer_of(session, demo_admin)
    assert mine is not None and mine.status == "ACTIVE"
    assert notifications.unread_count(session, demo_admin) >= 3
    assert sharing.shared_with(session, mine) and sharing.shared_to(session, mine)
    assert demo.DEMO_CUSTOMER_ADMIN in [row[0] for row in demo.DEMO_LOGINS]
    counts = (
        session.scalar(select(func.count()).select_from(Customer)),
        session.scalar(select(func.count()).select_from(SharedAccount)),
    )
    again = demo.seed(session)
    session.commit()
    assert again["shared accounts"] == 0 and again["users"] == 0
    assert counts == (
        session.scalar(select(func.count()).select_from(Customer)),
        session.scalar(select(func.count()).select_from(SharedAccount)),
    )


def test_demo_customer_gets_an_organization_even_when_all_are_taken(app, session, monkeypatch):
    from tests import factories

    factories.customer(session, name="Only AB")  # customers exist: seed_sharing makes none of its own
    monkeypatch.setattr(demo, "_free_organizations", lambda session: iter(()))
    demo.seed(session)
    session.commit()
    mine = sharing.customer_of(session, user_service.get_by_email(session, demo.DEMO_CUSTOMER_ADMIN))
    assert mine.organization.name == "Kundportalen Demo AB"
