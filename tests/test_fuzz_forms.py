"""Fuzzing every form and every list parameter with hostile input (hypothesis; profile in tests/fuzz_profile.py).

For each form in FORMS: one field at a time (or a few) gets a hostile value — 10,000-character strings,
RTL/emoji/combining unicode, NUL bytes, SQL and HTML payloads, wrong types (text or huge numbers for
ids, booleans and choices), a missing field or a repeated one. Asserted for every example:

- never a 5xx;
- a NUL byte anywhere in a submitted field is refused with the message beside the field;
- a refused input leaves the database as it was (row counts of every table, and every column of the
  edited row);
- an accepted input round-trips (the stored text is what was typed, trimmed).

For each list in LISTS: its search/filter/sort/page/page_size/id parameters get the same values, with
no 5xx and no change to the database (a GET changes nothing).

A new form is one entry in FORMS; a new list, one entry in LISTS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from backoffice.auth.reset import make_token
from backoffice.extensions import db
from backoffice.models import Contact, ContactRole, Customer, CustomFieldDefinition, Notification, Organization, SharedAccount, User
from backoffice.services import customers as customer_service
from backoffice.services import notifications as notification_service
from backoffice.services import sharing
from backoffice.services import users as user_service
from backoffice.services.org_numbers import swedish_number
from backoffice.services.validation import parse_id
from tests import factories
from tests.conftest import TEST_PASSWORD, login

# --- hostile values ------------------------------------------------------------------------------
PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(0)--",
    "%",
    "_",
    "\\",
    "%_\\%",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+cmd|' /C calc'!A0",
    "{{ 7*7 }}",
    "${7*7}",
    "\u202eevil\u202c",
    "مرحبا بالعالم",
    "שלום עולם",
    "emoji 🎉👩‍👩‍👧‍👦",
    "e\u0301\u0301\u0301\u0301 z\u0336\u0336",
    "ﷺ𒐫",
    "\u200b\ufeff",
    "\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "   ",
    "",
    "null",
    "None",
    "../../etc/passwd",
    "//evil.example",
    "javascript:alert(1)",
]
WRONG_NUMBERS = [
    "-1",
    "0",
    "abc",
    "1.5",
    "1e3",
    "0x1f",
    " 7",
    "１",
    "٣",
    "+1",  # (int() reads these four as numbers; parse_id does not)
    "1_0",
    "7 ",
    "\u00b9",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999999999",
    "true",
    "on",
]

unicode_text = st.text(st.characters(codec="utf-8"), max_size=40)
long_text = st.sampled_from(["a", "å", "🎉", "<", "'", "\u0301", "א", "0", "\x00"]).map(lambda c: c * 10_000)
with_nul = st.builds(lambda a, b: f"{a}\x00{b}", unicode_text, unicode_text)
hostile_text = st.one_of(st.sampled_from(PAYLOADS), unicode_text, long_text, with_nul)
wrong_number = st.sampled_from(WRONG_NUMBERS)
hostile_number = st.one_of(wrong_number, wrong_number, st.integers().map(str), hostile_text)  # (numbers weighted)
hostile_any = st.one_of(hostile_text, hostile_number)

MISSING = object()


@st.composite
def mutation(draw, strategy):
    """A field's hostile value: a value, missing, or repeated."""
    kind = draw(st.sampled_from(["value", "value", "value", "missing", "repeated"]))
    if kind == "missing":
        return MISSING
    if kind == "repeated":
        return [draw(strategy), draw(strategy)]
    return draw(strategy)


def apply(base: dict, changes: dict) -> dict:
    data = dict(base)
    for name, value in changes.items():
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def submitted_nul(changes: dict) -> bool:
    values = [v for value in changes.values() if value is not MISSING for v in (value if isinstance(value, list) else [value])]
    return any(isinstance(v, str) and "\x00" in v for v in values)


# --- database snapshots ----------------------------------------------------------------------------
def snapshot(row: tuple | None = None) -> dict:
    """Row counts of every table, plus every column of one row (model, id), read on a fresh connection."""
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            state[table.name] = conn.execute(select(db.func.count()).select_from(table)).scalar()
        if row is not None:
            model, pk = row
            found = conn.execute(select(model.__table__).where(model.__table__.c.id == pk)).mappings().first()
            state["row"] = dict(found) if found else None
    return state


def newest(model) -> tuple:
    return model, db.session.scalar(select(db.func.max(model.id)))


def stored_row(row: tuple) -> dict:
    return snapshot(row)["row"]


def assert_no_error(response, what: str):
    assert response.status_code < 500, f"{what}: {response.status_code}\n{response.get_data(as_text=True)[:2000]}"


def trimmed(value):
    value = (value or "").strip()
    return value or None


# --- the world every form works on -------------------------------------------------------------------
@dataclass
class World:
    admin: User
    staff: User
    org: Organization
    customer: Customer
    other: Customer
    deleted: Customer
    third: Customer
    link: SharedAccount
    portal_admin: User
    notification: Notification


