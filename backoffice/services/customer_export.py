"""CSV export of every customer (soft-deleted ones included), streamed row by row.

Headers in the reader's language; the separator Excel expects in that language (``;`` for Swedish,
``,`` for English); a UTF-8 BOM first so Excel reads UTF-8; cells that a spreadsheet would run as a
formula are neutralised. Memory stays flat: rows come from the database with ``yield_per`` and leave
as encoded chunks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from backoffice.models import BillingInfo, Contact, Customer, LocationGroup, Organization, User
from backoffice.models.customer import PAYMENT_METHODS
from backoffice.services import custom_fields
from backoffice.services.customer_list import STATUSES, conditions
from backoffice.infra.spreadsheet import language_of, stream_csv
from backoffice.services.validation import parse_id

BATCH = 1000

# (key, header): headers are translated into the reader's language when the file is written.
COLUMNS = [
    ("display_name", _l("Name")),  # (issue 11, private) the one display name: organization or person
    ("customer_type", _l("Customer type")),  # (issue 11, private)
    ("org_name", _l("Organization")),
    ("org_number", _l("Organization number")),
    ("legal_form", _l("Legal form")),
    ("digital_address", _l("Digital address")),
    ("address", _l("Address")),
    ("post_number", _l("Post number")),
    ("region", _l("Region")),
    ("municipality", _l("Municipality")),
    ("country", _l("Country")),
    ("phone", _l("Phone")),
    ("email", _l("E-mail")),
    ("website", _l("Website")),
    ("customer_number", _l("Customer number")),
    ("status", _l("Status")),
    ("admin_name", _l("Customer admin")),
    ("admin_email", _l("Customer admin e-mail")),
    ("billing_digital_address", _l("Billing digital address")),
    ("billing_address", _l("Billing address")),
    ("billing_post_number", _l("Billing post number")),
    ("billing_municipality", _l("Billing municipality")),
    ("billing_phone", _l("Billing phone")),
    ("billing_email", _l("Billing e-mail")),
    ("billing_responsible", _l("Billing responsible person")),
    # --- (issue 11, fields)
    ("payment_method", _l("Payment method")),
    ("location_group", _l("Location group")),
    # --- end (issue 11, fields)
    ("deleted_at", _l("Deleted")),
]
TYPE_LABELS = {"business": _l("Business"), "private": _l("Private")}  # (issue 11, private)
STATUS_LABELS = {"ACTIVE": _l("ACTIVE"), "INACTIVE": _l("INACTIVE"), "DELETED": _l("DELETED")}


def headers(language: str, definitions=()) -> list[str]:
    """The columns' headers; then one per active custom field (its label, as the administrator wrote it)."""
    with force_locale(language_of(language)):
        return [str(label) for _key, label in COLUMNS] + [d.label for d in definitions]


