"""The demo data shows a role made on the roles page (issue 14): the auditor reads every register and the audit
log, and may change nothing; and users assigned to customers, each told."""

from __future__ import annotations

from sqlalchemy import select

from backoffice import demo
from backoffice.models import Role, User
from backoffice.models.roles import can


def test_demo_auditor_role(app, session):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        auditor = session.scalars(select(Role).where(Role.name == "Auditor")).one()
        assert not auditor.built_in and auditor.staff and "audit.view" in auditor.permissions
        user = session.scalars(select(User).where(User.email == "auditor@example.com")).one()
        assert user.role == auditor.code and user.active
        assert can(user, "audit.view") and can(user, "customers.view") and not can(user, "customers.edit")
        assert demo.seed_roles(session) == 0  # idempotent


def test_demo_assigned_users(app, session):
    from backoffice.models import Notification
    from backoffice.services import assignments

    with app.test_request_context():
        demo.seed(session)
        session.commit()
        for email, count in demo.DEMO_ASSIGNED.items():
            user = session.scalars(select(User).where(User.email == email)).one()
            told = session.scalars(select(Notification.text).where(
                Notification.user_id == user.id, Notification.link.like("/admin/customers/details/%"))).all()
            assert len(told) == count, (email, told)  # one "you have been assigned" each, in their language
        users = {u.email for u in assignments.users_with_assignments(session)}
        assert users == set(demo.DEMO_ASSIGNED)
        assert demo.seed_assignments(session) == 0  # idempotent
