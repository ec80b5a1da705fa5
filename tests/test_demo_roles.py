"""The demo data shows a role made on the roles page (issue 14): the auditor reads every register and the audit
log, and may change nothing."""

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
