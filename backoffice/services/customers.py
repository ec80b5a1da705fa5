"""Customers (seed 000): the one module that owns a customer's transitions.

Create, edit, set status, soft delete (releases the admin), recover (with a new admin) and
permanently delete; billing information; the pickers' queries. Views, bulk actions, the CLI
and the demo call these functions; none of them repeats a rule.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select

from backoffice.models import BillingInfo, Customer, Organization, User
from backoffice.models.base import utcnow
from backoffice.models import roles
from backoffice.models.customer import CUSTOMER_LANGUAGES, PAYMENT_METHODS, STATUSES, TYPES
from backoffice.models.organization import lock_organization
from backoffice.services import assignments  # (issue 14) a new customer of one who sees only assigned ones
from backoffice.services import customer_scope
from backoffice.services import addresses as address_service
from backoffice.services import contacts as contact_service  # (issue 11, private) a private customer's person
from backoffice.services import discount_letters
from backoffice.services import display_names  # (issue 11, private)
from backoffice.services import custom_fields
from backoffice.services import customer_groups  # (issue 11, groups)
from backoffice.services import locking
from backoffice.services import location_groups  # (issue 11, fields)
from backoffice.services import numbering
from backoffice.services import phones
from backoffice.services import settings as settings_service
from backoffice.services import sharing
from backoffice.services import users as user_service
from backoffice.services.customer_list import organization_matches, words
from backoffice.services.lists import user_matches
from backoffice.services.matching import short_inside
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.validation import check_text, is_one_line_column, parse_id

FIELDS = ("organization_id", "admin_user_id", "status", "customer_number", "allow_shared_billing",
          "language", "cost_center",  # (language, cost_center: issue 10, card)
          "automatic_settlement", "payment_terms_days",  # (issue 11, groups: NULL inherits)
          "payment_method", "location_group_id")  # (issue 11, fields)
BILLING_FIELDS = ("digital_address", "address", "post_number", "municipality", "phone", "email", "responsible_person")
# The lengths are the model's columns' (the form and the checks below read them from here).
BILLING_MAX = {name: BillingInfo.__table__.columns[name].type.length for name in BILLING_FIELDS}
CUSTOMER_NUMBER_MAX = Customer.__table__.columns["customer_number"].type.length

_ORG_TAKEN = _l("This organization already has a customer account.")
_ADMIN_TAKEN = _l("This user is already the customer admin of another customer.")
_NUMBER_TAKEN = numbering.NUMBER_TAKEN
_GUARD = {
    "organization_id": ("organization_id", _ORG_TAKEN),
    "admin_user_id": ("admin_user_id", _ADMIN_TAKEN),
    "customer_number": ("customer_number", _NUMBER_TAKEN),
}
# The user picked as customer admin is written too (guest -> customer admin): a request that loses the
# race for that user's row (its version moved) is told so beside the picker.
_STALE_ADMIN = {"user": ("admin_user_id", _ADMIN_TAKEN)}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# The one extension point of the customer transitions: functions (session, customer) -> list of messages
# naming what keeps a customer from being permanently deleted. Nothing adds one yet; the documents (a later
# issue) will, by calling add_purge_blocker from their own service module. Everything else a transition
# does is called directly below.
purge_blockers: list = []


def add_purge_blocker(check) -> None:
    """``check(session, customer) -> list of messages``; an empty list lets the purge go ahead."""
    if check not in purge_blockers:
        purge_blockers.append(check)


# --- queries the pickers use (the list's own query is services/customer_list.py) -----------------
def eligible_admins_query(session=None, search: str | None = None) -> Select:
    """Users with the role guest who are nobody's customer admin, by name (searched by name or e-mail)."""
    stmt = select(User).where(
        User.role == roles.GUEST_ROLE,
        User.active.is_(True),
        ~exists().where(Customer.admin_user_id == User.id),
    )
    typed = words(search)
    for word in typed:
        stmt = stmt.where(user_matches(word, short_inside(typed)))  # (the users list's matching: services/lists.py)
    return stmt.order_by(User.last_name, User.first_name, User.id)