def export_query(*, search=None, ids=None, status=None, group_id=None,
                 **more):  # (issue 11: payment_method, location_group_id, customer_type)
    """Every customer, or "this filtered view": ``search``, ``status`` and ``group_id`` narrow it exactly as
    they narrow the customers list (services/customer_list.conditions)."""
    Person = aliased(Contact, name="person")  # noqa: N806
    query = (
        select(
            Customer.display_name,  # (issue 11, private)
            Customer.type.label("customer_type"),
            Organization.name,
            Organization.org_number,
            Organization.legal_form,
            Organization.digital_address,
            Organization.address,
            Organization.post_number,
            Organization.region,
            Organization.municipality,
            Organization.country,
            func.coalesce(Organization.phone, Person.phone).label("phone"),  # a private customer: its person's
            func.coalesce(Organization.email, Person.email).label("email"),
            Organization.website,
            Customer.customer_number,
            Customer.status,
            User.first_name,
            User.last_name,
            User.email.label("admin_email"),
            BillingInfo.digital_address.label("b_digital"),
            BillingInfo.address.label("b_address"),
            BillingInfo.post_number.label("b_post"),
            BillingInfo.municipality.label("b_municipality"),
            BillingInfo.phone.label("b_phone"),
            BillingInfo.email.label("b_email"),
            BillingInfo.responsible_person,
            Customer.deleted_at,
            Customer.custom_values,
            Customer.payment_method,  # (issue 11, fields)
            LocationGroup.name.label("location_group_name"),
        )
        .select_from(Customer)
        .outerjoin(Organization, Customer.organization_id == Organization.id)
        .outerjoin(User, Customer.admin_user_id == User.id)
        .outerjoin(BillingInfo, BillingInfo.customer_id == Customer.id)
        .outerjoin(LocationGroup, Customer.location_group_id == LocationGroup.id)  # (issue 11, fields)
        # a private customer's person (at most one: uq_contact_one_person), for the e-mail and phone columns
        .outerjoin(Person, and_(Person.customer_id == Customer.id, Person.is_person.is_(True)))
        .order_by(Customer.display_name, Customer.id)  # (issue 11, private) the list's order
    )
    status = status if status in STATUSES else None
    # exactly the rows the customers list shows for them (an unknown group: none)
    query = query.where(*conditions(search=search, status=status, group_id=group_id, **more))
    if ids is not None:
        wanted = sorted({n for n in (parse_id(str(i).strip()) for i in ids) if n is not None})
        query = query.where(Customer.id.in_(wanted))
    return query


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _cells(row, statuses: dict, zone: ZoneInfo, definitions=(), yes_no=None, types=None, methods=None) -> list:
    status = "DELETED" if row.deleted_at is not None else row.status
    admin_name = " ".join(part for part in (row.first_name, row.last_name) if part)
    values = [
        row.display_name, (types or {}).get(row.customer_type, row.customer_type),  # (issue 11, private)
        row.name, row.org_number, row.legal_form, row.digital_address, row.address, row.post_number, row.region,
        row.municipality, row.country, row.phone, row.email, row.website, row.customer_number,
        statuses.get(status, status), admin_name, row.admin_email,
        row.b_digital, row.b_address, row.b_post, row.b_municipality, row.b_phone, row.b_email,
        row.responsible_person,
    ]
    custom = row.custom_values or {}
    extra = [
        yes_no[d.key][True if custom.get(d.key) is True else None] if yes_no and d.key in yes_no
        else custom_fields.display_value(d, custom.get(d.key))
        for d in definitions
    ]
    fields = [(methods or {}).get(row.payment_method, row.payment_method or ""), row.location_group_name]  # (issue 11)
    return [*values, *fields, _when(row.deleted_at, zone), *extra]


def iter_customer_csv(session, *, language, search=None, ids=None, timezone="Europe/Stockholm", status=None,
                      group_id=None, **more):  # (issue 11: payment_method, location_group_id, customer_type)
    """Yield the CSV as UTF-8 encoded chunks: BOM and header first, then the rows as they come."""
    language = language_of(language)
    zone = ZoneInfo(timezone or "Europe/Stockholm")
    definitions = custom_fields.active_definitions(session)
    with force_locale(language):
        statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
        types = {key: str(label) for key, label in TYPE_LABELS.items()}  # (issue 11, private)
        # (a yes/no field reads Yes or No in the reader's language)
        yes_no = {d.key: {True: custom_fields.display_value(d, True), None: custom_fields.display_value(d, None)}
                  for d in definitions if d.field_type == "yesno"}
        methods = {code: str(label) for code, label in PAYMENT_METHODS.items()}  # (issue 11, fields)
    result = session.execute(export_query(search=search, ids=ids, status=status, group_id=group_id, **more).execution_options(yield_per=BATCH))
    try:
        yield from stream_csv(
            headers(language, definitions),
            (_cells(row, statuses, zone, definitions, yes_no, types, methods) for row in result),
            language=language,
        )
    finally:
        result.close()


def filename(today=None) -> str:
    today = today or datetime.now(ZoneInfo("Europe/Stockholm")).date()
    return f"customers-{today.isoformat()}.csv"
