"""The organizations and users lists' search, on indexes (issue 12): the same matching as the customers list.

Flask-Admin's own search is ``CAST(col AS VARCHAR) ILIKE '%word%'`` OR-ed over every searchable column; one
column without a trigram index (the organization's ``org_number``) makes PostgreSQL read every row. These
conditions match only indexed columns, each word by services/matching.word_matches (from three letters
anywhere: pg_trgm GIN indexes on PostgreSQL; one or two letters at the start: the ``*_prefix`` indexes):

* an organization: ``customer_list.organization_matches`` — its name, or its number with spaces and dashes
  ignored (``org_number_key``), exactly as the customers list and the organization picker match it;
* a user: the first name, the last name or the e-mail (also the customer-admin picker's search).

The words are the customers list's (``customer_list.words``: at most five, NUL dropped) and so is the LIKE
escaping: a ``%`` or ``_`` typed is a character, not a wildcard.
"""

from __future__ import annotations

from sqlalchemy import and_, or_

from backoffice.models import User
from backoffice.services.customer_list import organization_matches, words
from backoffice.services.matching import short_inside, word_matches


def _every_word(search: str | None, matches):
    typed = words(search)
    inside = short_inside(typed)  # ("beta ab": "ab" anywhere, among the rows "beta" finds)
    found = [matches(word, inside) for word in typed]
    return and_(*found) if found else None


def organization_search(search: str | None):
    """Every word matches the organization's name or number (None: nothing to search for)."""
    return _every_word(search, organization_matches)


def user_matches(word: str, inside: bool = False):
    """One search word against a user: first name, last name or e-mail (each has its trigram and prefix
    index; the e-mail is stored lowercased, services/users.normalize_email)."""
    return or_(
        word_matches(User.first_name, word, inside=inside),
        word_matches(User.last_name, word, inside=inside),
        word_matches(User.email, word.lower(), normalized=True, inside=inside),
    )


def user_search(search: str | None):
    """Every word matches the user's name or e-mail (None: nothing to search for)."""
    return _every_word(search, user_matches)
