"""Discount letters (seed 001): zero or more short codes on a customer; the codes already in use are
suggested as one types. Codes are upper-case letters A–Z and digits, at most 8 characters (the DB checks
the same). Set from the customer's form (customers.create_customer / update_customer call ``set_codes``).
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backoffice.models import Customer, DiscountLetter, User
from backoffice.models.discount_letter import CODE_MAX
from backoffice.services import locking
from backoffice.services.customer_list import like
from backoffice.services.errors import ServiceError, unique_guard

FIELD = "discount_letters"
SUGGESTIONS = 20
_CODE = re.compile(rf"^[A-Z0-9]{{1,{CODE_MAX}}}$")
_SEPARATORS = re.compile(r"[\s,;]+")


def clean_codes(value) -> list[str]:
    """The codes as stored, from a list or a text ("A, b2 C"): upper-cased, each once, in the given order.
    A code that isn't 1–8 letters A–Z or digits is refused beside the field."""
    parts = value if isinstance(value, (list, tuple)) else _SEPARATORS.split(value or "")
    codes: list[str] = []
    for part in parts:
        code = (part or "").strip().upper() if isinstance(part, str) else ""
        if not code:
            continue
        if not _CODE.match(code):
            raise ServiceError(
                _l("“%(code)s” is not a discount letter: use at most %(n)d letters A–Z or digits.",
                   code=code[:20], n=CODE_MAX), FIELD)
        if code not in codes:
            codes.append(code)
    if len(codes) > 50:
        raise ServiceError(_l("At most 50 discount letters."), FIELD)
    return codes


def codes_of(session, customer: Customer) -> list[str]:
    if customer.id is None:
        return []
    return list(session.scalars(
        select(DiscountLetter.code).where(DiscountLetter.customer_id == customer.id).order_by(DiscountLetter.code)
    ))


def set_codes(session, actor: User | None, customer: Customer, value) -> list[str]:
    """Make the customer's codes exactly ``value`` (codes added and removed are each one History change)."""
    locking.remember_actor(session, actor)
    if customer.is_deleted:
        raise ServiceError(_l("A deleted customer can't be changed. Recover it first."))
    wanted = clean_codes(value)
    rows = {row.code: row for row in session.scalars(
        select(DiscountLetter).where(DiscountLetter.customer_id == customer.id))}
    for code, row in rows.items():
        if code not in wanted:
            session.delete(row)
    with unique_guard(session, {"customer_discount_letter": (FIELD, _l("This discount letter was just added."))}):
        for code in wanted:
            if code not in rows:
                letter = DiscountLetter(customer_id=customer.id, code=code)
                letter.customer = customer
                session.add(letter)
    return sorted(wanted)


def codes_in_use(session, search: str | None = None, limit: int = SUGGESTIONS) -> list[str]:
    """The distinct codes on any customer, alphabetically; those starting with ``search`` when given."""
    stmt = select(DiscountLetter.code).distinct().order_by(DiscountLetter.code).limit(max(1, min(limit, 100)))
    typed = (search or "").strip().upper()
    if typed:
        stmt = stmt.where(DiscountLetter.code.like(like(typed).lstrip("%"), escape="\\"))
    return list(session.scalars(stmt))
