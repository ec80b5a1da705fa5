"""Organization numbers, checked for the organization's country with python-stdnum (the check digit too).

``check(country, number)`` says whether a number is valid, how it is written and what makes it unique;
``validate`` is the same check as a refusal beside the field. Countries without a rule here (and an
organization without a country) keep today's rule: any digits, letters, spaces and dashes, compared
without spaces and dashes (``org_number_key``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from stdnum import luhn
from stdnum.de import vat as de_vat
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fi import ytunnus as fi_ytunnus
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from backoffice.models.organization import org_number_key
from backoffice.services.errors import ServiceError


@dataclass(frozen=True)
class Rule:
    module: object
    kind: object  # what the number is called, as it fits "This is not a valid … "
    example: str

    def format(self, number: str) -> str:
        return self.module.format(number) if hasattr(self.module, "format") else self.module.compact(number)


# Germany: a company's Handelsregisternummer (stdnum.de.handelsreg) names its register court by name
# ("Berlin (Charlottenburg) HRB 12345") and has no check digit; the Steuernummer (stdnum.de.stnr) is
# written differently in each state and has none either. The VAT identification number (USt-IdNr.,
# stdnum.de.vat: DE and 9 digits, ISO 7064 Mod 11,10 check digit) is the one nationwide company number
# with a check digit, and the one printed on invoices across borders, so it is the German rule.
RULES: dict[str, Rule] = {
    "SE": Rule(se_orgnr, _l("Swedish organization number"), "556036-0793"),
    "NO": Rule(no_orgnr, _l("Norwegian organization number"), "988 077 917"),
    "FI": Rule(fi_ytunnus, _l("Finnish business ID (Y-tunnus)"), "2077474-0"),
    "DE": Rule(de_vat, _l("German VAT number (USt-IdNr.)"), "DE136695976"),
}


@dataclass(frozen=True)
class Checked:
    number: str  # as it is stored and shown: the country's own way of writing it when valid
    key: str  # what uniqueness is about (org_number_key of ``number``)
    valid: bool
    message: object = None  # why not, when not valid


def _refusal(rule: Rule, error: ValidationError):
    if isinstance(error, InvalidChecksum):
        return _l("This is not a valid %(kind)s (the check digit is wrong).", kind=rule.kind)
    if isinstance(error, InvalidLength):
        return _l("This is not a valid %(kind)s (it has the wrong number of digits; for example %(example)s).",
                  kind=rule.kind, example=rule.example)
    return _l("This is not a valid %(kind)s (for example %(example)s).", kind=rule.kind, example=rule.example)


def check(country: str | None, number: str) -> Checked:
    """The number checked for ``country`` (an ISO code or None). Never raises for a bad number."""
    number = (number or "").strip()
    rule = RULES.get(country or "")
    if rule is None:
        return Checked(number, org_number_key(number), True)
    try:
        compact = rule.module.validate(number)
    except ValidationError as error:
        return Checked(number, org_number_key(number), False, _refusal(rule, error))
    written = rule.format(compact)
    if country == "DE":
        written = f"DE{compact}"  # stdnum's compact drops the country prefix the number is known by
    return Checked(written, org_number_key(written), True)


def is_valid(country: str | None, number: str | None) -> bool:
    return check(country, number or "").valid


def validate(country: str | None, number: str, field: str = "org_number") -> Checked:
    """``check``, refusing an invalid number beside ``field``."""
    checked = check(country, number)
    if not checked.valid:
        raise ServiceError(checked.message, field)
    return checked


def has_rule(country: str | None) -> bool:
    return (country or "") in RULES


def swedish_number(nine_digits: str) -> str:
    """A valid Swedish organization number from its first nine digits (demo data, tests)."""
    return se_orgnr.format(nine_digits + luhn.calc_check_digit(nine_digits))
