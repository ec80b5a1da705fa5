"""A customer's contact persons and the managed list of contact roles (seeds 001, 004).

At most one contact per customer is primary: making a contact primary unsets the previous one in the same
transaction (and the partial unique index ``uq_contact_one_primary`` refuses a second one whatever the path).
A deleted customer's contacts are read-only.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backoffice.infra import bulk  # (issue 13) the persons of many new customers at once
from backoffice.models import Contact, ContactRole, Customer, User
from backoffice.models.customer import CUSTOMER_LANGUAGES
from backoffice.services import display_names, locking, phones
from backoffice.services import settings as settings_service
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.matching import among
from backoffice.services.validation import check_email, check_lengths

FIELDS = (
    "first_name", "last_name", "title", "role_id", "email", "phone", "language",
    "send_service_protocol", "send_work_orders", "is_primary",
)
_TEXT = ("first_name", "last_name", "title", "email", "phone")
_FLAGS = ("send_service_protocol", "send_work_orders", "is_primary")
_PRIMARY_TAKEN = {"uq_contact_one_primary": ("is_primary", _l("Another contact became primary at the same moment. Try again.")),
                  "contact.customer_id": ("is_primary", _l("Another contact became primary at the same moment. Try again."))}
# --- (issue 11, private) a private customer's person: fixed as its primary contact, e-mail unique among persons
PERSON_FIELDS = ("first_name", "last_name", "email", "phone")
_PERSON_EMAIL_TAKEN = _l("A private customer with this e-mail address already exists.")
_PERSON_GUARD = {"uq_contact_person_email": ("email", _PERSON_EMAIL_TAKEN),
                 "contact.email_key": ("email", _PERSON_EMAIL_TAKEN)}
_PERSON_STAYS_PRIMARY = _l("This is the private customer's own person: it stays its primary contact.")
_PERSON_CANT_GO = _l("This is the private customer's own person: it can be edited, not removed.")
# --- end (issue 11, private)
_ROLE_TAKEN = {"uq_contact_role_name": ("name", _l("A contact role with this name already exists.")),
               "contact_role.name": ("name", _l("A contact role with this name already exists."))}


def contacts_of(session, customer: Customer) -> list[Contact]:
    """The customer's contacts: the primary first, then by name."""
    return list(session.scalars(
        select(Contact).where(Contact.customer_id == customer.id)
        .order_by(Contact.is_primary.desc(), func.lower(Contact.first_name), func.lower(Contact.last_name), Contact.id)
    ))


def titles_in_use(session, limit: int = 50) -> list[str]:
    """The free-text titles already used, most used first (the title field's suggestions)."""
    rows = session.execute(
        select(Contact.title, func.count()).where(Contact.title.is_not(None)).group_by(Contact.title)
        .order_by(func.count().desc(), Contact.title).limit(limit)
    ).all()
    return [title for title, _count in rows]


def roles(session) -> list[ContactRole]:
    return list(session.scalars(select(ContactRole).order_by(func.lower(ContactRole.name), ContactRole.id)))


def _refuse_if_deleted(customer: Customer) -> None:
    if customer.is_deleted:
        raise ServiceError(_l("A deleted customer's contacts can't be changed. Recover the customer first."))


def _clean(session, values: dict) -> dict:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a contact field: {sorted(unknown)}")
    cleaned = {}
    for name, value in values.items():
        if name in _TEXT:
            value = (value or "").strip() or None
        elif name in _FLAGS:
            value = bool(value)
        cleaned[name] = value
    if "first_name" in cleaned and not cleaned["first_name"]:
        raise ServiceError(_l("Enter the first name."), "first_name")
    check_lengths(Contact, cleaned)
    if cleaned.get("email"):
        check_email(cleaned["email"], "email")
    if cleaned.get("language") is not None and cleaned["language"] not in CUSTOMER_LANGUAGES:
        raise ServiceError(_l("Choose a language from the list."), "language")
    role_id = cleaned.get("role_id")
    if role_id is not None and (not isinstance(role_id, int) or session.get(ContactRole, role_id) is None):
        raise ServiceError(_l("Choose a role from the list."), "role_id")
    return cleaned


def _check_phone(session, contact: Contact | None, cleaned: dict, region: str | None = None) -> None:
    """A phone number set or changed is checked and stored in international form (E.164); one kept from
    before numbers were checked is not checked again while it is not changed. ``region``: the register's
    default region, when the caller read it once for many (an import's batch)."""
    if cleaned.get("phone") and (contact is None or cleaned["phone"] != contact.phone):
        cleaned["phone"] = phones.normalise(cleaned["phone"], region or settings_service.default_region(session),
                                            "phone")


