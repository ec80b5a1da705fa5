"""Organizations: create, edit, soft delete, recover, permanently delete."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backoffice.models import Organization, User
from backoffice.models.organization import lock_organization, org_number_key
from backoffice.models.base import utcnow
from backoffice.services import customers as customer_service
from backoffice.services import locking
from backoffice.services.errors import ServiceError, unique_guard
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
    if cleaned.get("email"):
        check_email(cleaned["email"])
    check_lengths(Organization, cleaned)
    return cleaned


def _check_number_free(session, key: str, own_id: int | None = None) -> None:
    found = session.scalar(select(Organization.id).where(Organization.org_number_key == key))
    if found is not None and found != own_id:
        raise ServiceError(_NUMBER_TAKEN, "org_number")


def create_organization(session, actor: User | None, **values) -> Organization:
    locking.remember_actor(session, actor)
    values = _clean(values)
    for required in ("name", "org_number"):
        if not values.get(required):
            raise ServiceError(_l("This field is required."), required)
    key = org_number_key(values["org_number"])
    _check_number_free(session, key)
    org = Organization(**values, org_number_key=key)
    with unique_guard(session, {"org_number_key": ("org_number", _NUMBER_TAKEN)}):
        session.add(org)
    return org


def update_organization(
    session, actor: User | None, org: Organization, *, expected_version=None, **changes
) -> Organization:
    """``expected_version`` is the version the edit form was opened with (ConflictError when stale)."""
    locking.check_version(session, actor, org, expected_version)
    if org.is_deleted:
        raise ServiceError(_l("A deleted organization can't be edited. Recover it first."))
    changes = _clean(changes)
    if "org_number" in changes:
        key = org_number_key(changes["org_number"])
        _check_number_free(session, key, org.id)
        changes["org_number_key"] = key
    with locking.stale_guard(session, actor, org), unique_guard(
        session, {"org_number_key": ("org_number", _NUMBER_TAKEN)}
    ):
        for name, value in changes.items():
            setattr(org, name, value)
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
