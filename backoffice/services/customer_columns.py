"""The customer register's columns: one list that the CSV export writes and the register upload reads
(issue 13), so the two can't drift apart.

A ``Column`` has a stable ``key``, a ``header`` (translated: the export writes it in the reader's language,
the upload recognises it in any UI language), ``sql`` (the value as the database has it, for the export),
and where the upload puts it: ``part`` (the record it belongs to: the organization, the customer, its
customer admin, its billing information, or a private customer's person) and ``field`` (its name there).
``labels`` translate codes (code -> label) both ways; ``kind`` says how the text is read ("text",
"datetime": "YYYY-MM-DD HH:MM" in the reader's time zone, "yesno", "groups": names joined by ", ").
After these come the active custom fields, one column each, headed by their label.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from backoffice.infra.spreadsheet import language_of
from backoffice.models import (BillingInfo, Contact, Customer, CustomerGroup, CustomerGroupMember, LocationGroup,
                               Organization, User)
from backoffice.models.customer import PAYMENT_METHODS
from backoffice.models.roles import LANGUAGES

TYPE_LABELS = {"business": _l("Business"), "private": _l("Private")}  # (issue 11, private)
STATUS_LABELS = {"ACTIVE": _l("ACTIVE"), "INACTIVE": _l("INACTIVE"), "DELETED": _l("DELETED")}
YES_NO = {"yes": _l("Yes"), "no": _l("No")}
GROUP_SEPARATOR = ", "

# A private customer's person (at most one: uq_contact_one_person): its names, e-mail and phone.
Person = aliased(Contact, name="person")

# Where a column's value goes on upload.
ORGANIZATION, CUSTOMER, ADMIN, BILLING, PERSON = "organization", "customer", "admin", "billing", "person"
CONTACT = "contact"  # the organization's for a business customer, the person's for a private one
DERIVED = "derived"  # shown, not read back: the display name follows the organization or the person


@dataclass(frozen=True)
class Column:
    key: str
    header: object
    sql: object
    part: str
    field: str | None = None
    labels: dict | None = None
    kind: str = "text"


def _admin_name():
    """"First Last"; either part alone when the other is empty; empty when both are."""
    first, last = func.coalesce(User.first_name, ""), func.coalesce(User.last_name, "")
    return case((first == "", last), (last == "", first), else_=first.concat(" ").concat(last))


def _group_names():
    """(customer_id, names): each customer's groups by priority, their names joined by GROUP_SEPARATOR; joined
    to the customers (an outer join: none, NULL), aggregated once for all of them — a subquery per row made a
    million-row export ten times slower. The members come sorted by priority into the aggregate (SQLite before
    3.44 has no ORDER BY inside one)."""
    ordered = (select(CustomerGroupMember.customer_id.label("customer_id"), CustomerGroup.name.label("name"))
               .join(CustomerGroup, CustomerGroupMember.group_id == CustomerGroup.id)
               .order_by(CustomerGroupMember.customer_id, CustomerGroup.priority).subquery("member_names"))
    return (select(ordered.c.customer_id, func.aggregate_strings(ordered.c.name, GROUP_SEPARATOR).label("names"))
            .group_by(ordered.c.customer_id).subquery("group_names"))


# Outer-joined on customer_id by the export (services/customer_export._from).
GROUP_NAMES = _group_names()


# The columns, in the file's order. One row per customer: every join of the export is an outer join to at
# most one row (services/customer_export._from).
COLUMNS = [
    Column("display_name", _l("Name"), Customer.display_name, DERIVED),
    Column("customer_type", _l("Customer type"), Customer.type, CUSTOMER, "type", labels=TYPE_LABELS),
    Column("org_name", _l("Organization"), Organization.name, ORGANIZATION, "name"),
    Column("org_number", _l("Organization number"), Organization.org_number, ORGANIZATION, "org_number"),
    Column("legal_form", _l("Legal form"), Organization.legal_form, ORGANIZATION, "legal_form"),
    Column("digital_address", _l("Digital address"), Organization.digital_address, ORGANIZATION, "digital_address"),
    Column("address", _l("Address"), Organization.address, ORGANIZATION, "address"),
    Column("post_number", _l("Post number"), Organization.post_number, ORGANIZATION, "post_number"),
    Column("region", _l("Region"), Organization.region, ORGANIZATION, "region"),
    Column("municipality", _l("Municipality"), Organization.municipality, ORGANIZATION, "municipality"),
    Column("country", _l("Country"), Organization.country, ORGANIZATION, "country"),
    Column("phone", _l("Phone"), func.coalesce(Organization.phone, Person.phone), CONTACT, "phone"),
    Column("email", _l("E-mail"), func.coalesce(Organization.email, Person.email), CONTACT, "email"),
    Column("website", _l("Website"), Organization.website, ORGANIZATION, "website"),
    Column("customer_number", _l("Customer number"), Customer.customer_number, CUSTOMER, "customer_number"),
    Column("status", _l("Status"), case((Customer.deleted_at.is_not(None), "DELETED"), else_=Customer.status),
           CUSTOMER, "status", labels=STATUS_LABELS),
    Column("admin_name", _l("Customer admin"), _admin_name(), ADMIN, "name"),
    Column("admin_email", _l("Customer admin e-mail"), User.email, ADMIN, "email"),
    Column("billing_digital_address", _l("Billing digital address"), BillingInfo.digital_address, BILLING,
           "digital_address"),
    Column("billing_address", _l("Billing address"), BillingInfo.address, BILLING, "address"),
    Column("billing_post_number", _l("Billing post number"), BillingInfo.post_number, BILLING, "post_number"),
    Column("billing_municipality", _l("Billing municipality"), BillingInfo.municipality, BILLING, "municipality"),
    Column("billing_phone", _l("Billing phone"), BillingInfo.phone, BILLING, "phone"),
    Column("billing_email", _l("Billing e-mail"), BillingInfo.email, BILLING, "email"),
    Column("billing_responsible", _l("Billing responsible person"), BillingInfo.responsible_person, BILLING,
           "responsible_person"),
    Column("payment_method", _l("Payment method"), Customer.payment_method, CUSTOMER, "payment_method",
           labels=PAYMENT_METHODS),
    Column("location_group", _l("Location group"), LocationGroup.name, CUSTOMER, "location_group"),
    # (issue 13) what else the upload needs to bring a customer back as it was
    Column("allow_shared_billing", _l("Allow shared billing accounts"),
           case((Customer.allow_shared_billing.is_(True), "yes"), else_="no"), CUSTOMER, "allow_shared_billing",
           labels=YES_NO, kind="yesno"),
    Column("groups", _l("Customer groups"), GROUP_NAMES.c.names, CUSTOMER, "groups", kind="groups"),
    Column("first_name", _l("First name"), Person.first_name, PERSON, "first_name"),
    Column("last_name", _l("Last name"), Person.last_name, PERSON, "last_name"),
    Column("deleted_at", _l("Deleted"), Customer.deleted_at, CUSTOMER, "deleted_at", kind="datetime"),
]
BY_KEY = {column.key: column for column in COLUMNS}


def headers(language: str, definitions=()) -> list[str]:
    """The columns' headers in ``language``; then one per active custom field (its label, as written)."""
    with force_locale(language_of(language)):
        return [str(column.header) for column in COLUMNS] + [d.label for d in definitions]


def fold(text: str) -> str:
    """A header or label as compared: case, spacing and no-break spaces folded."""
    return " ".join(str(text).replace("\u00a0", " ").split()).casefold()


def header_keys(definitions=()) -> dict[str, str]:
    """Every header the upload recognises (case and spacing folded) -> column key: each column's header in
    every UI language and its key; a custom field's label -> "custom:<definition key>"."""
    known: dict[str, str] = {}
    for language in LANGUAGES:
        with force_locale(language):
            for column in COLUMNS:
                known.setdefault(fold(column.header), column.key)
    for column in COLUMNS:
        known.setdefault(fold(column.key), column.key)
    for definition in definitions:
        known.setdefault(fold(definition.label), f"custom:{definition.key}")
    return known


def label_codes(labels: dict) -> dict[str, str]:
    """A coded column's labels in every UI language, and the codes themselves (folded) -> code."""
    codes: dict[str, str] = {}
    for language in LANGUAGES:
        with force_locale(language):
            for code, label in labels.items():
                codes.setdefault(fold(label), code)
    for code in labels:
        codes.setdefault(fold(code), code)
    return codes


