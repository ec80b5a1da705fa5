"""Customers made through the service, committed, for tests."""

from __future__ import annotations

from backoffice.services import customers as service
from tests import factories


def guest(session, **kw):
    return factories.user(session, role="guest", **kw)


def customer(session, *, org=None, admin=None, deleted=False, **kw):
    org = org or factories.organization(session)
    admin = admin or guest(session)
    created = service.create_customer(session, None, organization_id=org.id, admin_user_id=admin.id, **kw)
    session.commit()
    if deleted:
        service.soft_delete_customer(session, None, created)
        session.commit()
    return created