def _unset_other_primary(session, customer_id: int, keep_id: int | None) -> None:
    """The previous primary is no longer primary (an ORM update: it is versioned and tracked)."""
    for other in session.scalars(
        select(Contact).where(Contact.customer_id == customer_id, Contact.is_primary.is_(True))
        .with_for_update(of=Contact)
    ):
        if other.id != keep_id:
            other.is_primary = False
    session.flush()  # before the new primary is written: the unique index sees one primary at a time


# --- (issue 11, private) the person of a private customer -----------------------------------------------
def email_key(email: str | None) -> str | None:
    """The stored lowercased copy of a person's e-mail (what the unique index and the import match on)."""
    return email.strip().lower() if email and email.strip() else None


def person_of(session, customer: Customer) -> Contact | None:
    if customer.id is None:
        return None
    return session.scalar(select(Contact).where(Contact.customer_id == customer.id, Contact.is_person.is_(True)))


def _email_taken(session, key: str, own: Contact | None) -> bool:
    """Another private customer's person has this e-mail (the partial unique index has the last word)."""
    taken = session.scalar(select(Contact.id).where(Contact.is_person.is_(True), Contact.email_key == key))
    return taken is not None and (own is None or taken != own.id)


def clean_person(session, values: dict, own: Contact | None = None) -> dict:
    """First name, last name and e-mail required; the phone in international form; the e-mail free among
    the persons of private customers (case-insensitive). Raises the first of ``person_problems``."""
    cleaned, problems = person_problems(session, values, own)
    if problems:
        raise problems[0]
    return cleaned


_PERSON_REQUIRED = (("email", _l("Enter the e-mail address.")), ("first_name", _l("Enter the first name.")),
                    ("last_name", _l("Enter the last name.")))


def person_problems(session, values: dict, own: Contact | None = None, *,
                    taken: set[str] | None = None, region: str | None = None) -> tuple[dict, list[ServiceError]]:
    """A person's values cleaned, and every problem with them — one per field, each a ServiceError naming
    its field (a form shows the first beside its field; a pasted line lists them all). ``taken``: the
    e-mail keys already in use, when the caller looked them up for many persons at once (a new person only);
    ``region``: the register's default region for the phone, likewise."""
    unknown = set(values) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not a person field: {sorted(unknown)}")
    problems: dict[str, ServiceError] = {}
    try:
        cleaned = _clean(session, values)  # the usual case at once (an import checks a million of them)
    except ServiceError:
        cleaned = {}
        for name, value in values.items():  # each field on its own, to name every problem
            try:
                cleaned.update(_clean(session, {name: value}))
            except ServiceError as error:
                problems.setdefault(error.field or name, error)
    for name, message in _PERSON_REQUIRED:
        if (own is None or name in cleaned) and not cleaned.get(name) and name not in problems:
            problems[name] = ServiceError(message, name)
    if cleaned.get("email") and "email" not in problems:
        cleaned["email_key"] = email_key(cleaned["email"])
        if (cleaned["email_key"] in taken) if taken is not None else _email_taken(session, cleaned["email_key"], own):
            problems["email"] = ServiceError(_PERSON_EMAIL_TAKEN, "email")
    if "phone" not in problems:
        try:
            _check_phone(session, own, cleaned, region)
        except ServiceError as error:
            problems["phone"] = error
    order = [name for name in ("first_name", "last_name", "email", "phone") if name in problems]
    return cleaned, [problems[name] for name in order]


def new_person(customer: Customer, cleaned: dict) -> Contact:
    """A private customer's person (``cleaned`` from clean_person), not yet in any session: its primary
    contact. Linked to ``customer`` without the session's cascades, so an import writing many at once
    (services/customers.create_private_customers, infra/bulk.py) adds nothing by the way."""
    return bulk.new(Contact, customer_id=customer.id, customer=customer, is_person=True, is_primary=True, **cleaned)


def taken_email_keys(session, keys: set[str]) -> set[str]:
    """Which of these e-mail keys a private customer's person has already (one query for many)."""
    if not keys:
        return set()
    return set(session.scalars(select(Contact.email_key).where(Contact.is_person.is_(True),
                                                                among(Contact.email_key, keys))))


def add_person(session, actor: User | None, customer: Customer, cleaned: dict) -> Contact:
    """The person of a new private customer (``cleaned`` from clean_person): its primary contact."""
    locking.remember_actor(session, actor)
    contact = Contact(customer_id=customer.id, is_person=True, is_primary=True, **cleaned)
    contact.customer = customer
    with unique_guard(session, {**_PERSON_GUARD, **_PRIMARY_TAKEN}):
        session.add(contact)
    display_names.follow_person(session, contact)
    return contact


def _refuse_person_rules(contact: Contact | None, customer: Customer, cleaned: dict) -> None:
    """The person stays primary; no other contact of a private customer becomes primary."""
    if contact is not None and contact.is_person and "is_primary" in cleaned and not cleaned["is_primary"]:
        raise ServiceError(_PERSON_STAYS_PRIMARY, "is_primary")
    if (contact is None or not contact.is_person) and cleaned.get("is_primary") and customer.type == "private":
        raise ServiceError(_PERSON_STAYS_PRIMARY, "is_primary")