@pytest.fixture
def world(session):
    admin = factories.user(session, role="system-admin", email="root@example.com", first_name="Root", last_name="Admin")
    staff = factories.user(session, role="staff", email="staff@example.com")
    org = factories.organization(session, name="Edited Org")
    customer = factories.customer(session, name="Main Customer", allow_shared_billing=True)
    other = factories.customer(session, name="Other Customer", allow_shared_billing=True)
    deleted = factories.customer(session, name="Deleted Customer", deleted=True)
    third = factories.customer(session, name="Third Customer", allow_shared_billing=True)
    factories.organization(session, name="Free Org")  # a customer can be created for it
    factories.user(session, role="guest", first_name="Free", last_name="Guest")
    link = sharing.add_shared_account(session, None, customer, other)
    session.commit()
    portal_admin = other.admin
    notification = session.scalars(select(Notification).where(Notification.user_id == portal_admin.id)).first()
    if notification is None:
        notification = notification_service.notify(session, portal_admin, "Hello", email=False)
        session.commit()
    return World(admin, staff, org, customer, other, deleted, third, link, portal_admin, notification)


# --- forms -----------------------------------------------------------------------------------------
@dataclass
class FormCase:
    name: str
    url: Callable[[World], str]
    base: Callable[[World], dict]
    fields: dict  # form field -> strategy of hostile values
    row: Callable[[World], tuple] | None = None  # (model, id) whose columns must not change on refusal
    roundtrip: dict = field(default_factory=dict)  # form field -> column it is stored in (trimmed text)
    signed_in: str | None = "admin"  # which World user posts; None = anonymous
    after_accept: Callable[[World], None] | None = None  # put the world back after an accepted post
    base_valid: bool = True  # `base` alone is accepted (checked first)
    new_row: Callable[[], tuple] | None = None  # the row an accepted create made (for the round trip)
    not_form_fields: tuple = ()  # fuzzed parameters that are not form fields (no NUL refusal expected)
    refuses: bool = True  # some hostile input is refused (False: a confirmation with no field but CSRF)
    audited: bool = False  # a refusal is itself recorded (a failed sign-in): one history entry may appear

    def __str__(self):
        return self.name


def _seq():
    _seq.n += 1
    return _seq.n


_seq.n = 0

ORG_TEXT = ["legal_form", "digital_address", "address", "post_number", "region", "municipality", "country", "phone", "website"]
BILLING = ["billing_digital_address", "billing_address", "billing_post_number", "billing_municipality", "billing_phone",
           "billing_responsible_person"]


def _org_base(w):
    return {"name": "Org name", "org_number": swedish_number(f"55{_seq():07d}"), "country": "SE"}


def _user_base(w):
    return {"first_name": "Ann", "last_name": "Example", "email": f"fuzz{_seq()}@example.com", "language": "en",
            "role": "staff", "active": "y"}


def _version(model, record_id) -> str:
    """The version an edit form opened now would carry (optimistic locking)."""
    db.session.expire_all()
    return str(db.session.get(model, record_id).version)


def _org_edit_base(w):
    return {**_org_base(w), "version": _version(Organization, w.org.id)}


def _user_edit_base(w):
    return {**_user_base(w), "version": _version(User, w.staff.id)}


def _customer_edit_base(w):
    return {"organization_id": str(w.customer.organization_id), "admin_user_id": str(w.customer.admin_user_id),
            "status": "ACTIVE", "allow_shared_billing": "y", "customer_number": "", **{name: "" for name in BILLING},
            "version": _version(Customer, w.customer.id)}


def _free_ids():
    org = db.session.scalars(customer_service.available_organizations_query(db.session)).first()
    guest = db.session.scalars(customer_service.eligible_admins_query(db.session)).first()
    return str(org.id) if org else "", str(guest.id) if guest else ""


def _customer_create_base(w):
    org_id, guest_id = _free_ids()
    return {"organization_id": org_id, "admin_user_id": guest_id, "status": "ACTIVE", "customer_number": ""}


def _delete_again(w):
    db.session.expire_all()
    customer_service.soft_delete_customer(db.session, None, db.session.get(Customer, w.deleted.id))
    db.session.commit()


def _unshare(w):
    db.session.expire_all()
    for link in sharing.shared_with(db.session, db.session.get(Customer, w.customer.id)):
        if link.id != w.link.id:
            sharing.remove_shared_account(db.session, None, link.customer, link)
    db.session.commit()


def _share_again(w):
    """(CSRF is off in tests, so any post confirms the removal: share again for the next example.)"""
    db.session.expire_all()
    w.link = sharing.add_shared_account(db.session, None, db.session.get(Customer, w.customer.id),
                                        db.session.get(Customer, w.other.id))
    db.session.commit()


def _reactivate(w):
    db.session.expire_all()
    for customer in (w.customer, w.other):
        customer_service.set_status(db.session, None, db.session.get(Customer, customer.id), "ACTIVE")
    db.session.commit()


