"""Customers made through the service, committed, for tests."""

from __future__ import annotations

from tests import factories


def guest(session, **kw):
    return factories.user(session, role="guest", **kw)


def customer(session, *, org=None, admin=None, deleted=False, **kw):
    kw.setdefault("allow_shared_billing", False)
    return factories.customer(session, organization=org, admin=admin or guest(session), deleted=deleted, **kw)


def filter_register(session):
    """Six customers for the list's filters: Alfa (active), Beta (inactive), Gamma (deleted), Alfons (active),
    Albin (inactive), Delta (active); the group Key accounts has Alfa, Beta, Gamma and Albin; Other has Delta.
    Returns (customers by name, Key accounts, Other)."""
    from backoffice.models.base import utcnow
    from backoffice.services import customer_groups as groups

    made = {}
    for name, status in (("Alfa AB", "ACTIVE"), ("Beta AB", "INACTIVE"), ("Gamma AB", "ACTIVE"),
                         ("Alfons AB", "ACTIVE"), ("Albin AB", "INACTIVE"), ("Delta AB", "ACTIVE")):
        made[name] = factories.customer(session, name=name, status=status)
    key = groups.create_group(session, None, name="Key accounts")
    other = groups.create_group(session, None, name="Other")
    session.flush()
    groups.add_members(session, None, key, [made[n].id for n in ("Alfa AB", "Beta AB", "Gamma AB", "Albin AB")])
    groups.add_members(session, None, other, [made["Delta AB"].id])
    made["Gamma AB"].deleted_at = utcnow()
    session.commit()
    return made, key, other