def available_organizations_query(session=None, search: str | None = None) -> Select:
    """Organizations that are not deleted and have no customer account, by name."""
    stmt = select(Organization).where(
        Organization.deleted_at.is_(None),
        ~exists().where(Customer.organization_id == Organization.id),
    )
    typed = words(search)
    for word in typed:
        stmt = stmt.where(organization_matches(word, short_inside(typed)))
    return stmt.order_by(Organization.name, Organization.id)


# --- validation --------------------------------------------------------------------------------
def _clean_number(session, value) -> str | None:
    return numbering.clean(session, value)  # the rules of customer numbers: services/numbering.py


def _may_change_number(session, actor: User | None, customer: Customer, number: str | None) -> None:
    """After creation only a holder of customers.change_number (a system administrator) changes the
    number; the CLI and restores without an actor act as the system."""
    if number != customer.customer_number and actor is not None and not roles.can(actor, "customers.change_number"):
        raise ServiceError(_l("Only a system administrator can change the customer number."), "customer_number")


ARCHIVE_NEEDED = _l("Setting a customer active or inactive needs the permission “Set customers active or inactive”.")


def may_set_status(actor: User | None, current: str, status: str) -> None:
    """Seed 004's Archive is a permission of its own (customers.archive), apart from Edit: without it a customer's
    status stays as it is, and a new one starts active. The CLI and restores without an actor act as the system."""
    if status != current and actor is not None and not roles.can(actor, "customers.archive"):
        raise ServiceError(ARCHIVE_NEEDED, "status")


def _as_id(value, field: str) -> int:
    if isinstance(value, (User, Organization)):
        return value.id
    number = parse_id(value)  # (ASCII digits only: int() would take " 7" or full-width "７")
    if number is None:
        raise ServiceError(_l("This field is required."), field)
    return number


def _check_status(status) -> str:
    if status not in STATUSES:
        raise ServiceError(_l("Choose Active or Inactive."), "status")
    return status


def _check_number_free(session, number: str | None, own_id: int | None) -> None:
    numbering.check_free(session, number, own_id)


def _organization_for(session, organization_id, own: Customer | None = None) -> Organization:
    org = session.get(Organization, _as_id(organization_id, "organization_id"))
    if org is None:
        raise ServiceError(_l("Choose an organization from the list."), "organization_id")
    if own is not None and own.organization_id == org.id:
        return org
    if org.is_deleted:
        raise ServiceError(_l("This organization is deleted. Choose another one."), "organization_id")
    taken = session.scalar(select(Customer.id).where(Customer.organization_id == org.id))
    if taken is not None:
        raise ServiceError(_ORG_TAKEN, "organization_id")
    return org


def _admin_for(session, admin_user_id, own: Customer | None = None) -> User:
    """A guest who is nobody's customer admin (or the customer's own current admin)."""
    user = session.get(User, _as_id(admin_user_id, "admin_user_id"))
    if user is None:
        raise ServiceError(_l("Choose a user from the list."), "admin_user_id")
    if own is not None and own.admin_user_id == user.id:
        return user
    taken = session.scalar(select(Customer.id).where(Customer.admin_user_id == user.id))
    if taken is not None:
        raise ServiceError(_ADMIN_TAKEN, "admin_user_id")
    if not roles.is_guest(user):
        raise ServiceError(_l("Only a user with the role Guest can become a customer admin."), "admin_user_id")
    if not user.active:
        raise ServiceError(_l("This user is deactivated. Choose another one."), "admin_user_id")
    return user


def _release(user: User | None) -> None:
    if user is not None and roles.is_customer_admin(user):
        user.role = roles.GUEST_ROLE


def _end_admin_sessions(session, actor: User | None, admin: User | None) -> None:
    """An inactive or deleted customer's admin can't sign in (authenticate refuses), and their open portal
    sessions end in the same transaction."""
    if admin is not None:
        user_service.end_sessions(session, actor, admin)


