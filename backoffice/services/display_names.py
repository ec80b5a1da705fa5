"""The customer's one display name (issue 11, private): the organization's name for a business customer,
the person's "First Last" for a private one, stored in ``customer.display_name`` so the list sorts and
searches it by index. Written here only: on create (services/customers.py), when a customer is moved to
another organization (services/customers.py, ``take_organization``), when an organization is renamed
(services/organizations.py) and when a private customer's person is edited (services/contacts.py).

A plain UPDATE: the name is derived (History records its sources), so it neither bumps the customer's
version (an edit form open on the customer stays valid) nor writes a History entry of its own."""

from __future__ import annotations

from sqlalchemy import update

from backoffice.models import Customer

MAX = Customer.__table__.columns["display_name"].type.length


def person_name(first_name: str | None, last_name: str | None) -> str:
    return " ".join(part for part in (first_name, last_name) if part)[:MAX]


def take_organization(customer, organization) -> None:
    """A business customer is moved to another organization: it takes that organization's name too."""
    customer.organization = organization
    customer.display_name = (organization.name or "")[:MAX]


def follow_organization(session, organization) -> None:
    """The organization was renamed: its customer's display name follows."""
    session.execute(
        update(Customer).where(Customer.organization_id == organization.id)
        .values(display_name=(organization.name or "")[:MAX])
        .execution_options(synchronize_session="fetch")
    )


def follow_person(session, contact) -> None:
    """A private customer's person was edited: the customer's display name follows."""
    session.execute(
        update(Customer).where(Customer.id == contact.customer_id)
        .values(display_name=person_name(contact.first_name, contact.last_name))
        .execution_options(synchronize_session="fetch")
    )