def _settings_back(w):
    """An accepted settings post may have required two-factor (the admin would then be sent to enrolment)."""
    from backoffice.services import settings

    db.session.expire_all()
    settings.update(db.session, None, require_two_factor_for_admins=False, auto_customer_number=False,
                    customer_number_min_length=1, customer_number_max_length=64)
    db.session.commit()


def _settings_row(w):
    from backoffice.models import RegisterSettings
    from backoffice.services import settings

    row = settings.get(db.session)
    db.session.commit()
    return (RegisterSettings, row.id)


def _settings_base(w):
    from backoffice.services import settings

    db.session.expire_all()
    return {"version": str(settings.get(db.session).version),
            "customer_number_min_length": "1", "customer_number_max_length": "64", "default_region": "SE",
            "payment_terms_days": "30"}  # (issue 11, groups)


def _enrolling(w):
    """The admin is enrolling (the page keeps the secret in the browser's session until a code confirms it)."""
    return (User, w.admin.id)


def _password_back(w):
    db.session.expire_all()
    user_service.set_password(db.session, None, db.session.get(User, w.admin.id), TEST_PASSWORD)
    db.session.commit()


def _fresh_free_customer_slot(w):
    """An accepted create used the free organization and guest: make new ones for the next example."""
    factories.organization(db.session)
    factories.user(db.session, role="guest")


CONTACT_TEXT = ["first_name", "last_name", "title", "phone"]


def _contact(w) -> int:
    """The main customer's contact (made once per world)."""
    from backoffice.services import contacts as contact_service

    found = db.session.scalar(select(Contact.id).where(Contact.customer_id == w.customer.id).order_by(Contact.id))
    if found is None:
        found = contact_service.add_contact(db.session, None, db.session.get(Customer, w.customer.id), first_name="Anna").id
        db.session.commit()
    return found


def _custom_field(w) -> int:
    """A choice custom field (made once per world)."""
    from backoffice.services import custom_fields

    found = db.session.scalar(select(CustomFieldDefinition.id).order_by(CustomFieldDefinition.id))
    if found is None:
        found = custom_fields.create_definition(db.session, None, label="Industry", type="choice",
                                                options="Energy\nRetail").id
        db.session.commit()
    return found


def _location_group(w) -> int:
    """A location group (made once per world; issue 11, fields)."""
    from backoffice.models import LocationGroup
    from backoffice.services import location_groups

    found = db.session.scalar(select(LocationGroup.id).order_by(LocationGroup.id))
    if found is None:
        found = location_groups.create(db.session, None, "North").id
        db.session.commit()
    return found


def _customer_group(w) -> int:
    """A customer group (made once per world; issue 11)."""
    from backoffice.models import CustomerGroup
    from backoffice.services import customer_groups

    found = db.session.scalar(select(CustomerGroup.id).order_by(CustomerGroup.id))
    if found is None:
        found = customer_groups.create_group(db.session, None, name="Key accounts").id
        db.session.commit()
    return found


def _group_version(w) -> str:
    from backoffice.models import CustomerGroup

    return _version(CustomerGroup, _customer_group(w))


def _saved_view(w) -> int:
    """The admin's saved view of the customers list (made once per world; issue 11, views)."""
    from backoffice.models import SavedView
    from backoffice.services import saved_views

    found = db.session.scalar(select(SavedView.id).where(SavedView.owner_id == w.admin.id).order_by(SavedView.id))
    if found is None:
        found = saved_views.save(db.session, w.admin, "Fuzzed view", {"status": "active"}).id
        db.session.commit()
    return found


GROUP_SETTINGS = {"automatic_settlement": hostile_any, "payment_terms_days": hostile_number}
CUSTOM_FIELD_FIELDS = {"label": hostile_text, "type": hostile_any, "options": hostile_text, "required": hostile_any}

text_fields = lambda names: {name: hostile_text for name in names}  # noqa: E731

