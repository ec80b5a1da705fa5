"""A customer's visiting address and e-mail address for messages (models/address.py): one of each kind at
most, set and removed here (the customer's edit form calls ``apply`` through customers.update_customer).

The invoice address is the billing information (services/customers.set_billing). Changes bump the
customer's version and are filed on its timeline.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backoffice.models import Address, Customer, User
from backoffice.models.address import ADDRESS_KINDS
from backoffice.services import locking
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.validation import check_email, check_text

FIELDS = {"visiting": ("street", "post_number", "city", "country"), "email": ("email",)}
# The form's field for one value: f"{FORM_PREFIX[kind]}_{name}" (a refusal names it, shown beside it).
FORM_PREFIX = {"visiting": "visiting", "email": "mail"}
MAX = {name: Address.__table__.columns[name].type.length for names in FIELDS.values() for name in names}
_TAKEN = _l("This customer already has an address of this kind.")


def form_field(kind: str, name: str) -> str:
    return f"{FORM_PREFIX[kind]}_{name}"


def addresses_of(session, customer: Customer) -> dict[str, Address]:
    """kind -> the customer's address of that kind (absent kinds are missing)."""
    if customer.id is None:
        return {}
    rows = session.scalars(select(Address).where(Address.customer_id == customer.id))
    return {row.kind: row for row in rows}


def _refuse_if_deleted(customer: Customer) -> None:
    if customer.is_deleted:
        raise ServiceError(_l("A deleted customer can't be changed. Recover it first."))


def _check_kind(kind) -> str:
    if kind not in ADDRESS_KINDS:
        raise ValueError(f"not an address kind: {kind!r}")
    return kind


def _clean(kind: str, values: dict) -> dict:
    unknown = set(values) - set(FIELDS[kind])
    if unknown:
        raise ValueError(f"not a {kind} address field: {sorted(unknown)}")
    cleaned = {}
    for name in FIELDS[kind]:
        value = values.get(name)
        value = value.strip() if isinstance(value, str) else value
        value = value or None
        if value is not None:
            field = form_field(kind, name)
            if len(value) > MAX[name]:
                raise ServiceError(_l("At most %(n)d characters.", n=MAX[name]), field)
            check_text(value, field)
        cleaned[name] = value
    if kind == "email":
        if cleaned["email"] is None:
            raise ServiceError(_l("Enter the e-mail address, or remove it."), form_field(kind, "email"))
        check_email(cleaned["email"], form_field(kind, "email"))
    elif not (cleaned["street"] or cleaned["city"]):
        raise ServiceError(_l("Enter the street address or the city, or remove the visiting address."),
                           form_field(kind, "street"))
    return cleaned


def set_address(session, actor: User | None, customer: Customer, kind: str, **values) -> Address:
    """Add the customer's address of ``kind`` or change it (one per kind)."""
    locking.remember_actor(session, actor)
    _check_kind(kind)
    _refuse_if_deleted(customer)
    cleaned = _clean(kind, values)
    address = addresses_of(session, customer).get(kind)
    if address is None:
        address = Address(customer_id=customer.id, kind=kind)
        address.customer = customer
        with unique_guard(session, {"uq_customer_address_kind": (form_field(kind, FIELDS[kind][0]), _TAKEN),
                                    "customer_address.customer_id, customer_address.kind":
                                        (form_field(kind, FIELDS[kind][0]), _TAKEN)}):
            for name, value in cleaned.items():
                setattr(address, name, value)
            session.add(address)
        return address
    for name, value in cleaned.items():
        setattr(address, name, value)
    session.flush()
    return address


def remove_address(session, actor: User | None, customer: Customer, kind: str) -> bool:
    """Remove the customer's address of ``kind``; False when it had none."""
    locking.remember_actor(session, actor)
    _check_kind(kind)
    _refuse_if_deleted(customer)
    address = addresses_of(session, customer).get(kind)
    if address is None:
        return False
    session.delete(address)
    session.flush()
    return True


def apply(session, actor: User | None, customer: Customer, addresses: dict) -> None:
    """kind -> values (set) or None (remove), as the customer's form posts them."""
    for kind, values in addresses.items():
        if values is None:
            remove_address(session, actor, customer, kind)
        else:
            set_address(session, actor, customer, kind, **values)
