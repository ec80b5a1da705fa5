"""Small helpers that create committed records through the services."""

from __future__ import annotations

import itertools

from backoffice.services import organizations as org_service
from backoffice.services import users as user_service

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def user(session, *, role="staff", email=None, first_name="Test", last_name=None, password=PASSWORD, **kw):
    n = next(_seq)
    created = user_service.create_user(
        session,
        None,
        email=email or f"user{n}@example.com",
        first_name=first_name,
        last_name=last_name or f"User{n}",
        role=role,
        password=password,
        **kw,
    )
    session.commit()
    return created


def organization(session, *, name=None, org_number=None, **kw):
    n = next(_seq)
    created = org_service.create_organization(
        session, None, name=name or f"Organization {n:04d}", org_number=org_number or f"5500{n:06d}", **kw
    )
    session.commit()
    return created


def customer(session, *, organization=None, admin=None, status="ACTIVE", allow_shared_billing=True, name=None, **kw):
    """A customer made directly with the model (the customers service lives on another branch):
    a fresh organization and a fresh ``customer-admin`` user unless given."""
    from backoffice.models import Customer

    org = organization or globals()["organization"](session, name=name)
    if admin is None:
        admin = user(session, role="customer-admin", first_name="Customer")
    elif admin.role != "customer-admin":
        admin.role = "customer-admin"
    created = Customer(organization=org, admin=admin, status=status, allow_shared_billing=allow_shared_billing, **kw)
    session.add(created)
    session.commit()
    return created