FORMS = [
    FormCase(
        "organization create", lambda w: "/admin/organizations/new/", _org_base,
        {"name": hostile_text, "org_number": hostile_text, "email": hostile_text, **text_fields(ORG_TEXT)},
        roundtrip={"name": "name", **{n: n for n in ORG_TEXT}}, new_row=lambda: newest(Organization),
    ),
    FormCase(
        "organization edit", lambda w: f"/admin/organizations/edit/?id={w.org.id}", _org_edit_base,
        {"name": hostile_text, "org_number": hostile_text, "email": hostile_text, **text_fields(ORG_TEXT)},
        row=lambda w: (Organization, w.org.id), roundtrip={"name": "name", **{n: n for n in ORG_TEXT}},
    ),
    FormCase(
        "user create", lambda w: "/admin/users/new/", _user_base,
        {"first_name": hostile_text, "last_name": hostile_text, "email": hostile_text, "language": hostile_any,
         "role": hostile_any, "active": hostile_any, "password": hostile_text, "require_change": hostile_any},
        roundtrip={"first_name": "first_name", "last_name": "last_name"}, new_row=lambda: newest(User),
    ),
    FormCase(
        "user edit", lambda w: f"/admin/users/edit/?id={w.staff.id}", _user_edit_base,
        {"first_name": hostile_text, "last_name": hostile_text, "email": hostile_text, "language": hostile_any,
         "role": hostile_any, "active": hostile_any, "password": hostile_text, "remove_photo": hostile_any},
        row=lambda w: (User, w.staff.id), roundtrip={"first_name": "first_name", "last_name": "last_name"},
    ),
    FormCase(
        "user set password", lambda w: f"/admin/users/password/?id={w.staff.id}",
        lambda w: {"password": "a-new-password-1", "require_change": "y"},
        {"password": hostile_text, "require_change": hostile_any}, row=lambda w: (User, w.staff.id),
    ),
    FormCase(
        "customer create", lambda w: "/admin/customers/new/", _customer_create_base,
        {"organization_id": hostile_number, "admin_user_id": hostile_number, "status": hostile_any,
         "customer_number": hostile_any, "allow_shared_billing": hostile_any},
        after_accept=_fresh_free_customer_slot,
    ),
    FormCase(
        "customer edit", lambda w: f"/admin/customers/edit/?id={w.customer.id}", _customer_edit_base,
        {"organization_id": hostile_number, "admin_user_id": hostile_number, "status": hostile_any,
         "customer_number": hostile_any, "allow_shared_billing": hostile_any, "billing_email": hostile_text,
         "confirm_unshare": hostile_any, **text_fields(BILLING)},
        row=lambda w: (Customer, w.customer.id),
    ),
    FormCase(
        "customer change number", lambda w: f"/admin/customers/change-number/?id={w.customer.id}",
        lambda w: {"customer_number": "98765", "version": _version(Customer, w.customer.id)},
        {"customer_number": hostile_any, "version": hostile_number},
        row=lambda w: (Customer, w.customer.id),
    ),
    FormCase(
        "customer recover", lambda w: f"/admin/customers/recover/?id={w.deleted.id}",
        lambda w: {"admin_user_id": _free_ids()[1]}, {"admin_user_id": hostile_number},
        row=lambda w: (Customer, w.deleted.id), after_accept=_delete_again,
    ),
    FormCase(
        "customers bulk delete", lambda w: f"/admin/customers/bulk-delete/?ids={w.customer.id}&ids={w.other.id}",
        lambda w: {"confirmation": "delete"}, {"confirmation": hostile_text},
        row=lambda w: (Customer, w.customer.id), base_valid=False,
    ),
    FormCase(
        "customers bulk action", lambda w: "/admin/customers/action/",
        lambda w: {"action": "set_inactive", "rowid": [str(w.customer.id), str(w.other.id)], "url": "/admin/customers/"},
        {"action": hostile_any, "rowid": hostile_number, "url": hostile_text},
        row=lambda w: (Customer, w.customer.id), after_accept=_reactivate, not_form_fields=("action", "rowid", "url"),
        refuses=False,  # (an unknown action or id is ignored with a message: a redirect too)
    ),
    FormCase(
        "shared account add", lambda w: f"/admin/customers/shared/{w.customer.id}/add/",
        lambda w: {"shared_customer": str(w.third.id)}, {"shared_customer": hostile_number},
        row=lambda w: (Customer, w.customer.id), after_accept=_unshare,
    ),
    FormCase(
        "shared account remove", lambda w: f"/admin/customers/shared/{w.customer.id}/remove/{w.link.id}/?url=x",
        lambda w: {"csrf_token": "x"}, {"csrf_token": hostile_text, "url": hostile_text},
        not_form_fields=("csrf_token", "url"), refuses=False,
        row=lambda w: (SharedAccount, w.link.id), after_accept=_share_again,
    ),
    FormCase(
        "profile", lambda w: "/profile", lambda w: {"first_name": "Root", "last_name": "Admin", "language": "en"},
        {"first_name": hostile_text, "last_name": hostile_text, "language": hostile_any},
        row=lambda w: (User, w.admin.id), roundtrip={"first_name": "first_name", "last_name": "last_name"},
    ),
    FormCase(
        "change password", lambda w: "/profile/password",
        lambda w: {"current_password": TEST_PASSWORD, "new_password": "another-password-9",
                   "confirm": "another-password-9"},
        {"current_password": hostile_text, "new_password": hostile_text, "confirm": hostile_text},
        row=lambda w: (User, w.admin.id), after_accept=_password_back,
    ),
    FormCase(
        "login", lambda w: "/login", lambda w: {"email": "staff@example.com", "password": "wrong-password"},
        {"email": hostile_text, "password": hostile_text, "remember": hostile_any},
        row=lambda w: (User, w.staff.id), signed_in=None, base_valid=False, audited=True,
    ),
    FormCase(
        "forgot password", lambda w: "/forgot-password", lambda w: {"email": "nobody@example.com"},
        {"email": hostile_text}, signed_in=None, after_accept=lambda w: None,
    ),
    FormCase(
        "reset password", lambda w: f"/reset-password/{make_token(w.staff)}",
        lambda w: {"new_password": "a-new-password-1", "confirm": "a-new-password-1"},
        {"new_password": hostile_text, "confirm": hostile_text}, row=lambda w: (User, w.staff.id), signed_in=None,
        after_accept=lambda w: db.session.expire_all(),
    ),
    FormCase(
        "language switch", lambda w: "/language", lambda w: {"language": "en", "next": "/admin/"},
        {"language": hostile_any, "next": hostile_text}, row=lambda w: (User, w.admin.id), not_form_fields=("next",),
        after_accept=lambda w: None,
    ),
    FormCase(
        "portal mark read", lambda w: f"/portal/notifications/{w.notification.id}/read?page=2",
        lambda w: {"csrf_token": "x"}, {"csrf_token": hostile_text}, not_form_fields=("csrf_token",), refuses=False,
        row=lambda w: (Notification, w.notification.id), signed_in="portal_admin", after_accept=lambda w: None,
    ),
    FormCase(
        "register settings", lambda w: "/admin/settings/", _settings_base,
        {"version": hostile_number, "require_two_factor_for_admins": hostile_any,
         "customer_number_min_length": hostile_number, "customer_number_max_length": hostile_number,
         "auto_customer_number": hostile_any, "confirm_outside": hostile_any, "default_region": hostile_any,
         "automatic_settlement": hostile_any, "payment_terms_days": hostile_number}, row=_settings_row,
        after_accept=_settings_back,
    ),
    FormCase(
        "two-factor enrolment", lambda w: "/two-factor/enrol", lambda w: {"code": "000000"},
        {"code": hostile_text}, row=_enrolling, base_valid=False, audited=True,
    ),
    FormCase(
        "two-factor code step (no pending sign-in)", lambda w: "/login/two-factor",
        lambda w: {"code": "000000", "remember_device": "y"}, {"code": hostile_text, "remember_device": hostile_any},
        signed_in=None, refuses=False, after_accept=lambda w: None, not_form_fields=("code", "remember_device"),
    ),  # (with a pending sign-in: tests/test_two_factor.py::test_hostile_codes_at_the_code_step)
    FormCase(
        "two-factor turn off", lambda w: "/profile/two-factor/disable", lambda w: {"code": "000000"},
        {"code": hostile_text, "password": hostile_text}, row=lambda w: (User, w.admin.id), base_valid=False,
    ),
    FormCase(
        "two-factor new recovery codes", lambda w: "/profile/two-factor/recovery-codes", lambda w: {"code": "000000"},
        {"code": hostile_text}, row=lambda w: (User, w.admin.id), base_valid=False,
    ),
    FormCase(
        "organization note", lambda w: f"/admin/organizations/history/note/?id={w.org.id}",
        lambda w: {"text": "Called them."}, {"text": hostile_text}, row=lambda w: (Organization, w.org.id),
    ),
    FormCase(
        "customer note", lambda w: f"/admin/customers/history/note/?id={w.customer.id}",
        lambda w: {"text": "Called them."}, {"text": hostile_text}, row=lambda w: (Customer, w.customer.id),
    ),
    FormCase(
        "contact add", lambda w: f"/admin/customers/contacts/new/?customer={w.customer.id}",
        lambda w: {"first_name": "Anna", "last_name": "Berg"},
        {**text_fields(CONTACT_TEXT), "email": hostile_text, "role_id": hostile_number, "language": hostile_any,
         "is_primary": hostile_any, "send_service_protocol": hostile_any, "send_work_orders": hostile_any},
        roundtrip={n: n for n in CONTACT_TEXT}, new_row=lambda: newest(Contact),
    ),
    FormCase(
        "contact edit", lambda w: f"/admin/customers/contacts/edit/?id={_contact(w)}",
        lambda w: {"first_name": "Anna", "last_name": "Berg", "version": _version(Contact, _contact(w))},
        {**text_fields(CONTACT_TEXT), "email": hostile_text, "role_id": hostile_number, "language": hostile_any,
         "is_primary": hostile_any},
        row=lambda w: (Contact, _contact(w)), roundtrip={n: n for n in CONTACT_TEXT},
    ),
    FormCase(
        "contact role add", lambda w: "/admin/contact-roles/new/", lambda w: {"name": f"Role {_seq()}"},
        {"name": hostile_text}, roundtrip={"name": "name"}, new_row=lambda: newest(ContactRole),
    ),
    # roles (issue 14): a new one, and an edit of a role of one's own
    FormCase(
        "role add", lambda w: "/admin/roles/new/",
        lambda w: {"name": f"Role {_seq()}", "permissions": ["admin.access", "customers.view"]},
        {"name": hostile_text, "description": hostile_text, "permissions": hostile_any},
        roundtrip={"name": "name", "description": "description"},
        new_row=lambda: newest(__import__("backoffice.models", fromlist=["x"]).Role),
    ),
    # location groups (issue 11, fields), as contact roles
    FormCase(
        "location group add", lambda w: "/admin/location-groups/new/", lambda w: {"name": f"District {_seq()}"},
        {"name": hostile_text}, roundtrip={"name": "name"},
        new_row=lambda: newest(__import__("backoffice.models", fromlist=["x"]).LocationGroup),
    ),
    FormCase(
        "location group rename", lambda w: f"/admin/location-groups/edit/?id={_location_group(w)}",
        lambda w: {"name": "North", "version": _version(__import__("backoffice.models", fromlist=["x"]).LocationGroup,
                                                         _location_group(w))},
        {"name": hostile_text, "version": hostile_number},
        row=lambda w: (__import__("backoffice.models", fromlist=["x"]).LocationGroup, _location_group(w)),
        roundtrip={"name": "name"},
    ),
    FormCase(
        "custom field add", lambda w: "/admin/custom-fields/new/",
        lambda w: {"label": f"Field {_seq()}", "type": "choice", "options": "A\nB"},
        CUSTOM_FIELD_FIELDS, roundtrip={"label": "label"}, new_row=lambda: newest(CustomFieldDefinition),
    ),
    FormCase(
        "custom field edit", lambda w: f"/admin/custom-fields/edit/?id={_custom_field(w)}",
        lambda w: {"label": "Industry", "type": "choice", "options": "Energy\nRetail",
                   "version": _version(CustomFieldDefinition, _custom_field(w))},
        CUSTOM_FIELD_FIELDS, row=lambda w: (CustomFieldDefinition, _custom_field(w)), roundtrip={"label": "label"},
    ),
    # customer groups (issue 11)
    FormCase(
        "customer group add", lambda w: "/admin/customer-groups/new/",
        lambda w: {"name": f"Group {_seq()}", "payment_terms_days": "10"},
        {"name": hostile_text, "description": hostile_text, **GROUP_SETTINGS},
        roundtrip={"name": "name"}, new_row=lambda: newest(__import__("backoffice.models", fromlist=["x"]).CustomerGroup),
    ),
    FormCase(
        "customer group settings", lambda w: f"/admin/customer-groups/settings/?id={_customer_group(w)}",
        lambda w: {"automatic_settlement": "on", "payment_terms_days": "10", "version": _group_version(w)},
        {**GROUP_SETTINGS, "version": hostile_number},
        row=lambda w: (__import__("backoffice.models", fromlist=["x"]).CustomerGroup, _customer_group(w)),
    ),
    FormCase(
        "customer group details", lambda w: f"/admin/customer-groups/edit/?id={_customer_group(w)}",
        lambda w: {"name": "Key accounts", "description": "Top", "version": _group_version(w)},
        {"name": hostile_text, "description": hostile_text, "version": hostile_number},
        row=lambda w: (__import__("backoffice.models", fromlist=["x"]).CustomerGroup, _customer_group(w)),
    ),
    FormCase(
        "customer group add members", lambda w: f"/admin/customer-groups/members/add/?id={_customer_group(w)}",
        lambda w: {"customer_ids": str(w.customer.id)}, {"customer_ids": hostile_number},
        row=lambda w: (__import__("backoffice.models", fromlist=["x"]).CustomerGroup, _customer_group(w)),
    ),
    FormCase(
        "customer's groups", lambda w: f"/admin/customer-groups/customer/change/?id={w.customer.id}",
        lambda w: {"group_ids": str(_customer_group(w))}, {"group_ids": hostile_number},
        row=lambda w: (_customer_group(w) and Customer, w.customer.id),  # (the group exists before the snapshot)
    ),
    # assigned users (issue 14): the customer page's dialog and the list's bulk dialog
    FormCase(
        "customer's assigned users", lambda w: f"/admin/assignments/customer/?id={w.customer.id}",
        lambda w: {"user_ids": str(w.staff.id)}, {"user_ids": hostile_number},
        row=lambda w: (Customer, w.customer.id),
    ),
    FormCase(
        "assign from the list", lambda w: f"/admin/assignments/bulk/?ids={w.customer.id}&ids={w.other.id}&mode=assign",
        lambda w: {"user_id": str(w.staff.id)}, {"user_id": hostile_number},
        row=lambda w: (Customer, w.customer.id),
    ),
    # saved views of the customers list (issue 11, views)
    FormCase(
        "saved view save", lambda w: "/admin/customers/views/save/?status=active&search=al",
        lambda w: {"name": f"View {_seq()}", "shared": "y"}, {"name": hostile_text, "shared": hostile_any},
        roundtrip={"name": "name"}, new_row=lambda: newest(__import__("backoffice.models", fromlist=["x"]).SavedView),
    ),
    FormCase(
        "saved view rename", lambda w: f"/admin/customers/views/rename/?id={_saved_view(w)}",
        lambda w: {"name": f"Renamed {_seq()}",
                   "version": _version(__import__("backoffice.models", fromlist=["x"]).SavedView, _saved_view(w))},
        {"name": hostile_text, "version": hostile_number},
        row=lambda w: (__import__("backoffice.models", fromlist=["x"]).SavedView, _saved_view(w)),
    ),
]


