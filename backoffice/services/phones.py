"""Phone numbers, checked with the ``phonenumbers`` library and stored in international form (E.164,
"+46812345678"). A number written without "+" is read as a number of the register's default region
(RegisterSettings.default_region); ``display`` shows a stored number the international way
("+46 8 123 456 78"). The one place phone numbers are read and shown."""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

from backoffice.services import countries
from backoffice.services.errors import ServiceError

MAX_INPUT = 50  # the phone columns' length; phonenumbers refuses longer input anyway


def normalise(text: str | None, region: str | None, field: str = "phone") -> str | None:
    """``text`` as E.164, None for empty; a number that isn't one is refused beside ``field``."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text[: MAX_INPUT + 1], (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or len(text) > MAX_INPUT or not phonenumbers.is_valid_number(number):
        if not text.startswith("+") and not text.startswith("00"):
            raise ServiceError(
                _l("This is not a valid phone number. Write it with its country code (+46 8 123 456 78) "
                   "or as a number of %(region)s.", region=_region_name(region)), field)
        raise ServiceError(_l("This is not a valid phone number (for example +46 8 123 456 78)."), field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(value: str | None) -> str:
    """A stored number in international format; a number stored before numbers were checked as it is."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _region_name(region: str | None) -> str:
    return countries.name(region) or str(_l("the register's default region"))