# --- end (issue 11, private)


def add_contact(session, actor: User | None, customer: Customer, **values) -> Contact:
    locking.remember_actor(session, actor)
    _refuse_if_deleted(customer)
    cleaned = _clean(session, values)
    if not cleaned.get("first_name"):
        raise ServiceError(_l("Enter the first name."), "first_name")
    _refuse_person_rules(None, customer, cleaned)  # (issue 11, private)
    _check_phone(session, None, cleaned)
    if cleaned.get("is_primary"):
        _unset_other_primary(session, customer.id, None)
    contact = Contact(customer_id=customer.id, **cleaned)
    contact.customer = customer
    with unique_guard(session, _PRIMARY_TAKEN):
        session.add(contact)
    return contact


def update_contact(session, actor: User | None, contact: Contact, *, expected_version=None, **values) -> Contact:
    locking.check_version(session, actor, contact, expected_version)
    _refuse_if_deleted(contact.customer)
    _refuse_person_rules(contact, contact.customer, {k: bool(v) for k, v in values.items() if k == "is_primary"})
    if contact.is_person:  # (issue 11, private) its own rules: names and e-mail required, e-mail unique
        person = {k: v for k, v in values.items() if k in PERSON_FIELDS}
        cleaned = {**_clean(session, {k: v for k, v in values.items() if k not in PERSON_FIELDS}),
                   **clean_person(session, person, own=contact)}
        cleaned.pop("is_primary", None)
    else:
        cleaned = _clean(session, values)
        _check_phone(session, contact, cleaned)
    with locking.stale_guard(session, actor, contact):
        if cleaned.get("is_primary") and not contact.is_primary:
            _unset_other_primary(session, contact.customer_id, contact.id)
        for name, value in cleaned.items():
            setattr(contact, name, value)
        with unique_guard(session, {**_PRIMARY_TAKEN, **_PERSON_GUARD}):
            pass
    if contact.is_person and {"first_name", "last_name"} & set(cleaned):  # (issue 11, private)
        display_names.follow_person(session, contact)
    return contact


def make_primary(session, actor: User | None, contact: Contact) -> Contact:
    """Make ``contact`` the customer's primary contact; the previous one is unset in the same transaction."""
    return update_contact(session, actor, contact, is_primary=True)


def remove_contact(session, actor: User | None, contact: Contact) -> str:
    locking.remember_actor(session, actor)
    _refuse_if_deleted(contact.customer)
    if contact.is_person:  # (issue 11, private)
        raise ServiceError(_PERSON_CANT_GO)
    name = contact.full_name
    with locking.stale_guard(session, actor, contact):
        session.delete(contact)
        session.flush()
    return name


# --- the managed list of roles (system administrators) -----------------------------------------------


def _clean_role_name(name) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    check_lengths(ContactRole, {"name": name})
    return name


def _refuse_duplicate_role(session, name: str, own_id: int | None) -> None:
    existing = session.scalar(select(ContactRole).where(func.lower(ContactRole.name) == name.lower()))
    if existing is not None and existing.id != own_id:
        raise ServiceError(_l("A contact role with this name already exists."), "name")


def create_role(session, actor: User | None, name) -> ContactRole:
    locking.remember_actor(session, actor)
    name = _clean_role_name(name)
    _refuse_duplicate_role(session, name, None)
    role = ContactRole(name=name)
    with unique_guard(session, _ROLE_TAKEN):
        session.add(role)
    return role


def rename_role(session, actor: User | None, role: ContactRole, name, *, expected_version=None) -> ContactRole:
    locking.check_version(session, actor, role, expected_version)
    name = _clean_role_name(name)
    _refuse_duplicate_role(session, name, role.id)
    with locking.stale_guard(session, actor, role), unique_guard(session, _ROLE_TAKEN):
        role.name = name
    return role


def delete_role(session, actor: User | None, role: ContactRole) -> str:
    locking.remember_actor(session, actor)
    in_use = session.scalar(select(func.count()).select_from(Contact).where(Contact.role_id == role.id))
    if in_use:
        raise ServiceError(_l("This role is given to %(n)d contacts: change their role first.", n=in_use))
    name = role.name
    with locking.stale_guard(session, actor, role):
        session.delete(role)
        session.flush()
    return name




def ensure_default_roles(session, actor: User | None = None) -> None:
    """The starting list (demo data and a new installation's migration)."""
    locking.remember_actor(session, actor)
    for name in ("Invoice recipient", "Technical contact", "Decision maker"):
        if session.scalar(select(ContactRole).where(ContactRole.name == name)) is None:
            session.add(ContactRole(name=name))
    session.flush()