def _lock_organization_alive(session, org_id: int | None) -> None:
    """After this request's own write: lock the organization (serialises with its soft delete) and
    refuse when it was deleted meanwhile, so there is never an active customer on a deleted organization."""
    if org_id is None:
        return
    session.flush()
    if lock_organization(session, org_id) is not None:
        raise ServiceError(_l("This organization is deleted. Choose another one."), "organization_id")


def _refuse_if_deleted(customer: Customer) -> None:
    if customer.is_deleted and not customer.arriving_deleted:
        raise ServiceError(_l("A deleted customer can't be changed. Recover it first."))


# --- card fields (issue 10, card): message language, cost center ------------------------------------
COST_CENTER_MAX = Customer.__table__.columns["cost_center"].type.length


def _check_language(value) -> str | None:
    """One of CUSTOMER_LANGUAGES, or None (English)."""
    value = value or None
    if value is not None and value not in CUSTOMER_LANGUAGES:
        raise ServiceError(_l("Choose a language from the list."), "language")
    return value


def _check_cost_center(value) -> str | None:
    value = (value.strip() if isinstance(value, str) else value) or None
    if value is not None:
        if len(value) > COST_CENTER_MAX:
            raise ServiceError(_l("At most %(n)d characters.", n=COST_CENTER_MAX), "cost_center")
        check_text(value, "cost_center")
    return value


def _save_card_parts(session, actor, customer: Customer, addresses: dict | None, letters) -> None:
    if letters is not None:
        discount_letters.set_codes(session, actor, customer, letters)
    if addresses is not None:
        address_service.apply(session, actor, customer, addresses)
# --- end card fields


# --- (issue 11, fields): payment method and location group ------------------------------------------
def _check_payment_method(value) -> str | None:
    """One of PAYMENT_METHODS, or None (not set)."""
    value = value or None
    if value is not None and value not in PAYMENT_METHODS:
        raise ServiceError(_l("Choose a payment method from the list."), "payment_method")
    return value


def _check_location_group(session, value) -> int | None:
    return location_groups.check_for_customer(session, value)
# --- end (issue 11, fields)


def numbering_is_automatic(session) -> bool:
    """Whether a customer created without a number gets the next one (the register setting)."""
    return numbering.is_automatic(session)


# --- transitions -------------------------------------------------------------------------------
def checked_new_fields(session, *, status="ACTIVE", language=None, cost_center=None, payment_method=None,
                       location_group_id=None, custom_values=None, customer_number=None, group_ids=None,
                       automatic_settlement=None, payment_terms_days=None, definitions=None,
                       actor: User | None = None) -> tuple[dict, list]:
    """A new customer's own fields as stored, and its groups, checked in the one order create_customer and an
    import's batch (services/customer_batches.py) share; the ServiceError of the first that is wrong. The
    number's uniqueness is the caller's (one lookup per customer, or one per batch); ``definitions``: the
    custom fields' definitions, read once for a batch; ``actor``: who creates it (an inactive one needs
    customers.archive)."""
    own_settings = customer_groups.clean_settings(  # (issue 11, groups)
        {"automatic_settlement": automatic_settlement, "payment_terms_days": payment_terms_days})
    groups = customer_groups._groups(session, group_ids)
    checked = dict(
        status=_check_status(status or "ACTIVE"),
        language=_check_language(language),
        cost_center=_check_cost_center(cost_center),
        payment_method=_check_payment_method(payment_method),  # (issue 11, fields)
        location_group_id=_check_location_group(session, location_group_id),
        custom_values=custom_fields.clean_values(session, custom_values, existing=None, definitions=definitions),
        customer_number=_clean_number(session, customer_number),
        **own_settings,
    )
    may_set_status(actor, "ACTIVE", checked["status"])  # (issue 14: a new customer starts active)
    return checked, groups


