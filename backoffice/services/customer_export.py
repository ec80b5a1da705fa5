"""CSV export of every customer (soft-deleted ones included), streamed row by row.

Headers in the reader's language; the separator Excel expects in that language (``;`` for Swedish,
``,`` for English); a UTF-8 BOM first so Excel reads UTF-8; cells that a spreadsheet would run as a
formula are neutralised. Memory stays flat: rows come from the database with ``yield_per`` and leave
as encoded chunks.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from backoffice.models import BillingInfo, Customer, Organization, User
from backoffice.services.validation import parse_id, search_text

BOM = "\ufeff"
SEPARATORS = {"en": ",", "sv": ";"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000
CHUNK_BYTES = 64 * 1024

# (key, English header, Swedish header). The Swedish is written here directly so the file is right
# before the Swedish catalogue is done.
COLUMNS = [
    ("org_name", "Organization", "Organisation"),
    ("org_number", "Organization number", "Organisationsnummer"),
    ("legal_form", "Legal form", "Juridisk form"),
    ("digital_address", "Digital address", "Digital adress"),
    ("address", "Address", "Adress"),
    ("post_number", "Post number", "Postnummer"),
    ("region", "Region", "Region"),
    ("municipality", "Municipality", "Kommun"),
    ("country", "Country", "Land"),
    ("phone", "Phone", "Telefon"),
    ("email", "E-mail", "E-post"),
    ("website", "Website", "Webbplats"),
    ("customer_number", "Customer number", "Kundnummer"),
    ("status", "Status", "Status"),
    ("admin_name", "Customer admin", "Kundadministratör"),
    ("admin_email", "Customer admin e-mail", "Kundadministratörens e-post"),
    ("billing_digital_address", "Billing digital address", "Digital fakturaadress"),
    ("billing_address", "Billing address", "Fakturaadress"),
    ("billing_post_number", "Billing post number", "Fakturapostnummer"),
    ("billing_municipality", "Billing municipality", "Fakturakommun"),
    ("billing_phone", "Billing phone", "Fakturatelefon"),
    ("billing_email", "Billing e-mail", "Faktura-e-post"),
    ("billing_responsible", "Billing responsible person", "Fakturaansvarig"),
    ("deleted_at", "Deleted", "Raderad"),
]
STATUS_LABELS = {
    "en": {"ACTIVE": "ACTIVE", "INACTIVE": "INACTIVE", "DELETED": "DELETED"},
    "sv": {"ACTIVE": "AKTIV", "INACTIVE": "INAKTIV", "DELETED": "RADERAD"},
}


def language_of(language: str | None) -> str:
    code = str(language or "en").split("_")[0].split("-")[0].lower()
    return code if code in SEPARATORS else "en"


def headers(language: str) -> list[str]:
    index = 2 if language_of(language) == "sv" else 1
    return [column[index] for column in COLUMNS]


def neutralise(value) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def search_filter(search: str | None):
    """The same words the customers list searches: organization name or number, customer number."""
    words = search_text(search, 200)
    if not words:
        return None
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(
        Organization.name.ilike(pattern, escape="\\"),
        Organization.org_number.ilike(pattern, escape="\\"),
        Customer.customer_number.ilike(pattern, escape="\\"),
    )


def export_query(*, search=None, ids=None):
    query = (
        select(
            Organization.name,
            Organization.org_number,
            Organization.legal_form,
            Organization.digital_address,
            Organization.address,
            Organization.post_number,
            Organization.region,
            Organization.municipality,
            Organization.country,
            Organization.phone,
            Organization.email,
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
        )
        .select_from(Customer)
        .outerjoin(Organization, Customer.organization_id == Organization.id)
        .outerjoin(User, Customer.admin_user_id == User.id)
        .outerjoin(BillingInfo, BillingInfo.customer_id == Customer.id)
        .order_by(Organization.name, Customer.id)
    )
    condition = search_filter(search)
    if condition is not None:
        query = query.where(condition)
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


def _cells(row, language: str, zone: ZoneInfo) -> list[str]:
    status = "DELETED" if row.deleted_at is not None else row.status
    admin_name = " ".join(part for part in (row.first_name, row.last_name) if part)
    values = [
        row.name, row.org_number, row.legal_form, row.digital_address, row.address, row.post_number, row.region,
        row.municipality, row.country, row.phone, row.email, row.website, row.customer_number,
        STATUS_LABELS[language].get(status, status), admin_name, row.admin_email,
        row.b_digital, row.b_address, row.b_post, row.b_municipality, row.b_phone, row.b_email,
        row.responsible_person,
    ]
    return [neutralise(v) for v in values] + [_when(row.deleted_at, zone)]


def iter_customer_csv(session, *, language, search=None, ids=None, timezone="Europe/Stockholm"):
    """Yield the CSV as UTF-8 encoded chunks: BOM and header first, then the rows as they come."""
    language = language_of(language)
    zone = ZoneInfo(timezone or "Europe/Stockholm")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATORS[language], lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(headers(language))
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    result = session.execute(export_query(search=search, ids=ids).execution_options(yield_per=BATCH))
    try:
        for row in result:
            writer.writerow(_cells(row, language, zone))
            if buffer.tell() >= CHUNK_BYTES:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    finally:
        result.close()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def filename(today=None) -> str:
    today = today or datetime.now(ZoneInfo("Europe/Stockholm")).date()
    return f"customers-{today.isoformat()}.csv"
