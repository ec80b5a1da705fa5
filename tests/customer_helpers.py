"""Customers made through the service, committed, for tests."""

from __future__ import annotations

from tests import factories


def guest(session, **kw):
    return factories.user(session, role="guest", **kw)


def customer(session, *, org=None, admin=None, deleted=False, **kw):
    kw.setdefault("allow_shared_billing", False)
    return factories.customer(session, organization=org, admin=admin or guest(session), deleted=deleted, **kw)
