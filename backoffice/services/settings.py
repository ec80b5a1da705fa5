"""Register settings: the one row, read and written only here (the customer-number counter on the same
row is services/numbering.py's)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from sqlalchemy import func, select

from backoffice.models import Customer, RegisterSettings, User
from backoffice.models.settings import NUMBER_LENGTH_LIMIT, SETTINGS_ID
from backoffice.services import countries, locking
from backoffice.services.errors import ServiceError

FLAGS = (
    "require_two_factor_for_admins",
    "auto_customer_number",
    "number_in_display_name",
    "show_language",
    "show_cost_center",
    "view_service_items",
    "view_work_order_items",
)
LENGTHS = ("customer_number_min_length", "customer_number_max_length")
CHOICES = ("default_region",)
# (issue 11, groups) the customer defaults members inherit when neither they nor their groups set them
CUSTOMER_DEFAULTS = ("automatic_settlement", "payment_terms_days")
PAYMENT_TERMS_MAX = 365
FIELDS = FLAGS + LENGTHS + CHOICES + CUSTOMER_DEFAULTS


def check_payment_terms(value, field: str = "payment_terms_days") -> int:
    """Whole days, 0–365 (also the groups' and customers' rule: services/customer_groups.py)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() else None
    if not isinstance(value, int) or not 0 <= value <= PAYMENT_TERMS_MAX:
        raise ServiceError(_l("Enter a whole number of days from 0 to %(max)d.", max=PAYMENT_TERMS_MAX), field)
    return value
# (end issue 11, groups)


def get(session) -> RegisterSettings:
    """The settings row; made with the defaults (two-factor required) if it is missing."""
    row = session.get(RegisterSettings, SETTINGS_ID)
    if row is None:
        row = RegisterSettings(
            id=SETTINGS_ID, require_two_factor_for_admins=True,
            customer_number_min_length=1, customer_number_max_length=NUMBER_LENGTH_LIMIT, default_region="SE",
        )
        session.add(row)
        session.flush()
    # The identity map holds rows weakly: without a reference the row is gone once the caller drops it, and the
    # next get (a list asks once per row, services/numbering.py) would SELECT it again. Kept for the session.
    session.info["register_settings"] = row
    return row


def default_region(session) -> str:
    """The country a phone number written without "+" belongs to (services/phones.py)."""
    return get(session).default_region


def _length(value, field: str) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        value = int(value) if value.strip().isascii() and value.strip().isdigit() else None
    if not isinstance(value, int) or not 1 <= value <= NUMBER_LENGTH_LIMIT:
        raise ServiceError(_l("Enter a whole number from 1 to %(max)d.", max=NUMBER_LENGTH_LIMIT), field)
    return value


def check_lengths(low, high) -> tuple[int, int]:
    low = _length(low, "customer_number_min_length")
    high = _length(high, "customer_number_max_length")
    if low > high:
        raise ServiceError(_l("The maximum length can't be less than the minimum length."), "customer_number_max_length")
    return low, high


def numbers_outside(session, low, high) -> int:
    """How many existing customer numbers fall outside the bounds ``low``–``high`` (checked first)."""
    low, high = check_lengths(low, high)
    length = func.length(Customer.customer_number)
    return session.scalar(
        select(func.count()).select_from(Customer).where(
            Customer.customer_number.is_not(None), (length < low) | (length > high)
        )
    ) or 0


def update(session, actor: User | None, *, expected_version=None, confirm_outside: bool = True, **changes) -> RegisterSettings:
    """Change settings named in FIELDS; ``expected_version`` is the version the form was opened with.

    New customer-number bounds that existing numbers fall outside of are saved only with
    ``confirm_outside`` (the page asks first; those customers keep their numbers, and a number is
    checked against the bounds when it is set or changed)."""
    row = get(session)
    locking.check_version(session, actor, row, expected_version)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(sorted(unknown))
    if set(LENGTHS) & set(changes):
        low, high = check_lengths(
            changes.get("customer_number_min_length", row.customer_number_min_length),
            changes.get("customer_number_max_length", row.customer_number_max_length),
        )
        changes["customer_number_min_length"], changes["customer_number_max_length"] = low, high
        moved = (low, high) != (row.customer_number_min_length, row.customer_number_max_length)
        if moved and not confirm_outside:
            outside = numbers_outside(session, low, high)
            if outside:
                raise ServiceError(outside_message(outside, low, high), "confirm_outside")
    if "default_region" in changes:
        changes["default_region"] = countries.check(changes["default_region"], "default_region")
        if changes["default_region"] is None:
            raise ServiceError(_l("Choose a country from the list."), "default_region")
    if "payment_terms_days" in changes:  # (issue 11, groups) None: keep the saved value
        if changes["payment_terms_days"] is None or changes["payment_terms_days"] == "":
            del changes["payment_terms_days"]
        else:
            changes["payment_terms_days"] = check_payment_terms(changes["payment_terms_days"])
    with locking.stale_guard(session, actor, row):
        for name, value in changes.items():
            setattr(row, name, value if name in LENGTHS + CHOICES + ("payment_terms_days",) else bool(value))
        session.flush()
    return row


def outside_message(count: int, low: int, high: int):
    bounds = str(low) if low == high else f"{low}–{high}"
    return _l(
        "%(n)d customers have numbers outside %(bounds)s characters. Save anyway?", n=count, bounds=bounds
    ) if count != 1 else _l("1 customer has a number outside %(bounds)s characters. Save anyway?", bounds=bounds)