def create_customer(
    session,
    actor: User | None,
    *,
    organization_id=None,
    admin_user_id=None,
    customer_type: str = "business",  # (issue 11, private) "private": ``person`` instead of organization/admin
    person: dict | None = None,
    status: str = "ACTIVE",
    customer_number: str | None = None,
    allow_shared_billing: bool = False,
    billing: dict | None = None,
    language: str | None = None,
    cost_center: str | None = None,
    payment_method: str | None = None,  # (issue 11, fields)
    location_group_id=None,
    discount_letters: list | str | None = None,
    addresses: dict | None = None,
    custom_values: dict | None = None,
    group_ids=None,  # (issue 11, groups) its customer groups
    automatic_settlement=None,
    payment_terms_days=None,
    deleted_at=None,  # (issue 13) it arrives deleted, as the register it is imported from had it
) -> Customer:
    """A business customer has ``organization_id`` and ``admin_user_id`` (none when it arrives deleted,
    ``deleted_at``: a deleted customer has no admin); a private one (``customer_type``
    "private") has neither, its ``person`` ({first_name, last_name, email, phone}) becomes its primary contact.
    ``custom_values``: {custom field id -> typed value} (services/custom_fields.clean_values);
    ``group_ids`` its customer groups; ``automatic_settlement`` / ``payment_terms_days`` its own settings
    (None: inherited, services/customer_groups.py)."""
    locking.remember_actor(session, actor)
    checked, groups = checked_new_fields(
        session, actor=actor, status=status, language=language, cost_center=cost_center, payment_method=payment_method,
        location_group_id=location_group_id, custom_values=custom_values, customer_number=customer_number,
        group_ids=group_ids, automatic_settlement=automatic_settlement, payment_terms_days=payment_terms_days)
    own_settings = {name: checked.pop(name) for name in ("automatic_settlement", "payment_terms_days")
                    if name in checked}
    status, language, cost_center = checked["status"], checked["language"], checked["cost_center"]
    payment_method, location_group_id = checked["payment_method"], checked["location_group_id"]
    custom, number = checked["custom_values"], checked["customer_number"]
    # --- (issue 11, private)
    if customer_type not in TYPES:
        raise ServiceError(_l("Choose business or private."), "type")
    if customer_type == "private":
        person_values = contact_service.clean_person(session, dict(person or {}))
        org = admin = None
    else:
        org = _organization_for(session, organization_id)
        admin = _admin_for(session, admin_user_id) if deleted_at is None else None
    # --- end (issue 11, private)
    if number is None:
        number = numbering.for_new_customer(session, None)  # the next one when numbering is automatic
    _check_number_free(session, number, None)
    customer = Customer(
        type=customer_type,
        organization=org,
        display_name=(display_names.person_name(person_values.get("first_name"), person_values.get("last_name"))
                      if customer_type == "private" else org.name),  # (issue 11, private)
        admin_user_id=admin.id if admin is not None else None,
        status=status,
        customer_number=number,
        allow_shared_billing=bool(allow_shared_billing),
        language=language,
        cost_center=cost_center,
        payment_method=payment_method,  # (issue 11, fields)
        location_group_id=location_group_id,
        custom_values=custom,
        deleted_at=deleted_at,
        **own_settings,  # (issue 11, groups)
    )
    with locking.stale_guard(session, actor, None, _STALE_ADMIN), unique_guard(session, _GUARD):
        session.add(customer)
        if admin is not None:
            admin.role = roles.CUSTOMER_ADMIN_ROLE
    if customer_type == "private":  # (issue 11, private) its person, fixed as its primary contact
        contact_service.add_person(session, actor, customer, person_values)
    else:
        _lock_organization_alive(session, org.id)
    customer.arriving_deleted = deleted_at is not None  # its parts below are written with it, not after
    try:
        if billing:
            set_billing(session, actor, customer, **billing)
        _save_card_parts(session, actor, customer, addresses, discount_letters)
        if groups:  # (issue 11, groups)
            customer_groups.set_memberships(session, actor, customer, groups)
    finally:
        customer.arriving_deleted = False
    if customer_scope.sees_only_assigned(actor):  # (issue 14) so that they never lose sight of it
        assignments.assign_creator(session, customer, actor)
    return customer


