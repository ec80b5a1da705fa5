"""Organizations: create, edit, soft delete, recover, permanently delete."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backoffice.models import Organization, User
from backoffice.models.organization import lock_organization, org_number_key
from backoffice.models.base import utcnow
from backoffice.services import countries, display_names, locking, org_numbers, phones
from backoffice.services import customers as customer_service
from backoffice.services import settings as settings_service
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.matching import among
from backoffice.services.validation import check_email, check_lengths

FIELDS = (
    "name",
    "org_number",
    "legal_form",
    "digital_address",
    "address",
    "post_number",
    "region",
    "municipality",
    "country",
    "phone",
    "website",
    "email",
)
_NUMBER_TAKEN = _l("An organization with this organization number already exists.")


def _taken_message(country: str | None):
    if not country:
        return _NUMBER_TAKEN
    return _l("An organization in %(country)s with this organization number already exists.",
              country=countries.name(country))


def _clean(values: dict) -> dict:
    cleaned = {}
    for name, value in values.items():
        if name not in FIELDS:
            raise ValueError(f"not an organization field: {name}")
        value = (value or "").strip() if isinstance(value, str) or value is None else value
        cleaned[name] = value or None
    if "name" in cleaned and not cleaned["name"]:
        raise ServiceError(_l("This field is required."), "name")
    if "org_number" in cleaned:
        if not cleaned["org_number"]:
            raise ServiceError(_l("This field is required."), "org_number")
        if not re.fullmatch(r"[0-9A-Za-z\s\-]+", cleaned["org_number"]) or not org_number_key(cleaned["org_number"]):
            raise ServiceError(_l("Use digits, letters, spaces and dashes only."), "org_number")
    if "country" in cleaned:
        cleaned["country"] = countries.check(cleaned["country"])
    if cleaned.get("email"):
        check_email(cleaned["email"])
    check_lengths(Organization, cleaned)
    return cleaned


def _changed(org: Organization | None, changes: dict) -> dict:
    """The changes that change something: the new rules check only what is being changed, so a record
    kept from before them (a number that fails its country's rule) can still be edited elsewhere."""
    if org is None:
        return changes
    return {name: value for name, value in changes.items() if getattr(org, name) != value}


def _check_new_values(session, org: Organization | None, changes: dict, *, taken: set | None = None) -> dict:
    """Check what is set or changed: the phone (normalised to E.164 with the register's default region)
    and, when the number or the country changes, the number for its country (the check digit too), its
    uniqueness in that country and its derived validity."""
    if changes.get("phone"):
        changes["phone"] = phones.normalise(changes["phone"], settings_service.default_region(session))
    if "org_number" in changes or "country" in changes:
        country = changes["country"] if "country" in changes else getattr(org, "country", None)
        number = changes["org_number"] if "org_number" in changes else org.org_number
        checked = org_numbers.validate(country, number)
        if "org_number" in changes:
            changes["org_number"] = checked.number
        changes["org_number_key"] = checked.key
        changes["org_number_valid"] = checked.valid
        if taken is not None:
            if (country, checked.key) in taken:
                raise ServiceError(_taken_message(country), "org_number")
        else:
            _check_number_free(session, country, checked.key, org.id if org is not None else None)
    return changes


def _check_number_free(session, country: str | None, key: str, own_id: int | None = None) -> None:
    found = session.scalar(
        select(Organization.id).where(Organization.org_number_key == key, _same_country(country))
    )
    if found is not None and found != own_id:
        raise ServiceError(_taken_message(country), "org_number")


def _same_country(country: str | None):
    return Organization.country.is_(None) if country is None else Organization.country == country


def _guard(session, country: str | None):
    # The unique (country, org_number_key) constraint and the no-country partial index both name the column.
    return unique_guard(session, {"org_number_key": ("org_number", _taken_message(country))})


def clean_new(session, values: dict, *, taken: set | None = None) -> dict:
    """A new organization's values as stored, or the ServiceError of the first that is wrong. ``taken``: the
    (country, number key) pairs in use, when the caller looked them up for many at once (``taken_numbers``)."""
    values = _clean(values)
    for required in ("name", "org_number"):
        if not values.get(required):
            raise ServiceError(_l("This field is required."), required)
    return _check_new_values(session, None, values, taken=taken)


def taken_numbers(session, pairs: set[tuple[str | None, str]]) -> set[tuple[str | None, str]]:
    """Which of these (country, organization number key) pairs an organization has already (one query)."""
    with_country = sorted((country, key) for country, key in pairs if country and key)
    without = sorted(key for country, key in pairs if not country and key)
    found = set()
    columns = select(Organization.country, Organization.org_number_key)
    if with_country:  # on the unique (country, number key) index
        found |= {tuple(row) for row in session.execute(columns.where(
            among((Organization.country, Organization.org_number_key), with_country)))}
    if without:  # on the partial index of numbers without a country
        found |= {tuple(row) for row in session.execute(columns.where(
            Organization.country.is_(None), among(Organization.org_number_key, without)))}
    return found


def create_organization(session, actor: User | None, **values) -> Organization:
    locking.remember_actor(session, actor)
    values = clean_new(session, values)
    org = Organization(**values)
    with _guard(session, values.get("country")):
        session.add(org)
    return org


def update_organization(
    session, actor: User | None, org: Organization, *, expected_version=None, **changes
) -> Organization:
    """``expected_version`` is the version the edit form was opened with (ConflictError when stale).
    Only the fields whose value changes are checked against the rules (and written)."""
    locking.check_version(session, actor, org, expected_version)
    if org.is_deleted:
        raise ServiceError(_l("A deleted organization can't be edited. Recover it first."))
    changes = _check_new_values(session, org, _changed(org, _clean(changes)))
    country = changes.get("country", org.country)
    with locking.stale_guard(session, actor, org), _guard(session, country):
        for name, value in changes.items():
            setattr(org, name, value)
    if "name" in changes:  # (issue 11, private) the customer's stored display name follows
        display_names.follow_organization(session, org)
    return org


def soft_delete_organization(session, actor: User | None, org: Organization) -> None:
    locking.remember_actor(session, actor)
    # Lock first: a customer being created or recovered for it at this instant either committed
    # before (the cascade below sees it) or waits and then sees the organization deleted.
    if org.is_deleted or lock_organization(session, org.id) is not None:
        raise ServiceError(_l("This organization is already deleted."))
    org.deleted_at = utcnow()
    customer_service.soft_delete_with_organization(session, actor, org)
    session.flush()


def recover_organization(session, actor: User | None, org: Organization) -> None:
    locking.remember_actor(session, actor)
    if not org.is_deleted:
        raise ServiceError(_l("Only a deleted organization can be recovered."))
    org.deleted_at = None
    session.flush()


def what_blocks_purge(session, org: Organization) -> list:
    return customer_service.organization_purge_blockers(session, org)


def purge_organization(session, actor: User | None, org: Organization) -> None:
    locking.remember_actor(session, actor)
    if not org.is_deleted:
        raise ServiceError(_l("Only a deleted organization can be permanently deleted."))
    blockers = what_blocks_purge(session, org)
    if blockers:
        raise ServiceError(_l("It can't be permanently deleted: %(why)s", why="; ".join(map(str, blockers))))
    session.delete(org)
    session.flush()
