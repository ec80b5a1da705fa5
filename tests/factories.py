"""Small helpers that create committed records through the services."""

from __future__ import annotations

import itertools

from backoffice.services import organizations as org_service
from backoffice.services.org_numbers import swedish_number
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
        role="guest" if role == "customer-admin" else role,
        password=password,
        **kw,
    )
    if role == "customer-admin":  # (a shortcut: only the customer services give this role)
        created.role = role
    session.commit()
    return created


def org_number(n: int | None = None) -> str:
    """A valid Swedish organization number (the Luhn check digit computed), a new one each call."""
    return swedish_number(f"55{next(_seq) if n is None else n:07d}")


def organization(session, *, name=None, org_number=None, country="SE", **kw):
    """An organization made through the service: Swedish with a valid number unless told otherwise."""
    n = next(_seq)
    created = org_service.create_organization(
        session, None, name=name or f"Organization {n:04d}",
        org_number=org_number or globals()["org_number"](n), country=country, **kw
    )
    session.commit()
    return created


def customer(session, *, organization=None, admin=None, status="ACTIVE", allow_shared_billing=True, name=None,
             deleted=False, **kw):
    """A customer made through the customers service (committed): a fresh organization and a fresh
    guest as its admin unless given; ``deleted=True`` soft-deletes it afterwards."""
    from backoffice.services import customers as service

    org = organization or globals()["organization"](session, name=name)
    if admin is None:
        admin = user(session, role="guest", first_name="Customer")
    elif admin.role == "customer-admin" and admin.id not in _admin_ids(session):
        admin.role = "guest"  # a customer-admin nobody points at yet: the service picks guests only
    created = service.create_customer(
        session, None, organization_id=org.id, admin_user_id=admin.id, status=status,
        allow_shared_billing=allow_shared_billing, **kw,
    )
    session.commit()
    if deleted:
        service.soft_delete_customer(session, None, created)
        session.commit()
    return created


# --- (issue 11, private)
_private_seq = [0]


def private_customer(session, *, first_name="Pia", last_name=None, email=None, phone=None, deleted=False, **kw):
    """A private customer made through the customers service (committed): its person is its primary contact."""
    from backoffice.services import customers as service

    _private_seq[0] += 1
    n = _private_seq[0]
    created = service.create_customer(
        session, None, customer_type="private",
        person={"first_name": first_name, "last_name": last_name or f"Person{n}",
                "email": email or f"private{n}@example.com", "phone": phone}, **kw,
    )
    session.commit()
    if deleted:
        service.soft_delete_customer(session, None, created)
        session.commit()
    return created
# --- end (issue 11, private)


def _admin_ids(session) -> set:
    from sqlalchemy import select

    from backoffice.models import Customer

    return set(session.scalars(select(Customer.admin_user_id).where(Customer.admin_user_id.is_not(None))))


def user_edit_form(user, **changes) -> dict:
    """What the users edit form posts for ``user`` as it stands, with ``changes``; None leaves a field out."""
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "role": user.role,
        **({"active": "y"} if user.active else {}),
        "version": str(user.version),  # the edit form's hidden field
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
