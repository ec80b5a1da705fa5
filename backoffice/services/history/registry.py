"""What History knows about record types and kinds (data, no presentation: the labels are in
backoffice/admin/history_labels.py, where they are shown).

Which models are recorded, and how, each model says itself beside its class (``track`` in
backoffice/models/history.py); this module re-exports that registry for the services.
"""

from __future__ import annotations

from backoffice.models.history import BOOKKEEPING, TRACKED, Tracked, track

__all__ = [
    "BOOKKEEPING", "KIND_GROUPS", "RESTORABLE", "TIMELINE_TYPES", "TRACKED", "Tracked", "restorable",
    "timeline_types", "track",
]

# Kind groups offered as timeline filters.
TWO_FACTOR_KINDS = (
    "two_factor_enabled",
    "two_factor_disabled",
    "two_factor_reset",
    "two_factor_failed",
    "two_factor_passed",
    "two_factor_recovery_used",
    "two_factor_remembered",
    "recovery_codes_regenerated",
)
KIND_GROUPS = {
    "changes": ("create", "update", "admin_change", "password_changed", "archive", "unarchive",
                "group_add", "group_remove",  # (group_*: issue 11, groups)
                "assign", "unassign"),  # (issue 14)
    "notes": ("note", "note_deleted"),
    "sharing": ("share", "unshare"),
    "deletion": ("delete", "recover", "purge"),
    "security": (
        "sign_in", "sign_in_failed", "sign_out", "signed_out_everywhere", "password_changed", *TWO_FACTOR_KINDS,
    ),
}

# The record types one timeline shows: billing information has the customer's id and is part of its card.
TIMELINE_TYPES = {"customer": ("customer", "billing_info", "customer_contact", "customer_address")}


def timeline_types(record_type: str) -> tuple[str, ...]:
    return TIMELINE_TYPES.get(record_type, (record_type,))


# The fields "Restore this value" can set back, per record type (services/history/restore.py calls the
# record's own update service, so every rule of an ordinary edit applies).
RESTORABLE: dict[str, tuple[str, ...]] = {
    "organization": (
        "name", "org_number", "legal_form", "digital_address", "address", "post_number", "region",
        "municipality", "country", "phone", "website", "email",
    ),
    "user": ("first_name", "last_name", "email", "language", "role", "active", "timezone"),
    "customer": ("organization_id", "admin_user_id", "status", "customer_number", "allow_shared_billing"),
}


def restorable(entry, change: dict) -> bool:
    return (
        entry.record_type in RESTORABLE
        and entry.kind in ("update", "admin_change")
        and not change.get("changed")
        and change.get("field") in RESTORABLE[entry.record_type]
    )
