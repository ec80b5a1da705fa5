"""organization country as an ISO 3166 code, org_number_valid, uniqueness per (country, number)

Data: today's free-text country ("Sweden", "Sverige", "se", "Norge", "Suomi", "Deutschland", …) becomes
its ISO 3166-1 alpha-2 code: a two-letter code as it is, else a country name in English, Swedish,
Norwegian Bokmål, Finnish or German (Babel's CLDR territory names, compared without case, accents or
punctuation), else a few common short names (USA, UK, Holland …). Text that maps to no country
(a city, a typo, "-") becomes NULL: the organization then has no country, and its number keeps today's
rule. ``org_number_valid`` is computed for every row with python-stdnum for its country (SE, NO, FI, DE);
a row that fails keeps its number, and the organizations list finds it ("Numbers that fail validation").
A valid number's uniqueness key is taken from the country's way of writing it (a German VAT number gets
its "DE"), unless another row of the country has that key already.

Uniqueness moves from org_number_key alone to (country, org_number_key), plus a partial unique index on
org_number_key where country IS NULL, so two organizations without a country and the same number still
clash. Downgrade writes each code back as its English name and restores the unique org_number_key; it
fails if two organizations of different countries share a number by then.

Revision ID: c4d8e1f2a3b6
Revises: c4f1a9d2e8b6
"""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op
from babel import Locale

revision = "c4d8e1f2a3b6"
down_revision = "c4f1a9d2e8b6"
branch_labels = None
depends_on = None

# A frozen copy of the rules as they were when this migration was written (later code may change).
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})
NAME_LOCALES = ("en", "sv", "nb", "fi", "de")
ALIASES = {
    "usa": "US", "us": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "england": "GB", "great britain": "GB", "scotland": "GB", "wales": "GB",
    "holland": "NL", "the netherlands": "NL", "suomi finland": "FI", "russia": "RU",
    "sweden ab": "SE", "sverige ab": "SE",
}
COUNTRY_CHECK = (
    "country IS NULL OR (length(country) = 2 AND upper(country) = country"
    " AND substr(country, 1, 1) BETWEEN 'A' AND 'Z' AND substr(country, 2, 1) BETWEEN 'A' AND 'Z')"
)


def _codes() -> frozenset[str]:
    return frozenset(
        code for code in Locale("en").territories
        if len(code) == 2 and code.isascii() and code.isalpha() and code.isupper() and code not in NOT_COUNTRIES
    )


def _fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, spaces collapsed: "Åland  Islands." -> "aland islands"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _names() -> dict[str, str]:
    codes = _codes()
    names: dict[str, str] = {}
    for locale in NAME_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if code in codes:
                names.setdefault(_fold(name), code)
    for alias, code in ALIASES.items():
        names.setdefault(alias, code)
    return names


_CACHE: dict = {}


def country_code(text: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code a free-text country names, or None."""
    if "names" not in _CACHE:
        _CACHE["codes"], _CACHE["names"] = _codes(), _names()
    stripped = (text or "").strip()
    if not stripped:
        return None
    if len(stripped) == 2 and stripped.upper() in _CACHE["codes"]:
        return stripped.upper()
    return _CACHE["names"].get(_fold(stripped))


def _key(number: str) -> str:
    return re.sub(r"[\s\-‐‑–—]", "", number or "").upper()


def checked_number(country: str | None, number: str) -> tuple[bool, str]:
    """(valid, uniqueness key) of ``number`` for ``country``, as services/org_numbers.py had it."""
    from stdnum.de import vat
    from stdnum.exceptions import ValidationError
    from stdnum.fi import ytunnus
    from stdnum.no import orgnr as no_orgnr
    from stdnum.se import orgnr as se_orgnr

    module = {"SE": se_orgnr, "NO": no_orgnr, "FI": ytunnus, "DE": vat}.get(country or "")
    if module is None:
        return True, _key(number)
    try:
        compact = module.validate(number or "")
    except ValidationError:
        return False, _key(number)
    written = f"DE{compact}" if country == "DE" else module.format(compact)
    return True, _key(written)


def upgrade():
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_number_valid", sa.Boolean(), server_default=sa.true(), nullable=False))

    conn = op.get_bind()
    organization = sa.table(
        "organization",
        sa.column("id", sa.Integer), sa.column("country", sa.String), sa.column("org_number", sa.String),
        sa.column("org_number_key", sa.String), sa.column("org_number_valid", sa.Boolean),
    )
    rows = conn.execute(sa.select(organization.c.id, organization.c.country, organization.c.org_number,
                                  organization.c.org_number_key).order_by(organization.c.id)).all()
    planned = []
    for row in rows:
        code = country_code(row.country)
        valid, key = checked_number(code, row.org_number)
        planned.append((row, code, valid, key))
    taken = {(code, row.org_number_key) for row, code, _valid, _key_ in planned}
    for row, code, valid, key in planned:
        if key != row.org_number_key:
            if (code, key) in taken:
                key = row.org_number_key  # another row of the country has it: keep the old key
            else:
                taken.add((code, key))
        conn.execute(
            organization.update().where(organization.c.id == row.id)
            .values(country=code, org_number_valid=valid, org_number_key=key)
        )

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.alter_column("country", existing_type=sa.String(length=100), type_=sa.String(length=2),
                              existing_nullable=True)
        batch_op.drop_constraint("uq_organization_org_number_key", type_="unique")
        batch_op.create_unique_constraint("uq_organization_country_org_number_key", ["country", "org_number_key"])
        batch_op.create_check_constraint("ck_organization_country_code", COUNTRY_CHECK)
        batch_op.create_index("uq_organization_org_number_key_no_country", ["org_number_key"], unique=True,
                              sqlite_where=sa.text("country IS NULL"), postgresql_where=sa.text("country IS NULL"))


def downgrade():
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index("uq_organization_org_number_key_no_country", sqlite_where=sa.text("country IS NULL"),
                            postgresql_where=sa.text("country IS NULL"))
        batch_op.drop_constraint("ck_organization_country_code", type_="check")
        batch_op.drop_constraint("uq_organization_country_org_number_key", type_="unique")
        batch_op.alter_column("country", existing_type=sa.String(length=2), type_=sa.String(length=100),
                              existing_nullable=True)
    conn = op.get_bind()
    english = Locale("en").territories
    organization = sa.table("organization", sa.column("id", sa.Integer), sa.column("country", sa.String))
    for row in conn.execute(sa.select(organization.c.id, organization.c.country).where(organization.c.country.is_not(None))).all():
        conn.execute(organization.update().where(organization.c.id == row.id)
                     .values(country=english.get(row.country, row.country)))
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_organization_org_number_key", ["org_number_key"])
        batch_op.drop_column("org_number_valid")