def update_customer(
    session,
    actor: User | None,
    customer: Customer,
    *,
    confirm_unshare: bool = False,
    expected_version=None,
    billing: dict | None = None,
    addresses: dict | None = None,
    discount_letters: list | str | None = None,
    custom_values: dict | None = None,
    group_ids=None,  # (issue 11, groups) None leaves the memberships alone
    person: dict | None = None,  # (issue 11, private) a private customer's person's fields; None: unchanged
    **changes,
) -> Customer:
    """Edit an active (not deleted) customer; a new admin returns the previous one to guest.

    Unticking "Allow shared billing accounts" while accounts are shared needs ``confirm_unshare``.
    ``expected_version`` is the version the edit form was opened with (ConflictError when stale);
    ``billing`` (billing field -> value) is saved in the same step, under the customer's version, and so
    are ``addresses`` (kind -> values, or None to remove; services/addresses.py), ``discount_letters`` and
    ``custom_values`` ({custom field id -> typed value}; None leaves them alone).
    """
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locking.check_version(session, actor, customer, expected_version)
    _refuse_if_deleted(customer)
    # --- (issue 11, private) a private customer has no organization and no admin; a business one no person
    if customer.type == "private":
        for name in ("organization_id", "admin_user_id"):
            if changes.pop(name, None) is not None:
                raise ServiceError(_l("A private customer has no organization or customer admin."), name)
    elif person is not None:
        raise ServiceError(_l("Only a private customer has a person of its own."))
    # --- end (issue 11, private)
    if "status" in changes:
        _check_status(changes["status"])
        may_set_status(actor, customer.status, changes["status"])
    if "customer_number" in changes:
        typed = changes["customer_number"]
        typed = None if typed is None else (str(typed).strip() or None)
        _may_change_number(session, actor, customer, typed)
        if typed == customer.customer_number:
            del changes["customer_number"]  # unchanged: an old number outside today's bounds stays as it is
        else:
            changes["customer_number"] = _clean_number(session, typed)
            _check_number_free(session, changes["customer_number"], customer.id)
    if "allow_shared_billing" in changes:
        changes["allow_shared_billing"] = bool(changes["allow_shared_billing"])
    if "language" in changes:
        changes["language"] = _check_language(changes["language"])
    if "cost_center" in changes:
        changes["cost_center"] = _check_cost_center(changes["cost_center"])
    if "payment_method" in changes:  # (issue 11, fields)
        changes["payment_method"] = _check_payment_method(changes["payment_method"])
    if "location_group_id" in changes:
        changes["location_group_id"] = _check_location_group(session, changes["location_group_id"])
    changes.update(customer_groups.clean_settings(  # (issue 11, groups)
        {k: changes[k] for k in ("automatic_settlement", "payment_terms_days") if k in changes}))
    if custom_values is not None:
        custom = custom_fields.clean_values(session, custom_values, existing=customer.custom_values, creating=False)
        if custom != (customer.custom_values or None):
            changes["custom_values"] = custom
    new_org = None
    if "organization_id" in changes:
        new_org = _organization_for(session, changes.pop("organization_id"), own=customer)
    new_admin = old_admin = None
    if "admin_user_id" in changes:
        new_admin = _admin_for(session, changes.pop("admin_user_id"), own=customer)
        if new_admin.id != customer.admin_user_id:
            old_admin = customer.admin
        else:
            new_admin = None
    sharing_disabled = customer.allow_shared_billing and changes.get("allow_shared_billing") is False
    deactivating = customer.status == "ACTIVE" and changes.get("status", "ACTIVE") != "ACTIVE"
    with locking.stale_guard(session, actor, customer, _STALE_ADMIN):
        with unique_guard(session, _GUARD):
            for name, value in changes.items():
                setattr(customer, name, value)
            if new_org is not None and new_org.id != customer.organization_id:
                display_names.take_organization(customer, new_org)  # (the display name follows: issue 12)
            if new_admin is not None:
                _release(old_admin)
                customer.admin_user_id = new_admin.id
                customer.admin = new_admin
                new_admin.role = roles.CUSTOMER_ADMIN_ROLE
            if deactivating:
                _end_admin_sessions(session, actor, customer.admin)
        if new_org is not None:
            _lock_organization_alive(session, customer.organization_id)
        if sharing_disabled:
            # the shares go (confirmed), or the edit is refused while there are any
            sharing.set_allow_shared_billing(session, actor, customer, False, confirmed=confirm_unshare)
            session.flush()
        if billing is not None:
            set_billing(session, actor, customer, **billing)
        _save_card_parts(session, actor, customer, addresses, discount_letters)
        if group_ids is not None:  # (issue 11, groups)
            customer_groups.set_memberships(session, actor, customer, group_ids)
        if person is not None:  # (issue 11, private) under the customer's version, like billing
            contact = contact_service.person_of(session, customer)
            contact_service.update_contact(session, actor, contact, **person)
    return customer