def accepted(response) -> bool:
    return response.status_code in (301, 302, 303) or "X-Redirect" in response.headers


@pytest.mark.parametrize("case", FORMS, ids=str)
def test_form_with_hostile_input(case, world, client):
    def sign_in():
        if case.signed_in:
            with client.session_transaction() as s:
                s.clear()
            login(client, getattr(world, case.signed_in))

    # The base data must be what the form accepts, or the fuzzing below would only ever see refusals
    # (e.g. a new required hidden field): fix the case's `base` then.
    if case.base_valid:
        sign_in()
        response = client.post(case.url(world), data=case.base(world))
        assert accepted(response), f"{case.name}: the base data is refused\n{response.get_data(as_text=True)[:3000]}"
        if case.after_accept:
            case.after_accept(world)
    sign_in()

    outcomes = {"accepted": 0, "refused": 0}

    @given(data=st.data())
    def hostile_post(data):
        names = data.draw(st.lists(st.sampled_from(sorted(case.fields)), min_size=1, max_size=3, unique=True), label="fields")
        changes = {name: data.draw(mutation(case.fields[name]), label=name) for name in names}
        form = apply(case.base(world), changes)
        row = case.row(world) if case.row else None
        before = snapshot(row)

        response = client.post(case.url(world), data=form)
        assert_no_error(response, case.name)

        in_fields = {name: value for name, value in changes.items() if name not in case.not_form_fields}
        if submitted_nul(in_fields):
            assert not accepted(response), f"{case.name}: a NUL byte was accepted"
        if accepted(response):
            outcomes["accepted"] += 1
            stored = case.new_row() if case.new_row else row
            after = stored_row(stored) if stored is not None else None
            for name, column in case.roundtrip.items():
                value = form.get(name)
                if isinstance(value, str) and after is not None:
                    assert after[column] == trimmed(value), f"{case.name}: {name} did not round-trip"
            if case.after_accept:
                case.after_accept(world)
            sign_in()  # (an accepted post may have changed the session: start each example signed in)
        else:
            outcomes["refused"] += 1
            after = snapshot(row)
            if case.audited:
                recorded = after.pop("history_entry") - before["history_entry"]
                assert recorded in (0, 1), f"{case.name}: {recorded} history entries for one refusal"
                after["history_entry"] = before["history_entry"]
            assert after == before, f"{case.name}: a refused input changed the database"

    hostile_post()
    assert outcomes["refused"] > 0 or not case.refuses, f"{case.name}: no hostile input was refused"


