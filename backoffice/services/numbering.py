"""Customer numbers (seed 001): the one place of their rules.

Every path that sets a customer number (the form, the CLI, later imports) goes through
services/customers.py, which calls these: digits only, a length within the register settings' bounds,
unique; with automatic numbering on, a customer created without a number gets the next one from the
counter kept on the settings row. The counter is taken under a lock (SELECT … FOR UPDATE on
PostgreSQL; on SQLite a write first, which serialises the writers), so two users creating at once get
different numbers, and it only goes up: a number is never handed out twice, even after the customer
that had it is permanently deleted. It starts above the highest number in use.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from backoffice.models import Customer, RegisterSettings
from backoffice.models.settings import NUMBER_LENGTH_LIMIT, SETTINGS_ID
from backoffice.services import settings as settings_service
from backoffice.services.errors import ServiceError
from backoffice.services.matching import among

FIELD = "customer_number"
# The counter is a BIGINT: automatic numbers stay below this (longer numbers can still be typed).
COUNTER_LIMIT = 10**18
_DIGITS = re.compile(r"[0-9]+")
NUMBER_TAKEN = _l("Another customer already has this customer number.")


def _settings(session) -> RegisterSettings:
    return settings_service.get(session)


def bounds(session) -> tuple[int, int]:
    row = _settings(session)
    return row.customer_number_min_length, row.customer_number_max_length


def length_message(low: int, high: int):
    if low == high:
        return _l("The customer number must be %(n)d digits long.", n=low)
    return _l("The customer number must be %(low)d–%(high)d digits long.", low=low, high=high)


def clean(session, value) -> str | None:
    """The number as stored (None for empty), or ServiceError beside the field."""
    if value is not None and not isinstance(value, str):
        value = str(value)
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > NUMBER_LENGTH_LIMIT:
        raise ServiceError(_l("The customer number can be at most %(max)d digits.", max=NUMBER_LENGTH_LIMIT), FIELD)
    if not _DIGITS.fullmatch(value):
        raise ServiceError(_l("The customer number may contain digits only."), FIELD)
    low, high = bounds(session)
    if not low <= len(value) <= high:
        raise ServiceError(length_message(low, high), FIELD)
    return value


def check_free(session, number: str | None, own_id: int | None) -> None:
    if number is None:
        return
    found = session.scalar(select(Customer.id).where(Customer.customer_number == number))
    if found is not None and found != own_id:
        raise ServiceError(NUMBER_TAKEN, FIELD)


def taken(session, numbers: set[str]) -> set[str]:
    """Which of these customer numbers are in use (one query for many: an import's batch)."""
    if not numbers:
        return set()
    return set(session.scalars(select(Customer.customer_number).where(among(Customer.customer_number, numbers))))


def highest_in_use(session) -> int:
    """The numerically highest customer number stored (0 when none): the longest without leading zeros,
    then the greatest of those as text (digits only, so text order is number order)."""
    bare = func.ltrim(Customer.customer_number, "0")
    top = session.scalar(
        select(bare)
        .where(Customer.customer_number.is_not(None))
        .order_by(func.length(bare).desc(), bare.desc())
        .limit(1)
    )
    return int(top) if top else 0


def _lock_counter(session) -> int:
    """Lock the settings row for the rest of the transaction and read the counter afresh."""
    _settings(session)  # the row exists
    table = RegisterSettings.__table__
    if session.get_bind().dialect.name != "postgresql":
        # SQLite locks on the first write: write first, so the read below is already serialised.
        session.execute(update(table).where(table.c.id == SETTINGS_ID).values(last_customer_number=table.c.last_customer_number))
    return session.execute(
        select(table.c.last_customer_number).where(table.c.id == SETTINGS_ID).with_for_update()
    ).scalar_one()


def next_number(session) -> str:
    """Take the next automatic number (the caller's transaction keeps the lock until it commits)."""
    return next_numbers(session, 1)[0]


def next_numbers(session, count: int, *, typed=()) -> list[str]:
    """Take the next ``count`` automatic numbers at once (an import's batch), above the ``typed`` numbers the
    same batch brings, which are not stored yet."""
    last = max(_lock_counter(session), highest_in_use(session),
               *(int(number) for number in typed if number and number.isdigit()))
    low, high = bounds(session)
    numbers = [str(value).zfill(low) for value in range(last + 1, last + count + 1)]
    if numbers and (last + count >= COUNTER_LIMIT or len(numbers[-1]) > high):
        raise ServiceError(
            _l("There is no next customer number within %(high)d digits. Type one, or raise the maximum length in Settings.",
               high=high),
            FIELD,
        )
    table = RegisterSettings.__table__
    session.execute(update(table).where(table.c.id == SETTINGS_ID).values(last_customer_number=last + count))
    row = session.get(RegisterSettings, SETTINGS_ID)
    if row is not None:
        session.expire(row, ["last_customer_number"])
    return numbers


def for_new_customer(session, value) -> str | None:
    """A new customer's number: the typed one (checked), else the next one when numbering is automatic."""
    number = clean(session, value)
    if number is None and _settings(session).auto_customer_number:
        number = next_number(session)
    check_free(session, number, None)
    return number


def is_automatic(session) -> bool:
    return bool(_settings(session).auto_customer_number)


def with_number(session, customer: Customer, name: str | None = None) -> str:
    """The name as lists and titles show it: "12345 · Organization name" when the register setting
    says so (added here, when rendering; the stored, sortable name never changes)."""
    name = customer.display_name if name is None else name
    if customer.customer_number and _settings(session).number_in_display_name:
        return f"{customer.customer_number} · {name}"
    return name