def set_status(session, actor: User | None, customer: Customer, status: str) -> bool:
    """ACTIVE or INACTIVE; returns False when it already had that status (nothing to do)."""
    locking.remember_actor(session, actor)
    _check_status(status)
    _refuse_if_deleted(customer)
    if customer.status == status:
        return False
    may_set_status(actor, customer.status, status)
    customer.status = status
    if status != "ACTIVE":
        _end_admin_sessions(session, actor, customer.admin)
    session.flush()
    return True


def soft_delete_customer(session, actor: User | None, customer: Customer) -> None:
    """Mark deleted and release the admin (back to guest): recovering picks a new one."""
    locking.remember_actor(session, actor)
    if customer.is_deleted:
        raise ServiceError(_l("This customer is already deleted."))
    admin = customer.admin
    _end_admin_sessions(session, actor, admin)
    customer.deleted_at = utcnow()
    customer.admin_user_id = None
    customer.admin = None
    _release(admin)
    session.flush()


def recover_customer(session, actor: User | None, customer: Customer, admin_user_id=None) -> Customer:
    """A business customer gets a new admin (``admin_user_id``); a private one needs none (issue 11)."""
    locking.remember_actor(session, actor)
    if not customer.is_deleted:
        raise ServiceError(_l("Only a deleted customer can be recovered."))
    if customer.type == "private":  # (issue 11, private)
        with locking.stale_guard(session, actor, customer):
            customer.deleted_at = None
            session.flush()
        return customer
    org = customer.organization
    if org is not None and org.is_deleted:
        raise ServiceError(
            _l("The organization %(name)s is deleted. Recover the organization first.", name=org.name)
        )
    admin = _admin_for(session, admin_user_id)
    with locking.stale_guard(session, actor, customer, _STALE_ADMIN), unique_guard(session, _GUARD):
        customer.deleted_at = None
        customer.admin_user_id = admin.id
        customer.admin = admin
        admin.role = roles.CUSTOMER_ADMIN_ROLE
    if org is not None:
        session.flush()
        if lock_organization(session, org.id) is not None:
            raise ServiceError(
                _l("The organization %(name)s is deleted. Recover the organization first.", name=org.name)
            )
    return customer


def previous_admin(session, customer: Customer) -> User | None:
    """Who was the customer admin of a deleted customer before it was deleted (a soft delete releases
    the admin): read from the customer's history, the newest change that emptied its admin. None when
    the history doesn't say (recorded before history, anonymised) or that user is gone."""
    from backoffice.models import HistoryEntry

    entries = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.record_type == "customer", HistoryEntry.record_id == customer.id)
        .order_by(HistoryEntry.occurred_at.desc(), HistoryEntry.id.desc())
        .limit(200)
    )
    for entry in entries:
        for change in entry.changes or ():
            if change.get("field") == "admin_user_id" and change.get("new") is None and change.get("old") is not None:
                old = change["old"]
                return session.get(User, old) if isinstance(old, int) else None
    return None


def what_blocks_purge(session, customer: Customer) -> list:
    return [message for check in purge_blockers for message in check(session, customer)]