def test_nul_is_refused_with_a_message_beside_the_field(world, client):
    """The shared check (backoffice/forms.py) on a scaffolded form, an app form and an auth form."""
    login(client, world.admin)
    before = snapshot((Organization, world.org.id))
    response = client.post(f"/admin/organizations/edit/?id={world.org.id}", data={"name": "A\x00B", "org_number": "1"})
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert "NUL character" in response.get_data(as_text=True)
    response = client.post("/admin/users/new/", data={**_user_base(world), "last_name": "x\x00"})
    assert "NUL character" in response.get_data(as_text=True)
    response = client.post("/profile", data={"first_name": "\x00", "last_name": "Admin", "language": "en"})
    assert "NUL character" in response.get_data(as_text=True)
    assert snapshot((Organization, world.org.id)) == before


def test_every_form_class_refuses_nul():
    """Every form of the app derives from the shared base (backoffice/forms.py), so a new form can't forget."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import backoffice
    from backoffice.forms import RefuseNulMixin

    for module in pkgutil.walk_packages(backoffice.__path__, "backoffice."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    app_forms = [f for f in subclasses(FlaskForm) if f.__module__.startswith("backoffice")]
    assert len(app_forms) >= 10
    assert [f.__name__ for f in app_forms if not issubclass(f, RefuseNulMixin)] == []


# --- lists and their parameters --------------------------------------------------------------------
@dataclass
class ListCase:
    name: str
    url: Callable[[World], str]
    params: dict  # parameter -> strategy
    signed_in: str = "admin"

    def __str__(self):
        return self.name


LIST_PARAMS = {"search": hostile_text, "page": hostile_number, "page_size": hostile_number, "sort": hostile_number,
               "desc": hostile_number, "url": hostile_text}
DETAIL_PARAMS = {"id": hostile_number, "url": hostile_text, "modal": hostile_any, "panel": hostile_any}

LISTS = [
    ListCase("organizations list", lambda w: "/admin/organizations/", LIST_PARAMS),
    ListCase("users list", lambda w: "/admin/users/",
             {**LIST_PARAMS, "flt0_0": hostile_any, "flt1_1": hostile_any, "flt2_2": hostile_any, "flt0_99": hostile_any}),
    ListCase("customers list", lambda w: "/admin/customers/", LIST_PARAMS),
    ListCase("notifications", lambda w: "/admin/notifications/", {"page": hostile_number}),
    ListCase("portal", lambda w: "/portal/", {"page": hostile_number}, signed_in="portal_admin"),
    ListCase("shared accounts page", lambda w: f"/admin/customers/shared/{w.customer.id}/", {"search": hostile_text}),
    ListCase("shared accounts lookup", lambda w: f"/admin/customers/shared/{w.customer.id}/lookup", {"q": hostile_text}),
    ListCase("customer admin picker", lambda w: "/admin/customers/admin-search/", {"q": hostile_text}),
    ListCase("organization picker", lambda w: "/admin/customers/organization-search/", {"q": hostile_text}),
    ListCase("CSV export", lambda w: "/admin/customers/export/customers.csv", {"search": hostile_text, "ids": hostile_number}),
    ListCase("organization details", lambda w: "/admin/organizations/details/", DETAIL_PARAMS),
    ListCase("organization edit page", lambda w: "/admin/organizations/edit/", DETAIL_PARAMS),
    ListCase("user details", lambda w: "/admin/users/details/", DETAIL_PARAMS),
    ListCase("customer details", lambda w: "/admin/customers/details/", DETAIL_PARAMS),
    ListCase("customer edit page", lambda w: "/admin/customers/edit/", DETAIL_PARAMS),
    ListCase("customer create page", lambda w: "/admin/customers/new/", {"url": hostile_text, "panel": hostile_any}),
    ListCase("customer dialogs", lambda w: "/admin/customers/soft-delete/", DETAIL_PARAMS),
    ListCase("customer recover dialog", lambda w: "/admin/customers/recover/", DETAIL_PARAMS),
    ListCase("customer change-number dialog", lambda w: "/admin/customers/change-number/", DETAIL_PARAMS),
    ListCase("organization purge dialog", lambda w: "/admin/organizations/purge/", DETAIL_PARAMS),
    ListCase("user password dialog", lambda w: "/admin/users/password/", DETAIL_PARAMS),
    ListCase("bulk delete dialog", lambda w: "/admin/customers/bulk-delete/", {"ids": hostile_number, "url": hostile_text}),
    ListCase("login page", lambda w: "/login", {"next": hostile_text}, signed_in=None),
]


@pytest.mark.parametrize("case", LISTS, ids=str)
@given(data=st.data())
def test_list_parameters_with_hostile_input(case, data, world, client):
    if case.signed_in:
        with client.session_transaction() as s:
            s.clear()
        login(client, getattr(world, case.signed_in))
    names = data.draw(st.lists(st.sampled_from(sorted(case.params)), min_size=1, max_size=3, unique=True), label="params")
    params = {}
    for name in names:
        value = data.draw(mutation(case.params[name]), label=name)
        if value is not MISSING:
            params[name] = value
    before = snapshot()
    query = "&".join(
        f"{quote(name)}={quote(v, safe='')}" for name, value in params.items() for v in (value if isinstance(value, list) else [value])
    )
    response = client.get(f"{case.url(world)}?{query}")
    assert_no_error(response, f"{case.name} ?{query[:300]}")
    if case.signed_in:
        # (signing in itself writes last_login_at before the snapshot; the GET must write nothing)
        assert snapshot() == before, f"{case.name}: a GET changed the database"


@pytest.mark.parametrize(
    "path",
    ["/admin/customers/shared/{c}/remove/{v}/", "/admin/notifications/{v}/read", "/portal/notifications/{v}/read",
     "/reset-password/{v}", "/users/{v}/photo"],
)
@given(value=hostile_any)
def test_path_parameters_with_hostile_input(path, value, world, client):
    login(client, world.admin)
    before = snapshot()
    url = path.format(c=world.customer.id, v=quote(value, safe="") or "x")
    response = client.post(url, data={}) if "read" in url or "remove" in url else client.get(url)
    assert_no_error(response, url[:300])
    if parse_id(value) is None:  # (a real id may be confirmed)
        assert snapshot() == before


@pytest.mark.parametrize("case", FORMS, ids=str)
def test_every_form_field_sent_as_a_file_part(case, world, client):
    """Issue 8, finding 3: a text field sent as a multipart file part was a TypeError (a 500) on every
    form. Each field of each form, one at a time, as a file: refused with the message, database unchanged."""
    import io

    for name in sorted(set(case.fields) - set(case.not_form_fields)):
        with client.session_transaction() as s:
            s.clear()
        if case.signed_in:
            login(client, getattr(world, case.signed_in))
        row = case.row(world) if case.row else None
        before = snapshot(row)
        data = case.base(world)
        data[name] = (io.BytesIO(b"a file where text belongs"), "field.txt")
        response = client.post(case.url(world), data=data, content_type="multipart/form-data")
        assert_no_error(response, f"{case.name}: {name} as a file")
        assert not accepted(response), f"{case.name}: {name} as a file was accepted"
        html = response.get_data(as_text=True)
        if response.status_code != 400 and f'name="{name}"' in html:  # (a 400 or a field not shown: no place)
            assert "This field takes text, not a file." in html, f"{case.name}: {name}"
        after = snapshot(row)
        if case.audited:
            after["history_entry"] = before["history_entry"]
        assert after == before, f"{case.name}: {name} as a file changed the database"
