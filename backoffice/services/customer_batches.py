"""Many new customers at once (issue 13's large imports): a batch of rows checked by the rules the forms
apply, and the valid ones written together, with no round trip per row.

``create_many(session, actor, items)`` takes new customers with everything new about them: a private
customer's person, or a business customer's new organization and new customer admin (a user created here,
with no password), and either's billing information and groups. Each item is checked in the order the
one-at-a-time path checks it (organizations.clean_new, users.clean_new_user, customers.checked_new_fields,
contacts.person_problems, customers' billing rules), with what must be unique — persons' e-mails, users'
e-mails, organization numbers, customer numbers — looked up for the whole batch in one query each and then
kept as the batch goes, so a value taken by an earlier item of the batch is refused like one in the register.
The valid items are written table by table (infra/bulk.py: COPY on PostgreSQL, one executemany on SQLite),
and History records every record as a flush would (one create entry each; a new customer admin's user is
created with that role in one step, where the one-at-a-time path records a guest who then becomes admin).

The caller holds the savepoint: the database's constraints still have the last word, and a batch they refuse
(another user took a number meanwhile) is taken back whole, to be written one item at a time.
"""

from __future__ import annotations

from backoffice.infra import bulk
from backoffice.models import BillingInfo, Customer, CustomerAssignment, Organization, User
from backoffice.models.organization import org_number_key
from backoffice.models.roles import CUSTOMER_ADMIN_ROLE, GUEST_ROLE
from backoffice.services import contacts as contact_service
from backoffice.services import countries, custom_fields, customer_groups, display_names, history, locking
from backoffice.services import customer_scope, numbering
from backoffice.services import settings as settings_service
from backoffice.services import customers as customer_service
from backoffice.services import organizations as organization_service
from backoffice.services import users as user_service
from backoffice.services.errors import ServiceError

CUSTOMER_FIELDS = ("customer_number", "status", "payment_method", "location_group_id", "group_ids",
                   "allow_shared_billing", "custom_values")
_CHECKED = ("customer_number", "status", "payment_method", "location_group_id", "group_ids", "custom_values")


def organization_key(values: dict) -> tuple[str | None, str] | None:
    """(country code, number key) of an organization's typed number, as the register stores them."""
    number = org_number_key(values.get("org_number") or "")
    if not number:
        return None
    try:
        country = countries.check((values.get("country") or "").strip() or None)
    except ServiceError:
        return None
    return country, number


def _lookups(session, items: list[dict]) -> dict[str, set]:
    persons, users, orgs, numbers = set(), set(), set(), set()
    for item in items:
        persons.add(contact_service.email_key((item.get("person") or {}).get("email")))
        users.add(user_service.normalize_email((item.get("admin") or {}).get("email")))
        orgs.add(organization_key(item.get("organization") or {}))
        numbers.add(str(item.get("customer_number") or "").strip())
    return {
        "persons": contact_service.taken_email_keys(session, persons - {None}),
        "users": user_service.taken_emails(session, users - {""}),
        "orgs": organization_service.taken_numbers(session, orgs - {None}),
        "numbers": numbering.taken(session, numbers - {""}),
        "definitions": custom_fields.all_definitions(session),
        "region": settings_service.default_region(session),
    }


class Refused(ServiceError):
    """An item's first problem: the ServiceError, and whose field it is (``part``: "organization", "admin",
    "customer", "person" or "billing"), so an import names the file's column."""

    def __init__(self, error: ServiceError, part: str):
        super().__init__(error.message, error.field)
        self.part = part


def _check(session, item: dict, taken: dict[str, set], actor: User | None = None) -> dict:
    """One item's records as they will be stored, or Refused with its first problem."""
    checked: dict = {"organization": None, "admin": None, "person": None}
    part = "organization"
    try:
        if item.get("type", "private") == "business":
            checked["organization"] = organization_service.clean_new(
                session, dict(item.get("organization") or {}), taken=taken["orgs"])
            part = "admin"
            admin = item.get("admin") or {}
            if item.get("deleted_at") is None:  # a deleted customer has no admin
                checked["admin"] = user_service.clean_new_user(
                    session, email=admin.get("email"), first_name=admin.get("first_name"),
                    last_name=admin.get("last_name"), role=GUEST_ROLE)
                if checked["admin"]["email"] in taken["users"]:
                    raise ServiceError(user_service._EMAIL_TAKEN, "email")
        part = "customer"
        fields, checked["groups"] = customer_service.checked_new_fields(
            session, actor=actor, definitions=taken["definitions"], **{name: item.get(name) for name in _CHECKED})
        checked["customer"] = {name: fields[name] for name in ("status", "payment_method", "location_group_id",
                                                               "customer_number", "custom_values")}
        checked["customer"]["allow_shared_billing"] = bool(item.get("allow_shared_billing"))
        checked["customer"]["deleted_at"] = item.get("deleted_at")
        if checked["organization"] is None:
            part = "person"
            person, problems = contact_service.person_problems(session, dict(item.get("person") or {}),
                                                               taken=taken["persons"], region=taken["region"])
            if problems:
                raise problems[0]
            checked["person"] = person
        part = "customer"
        if checked["customer"]["customer_number"] in taken["numbers"]:
            raise ServiceError(numbering.NUMBER_TAKEN, numbering.FIELD)
        part = "billing"
        billing = customer_service._clean_billing(session, dict(item.get("billing") or {}), None)
    except ServiceError as error:
        raise Refused(error, part) from None
    checked["billing"] = {name: value for name, value in billing.items() if value} or None
    return checked