def purge_customer(session, actor: User | None, customer: Customer) -> None:
    """Remove a soft-deleted customer for good, with its billing information and shared-account links."""
    locking.remember_actor(session, actor)
    if not customer.is_deleted:
        raise ServiceError(_l("Only a deleted customer can be permanently deleted. Delete it first."))
    blockers = what_blocks_purge(session, customer)
    if blockers:
        raise ServiceError(_l("It can't be permanently deleted: %(why)s", why="; ".join(map(str, blockers))))
    sharing.notify_purge(session, actor, customer)  # tells the admins whose shared accounts it leaves
    session.delete(customer)  # billing_info and shared_account rows go by their ON DELETE CASCADE
    session.flush()


# --- billing information -----------------------------------------------------------------------
def _clean_billing(session, values: dict, current: BillingInfo | None) -> dict:
    """The billing fields given, as stored (None for empty), or the ServiceError of the first that is wrong."""
    cleaned = {}
    for name in BILLING_FIELDS:
        if name not in values:
            continue
        value = (values[name] or "").strip() if isinstance(values[name], str) or values[name] is None else values[name]
        if value and "\x00" in value:
            raise ServiceError(_l("This field contains a character that is not allowed."), f"billing_{name}")
        if value and len(value) > BILLING_MAX[name]:
            raise ServiceError(_l("At most %(n)d characters.", n=BILLING_MAX[name]), f"billing_{name}")
        if value and isinstance(value, str):
            column = BillingInfo.__table__.columns[name]
            check_text(value, f"billing_{name}", one_line=is_one_line_column(column))
        cleaned[name] = value or None
    if cleaned.get("email") and not _EMAIL_RE.match(cleaned["email"]):
        raise ServiceError(_l("Enter a valid e-mail address."), "billing_email")
    if cleaned.get("phone") and cleaned["phone"] != getattr(current, "phone", None):  # (checked when changed)
        cleaned["phone"] = phones.normalise(cleaned["phone"], settings_service.default_region(session), "billing_phone")
    return cleaned


def set_billing(session, actor: User | None, customer: Customer, **values) -> BillingInfo | None:
    """Create or update the billing information; all fields empty removes it."""
    locking.remember_actor(session, actor)
    unknown = set(values) - set(BILLING_FIELDS)
    if unknown:
        raise ValueError(f"not a billing field: {sorted(unknown)}")
    _refuse_if_deleted(customer)
    cleaned = _clean_billing(session, values, customer.billing)
    billing = customer.billing
    merged = {name: getattr(billing, name, None) for name in BILLING_FIELDS} | cleaned
    if not any(merged.values()):
        clear_billing(session, actor, customer)
        return None
    if billing is None:
        billing = BillingInfo(customer=customer)
        session.add(billing)
    for name, value in cleaned.items():
        setattr(billing, name, value)
    session.flush()
    return billing


def clear_billing(session, actor: User | None, customer: Customer) -> None:
    locking.remember_actor(session, actor)
    if customer.billing is not None:
        session.delete(customer.billing)
        customer.billing = None
    session.flush()


# --- organizations: the cascade and the purge blocker live beside the customer rules ---------------
# (services/organizations.py calls these two directly.)
def soft_delete_with_organization(session, actor, org: Organization) -> None:
    """The organization is being soft-deleted (and is locked): its customer is soft-deleted with it."""
    # Read afresh (the organization is locked): a customer recovered just before is seen as it is now.
    customer = session.scalar(
        select(Customer).where(Customer.organization_id == org.id).execution_options(populate_existing=True)
    )
    if customer is not None and not customer.is_deleted:
        soft_delete_customer(session, actor, customer)


def organization_purge_blockers(session, org: Organization) -> list:
    """What keeps the organization from being permanently deleted: a customer account, deleted or not."""
    if session.scalar(select(func.count()).select_from(Customer).where(Customer.organization_id == org.id)):
        return [_l("a customer account refers to it")]
    return []


def customer_of_organization(session, org: Organization) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.organization_id == org.id))
