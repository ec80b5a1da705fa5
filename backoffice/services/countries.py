"""Countries as ISO 3166-1 alpha-2 codes ("SE"), named in the reader's language from Babel's CLDR
territories: the one list the organization's country and the register's default region are chosen from."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel import get_locale, lazy_gettext as _l

from backoffice.services.errors import ServiceError

# CLDR's two-letter territories that are not ISO 3166-1 countries: groupings, pseudo-locales, the unknown
# region, and the exceptionally reserved or user-assigned codes no register uses.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})

CODES = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isascii() and code.isalpha()
    and code.isupper() and code not in NOT_COUNTRIES
)


def _locale(locale=None) -> Locale:
    if locale is None:
        locale = get_locale() or Locale("en")
    return locale if isinstance(locale, Locale) else Locale.parse(locale)


def name(code: str | None, locale=None) -> str:
    """The country's name in ``locale`` (the reader's language by default); "" for None; an unknown
    code is shown as it is stored."""
    if not code:
        return ""
    return _locale(locale).territories.get(code) or code


@lru_cache(maxsize=16)
def _choices(locale_name: str) -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(locale_name).territories
    named = [(code, territories.get(code) or code) for code in CODES]
    return tuple(sorted(named, key=lambda pair: (pair[1].casefold(), pair[0])))


def choices(locale=None) -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by its name in ``locale`` (the reader's language)."""
    return list(_choices(str(_locale(locale))))


def check(code: str | None, field: str = "country") -> str | None:
    """The code upper-cased, None for empty; a code that is no country is refused beside ``field``."""
    code = (code or "").strip().upper()
    if not code:
        return None
    if code not in CODES:
        raise ServiceError(_l("Choose a country from the list."), field)
    return code