def _keep(checked: dict, taken: dict[str, set]) -> None:
    """What an accepted item takes, so a later item of the batch can't take it again."""
    if checked["person"] is not None:
        taken["persons"].add(checked["person"]["email_key"])
    if checked["admin"] is not None:
        taken["users"].add(checked["admin"]["email"])
    if checked["organization"] is not None:
        taken["orgs"].add((checked["organization"].get("country"), checked["organization"]["org_number_key"]))
    if checked["customer"]["customer_number"]:
        taken["numbers"].add(checked["customer"]["customer_number"])


def create_many(session, actor: User | None, items: list[dict]) -> list[Customer | ServiceError]:
    """Per item its new Customer (not in the session; it has its id) or the ServiceError that refused it.

    An item: ``type`` ("private" or "business"), ``person`` (first_name, last_name, email, phone) or
    ``organization`` (its fields) and ``admin`` (email, first_name, last_name; none when it arrives deleted),
    ``billing``, ``deleted_at`` (it arrives soft-deleted, as the register it comes from had it), and the
    customer's own CUSTOMER_FIELDS."""
    locking.remember_actor(session, actor)
    taken = _lookups(session, items)
    outcomes: list = []
    accepted: list[dict] = []
    for item in items:
        try:
            checked = _check(session, item, taken, actor)
        except ServiceError as error:
            outcomes.append(error)
            continue
        _keep(checked, taken)
        outcomes.append(None)
        accepted.append(checked)
    _number(session, accepted)
    try:
        made = _write(session, actor, accepted)
    finally:
        bulk.forget(session)
    customers = iter(made)
    return [outcome if outcome is not None else next(customers) for outcome in outcomes]


def _number(session, accepted: list[dict]) -> None:
    """The automatic numbers of those without one, taken at once, above the numbers the batch brings."""
    unnumbered = [c["customer"] for c in accepted if c["customer"]["customer_number"] is None]
    if unnumbered and numbering.is_automatic(session):
        typed = [c["customer"]["customer_number"] for c in accepted if c["customer"]["customer_number"]]
        for values, number in zip(unnumbered, numbering.next_numbers(session, len(unnumbered), typed=typed)):
            values["customer_number"] = number


def _write(session, actor: User | None, accepted: list[dict]) -> list[Customer]:
    actor_id = getattr(actor, "id", None)
    orgs = [bulk.new(Organization, updated_by_id=actor_id, **c["organization"]) for c in accepted if c["organization"]]
    admins = {id(c): bulk.new(User, updated_by_id=actor_id, active=True, must_change_password=False,
                              **dict(c["admin"], role=CUSTOMER_ADMIN_ROLE)) for c in accepted if c["admin"]}
    bulk.insert_objects(session, orgs)
    bulk.insert_objects(session, list(admins.values()))
    new_orgs = iter(orgs)
    customers, persons, billing, members = [], [], [], []
    for checked in accepted:
        if checked["organization"] is not None:
            org, admin = next(new_orgs), admins.get(id(checked))
            customer = bulk.new(Customer, type="business", organization_id=org.id, organization=org,
                                admin_user_id=admin.id if admin is not None else None, admin=admin,
                                display_name=(org.name or "")[:display_names.MAX], updated_by_id=actor_id,
                                **checked["customer"])
        else:
            person = checked["person"]
            customer = bulk.new(Customer, type="private", updated_by_id=actor_id,
                                display_name=display_names.person_name(person.get("first_name"), person.get("last_name")),
                                **checked["customer"])
            persons.append(contact_service.new_person(customer, person))
        if checked["billing"]:
            billing.append(bulk.new(BillingInfo, customer=customer, **checked["billing"]))
        members.extend(customer_groups.new_member(customer, group) for group in checked["groups"])
        customers.append(customer)
    bulk.insert_objects(session, customers)
    # (issue 14) one who sees only assigned customers is assigned to each one they add, so they keep sight of it
    assigned = ([bulk.new(CustomerAssignment, customer=customer, user_id=actor.id, user=actor) for customer in customers]
                if customer_scope.sees_only_assigned(actor) else [])
    for record in (*persons, *billing, *members, *assigned):
        record.customer_id = record.customer.id
    for records in (persons, billing, members, assigned):
        bulk.insert_objects(session, records)
    history.record_created(session, actor, [*orgs, *admins.values(), *customers, *persons, *billing, *members,
                                            *assigned])
    return customers
