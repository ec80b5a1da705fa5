"""The customer card's rules (issue 10): visiting and e-mail addresses (one per kind), the customer's message
language (five, NULL = English; the contacts' language widened to the same five), discount letters (format,
duplicates, suggestions), cost center, History, and mail about a customer in the customer's language."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError, IntegrityError

from backoffice.models import Address, Customer, DiscountLetter, HistoryEntry, Notification, OutboxMessage
from backoffice.services import addresses, discount_letters, sharing
from backoffice.services import contacts as contact_service
from backoffice.services import customers as service
from backoffice.services.errors import ServiceError
from backoffice.services.notifications import customer_locale
from tests import factories


@pytest.fixture
def customer(session):
    return factories.customer(session, name="Kortet AB")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- addresses ------------------------------------------------------------------------------------


def test_one_address_of_each_kind_set_changed_and_removed(session, admin, customer):
    addresses.set_address(session, admin, customer, "visiting", street="Besöksgatan 1", post_number="111 22",
                          city="Stockholm", country="Sverige")
    addresses.set_address(session, admin, customer, "email", email="meddelanden@example.com")
    session.commit()
    # setting the same kind again changes that row: still one per kind
    addresses.set_address(session, admin, customer, "visiting", street="Nya gatan 2", city="Uppsala")
    session.commit()
    stored = addresses.addresses_of(session, customer)
    assert count(session, Address) == 2
    assert stored["visiting"].lines == ["Nya gatan 2", "Uppsala"]
    assert stored["email"].email == "meddelanden@example.com"
    assert addresses.remove_address(session, admin, customer, "visiting") is True
    session.commit()
    assert set(addresses.addresses_of(session, customer)) == {"email"}
    assert addresses.remove_address(session, admin, customer, "visiting") is False


@pytest.mark.parametrize("kind, values, field, message", [
    ("visiting", {"post_number": "111 22"}, "visiting_street", "street address or the city"),
    ("email", {"email": ""}, "mail_email", "Enter the e-mail address"),
    ("email", {"email": "not-an-address"}, "mail_email", "valid e-mail"),
    ("visiting", {"street": "x" * 201}, "visiting_street", "At most 200"),
    ("visiting", {"city": "Stock\nholm"}, "visiting_city", "line breaks"),
])
def test_a_bad_address_is_refused_beside_its_field(session, admin, customer, kind, values, field, message):
    with pytest.raises(ServiceError) as refused:
        addresses.set_address(session, admin, customer, kind, **values)
    assert refused.value.field == field and message in str(refused.value.message)
    session.rollback()
    assert count(session, Address) == 0


def test_the_database_keeps_one_address_per_kind_and_the_known_kinds(session, customer):
    session.add(Address(customer_id=customer.id, kind="email", email="a@example.com"))
    session.commit()
    for row in (Address(customer_id=customer.id, kind="email", email="b@example.com"),
                Address(customer_id=customer.id, kind="postal", street="x"),
                Address(customer_id=customer.id, kind="visiting")):
        session.add(row)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_an_address_change_bumps_the_customers_version_and_is_on_its_timeline(session, admin, customer):
    before = customer.version
    addresses.set_address(session, admin, customer, "visiting", street="Besöksgatan 1", city="Malmö")
    session.commit()
    assert customer.version == before + 1
    addresses.remove_address(session, admin, customer, "visiting")
    session.commit()
    entries = session.scalars(
        select(HistoryEntry).where(HistoryEntry.record_type == "customer_address",
                                   HistoryEntry.record_id == customer.id).order_by(HistoryEntry.id)
    ).all()
    assert [e.kind for e in entries] == ["create", "purge"]
    assert {"field": "street", "old": None, "new": "Besöksgatan 1"} in entries[0].changes
    assert entries[0].actor_id == admin.id


def test_a_deleted_customer_gets_no_address(session, admin):
    gone = factories.customer(session, deleted=True)
    with pytest.raises(ServiceError, match="deleted customer"):
        addresses.set_address(session, admin, gone, "email", email="a@example.com")


def test_purging_the_customer_takes_its_addresses_and_letters(session, admin, customer):
    addresses.set_address(session, admin, customer, "email", email="a@example.com")
    discount_letters.set_codes(session, admin, customer, "A, B")
    session.commit()
    service.soft_delete_customer(session, admin, customer)
    session.commit()
    service.purge_customer(session, admin, customer)
    session.commit()
    assert count(session, Address) == 0 and count(session, DiscountLetter) == 0


# --- language and cost center ---------------------------------------------------------------------


def test_the_customer_language_is_one_of_five_and_none_is_english(session, admin, customer):
    for code in ("sv", "nb", "fi", "de", "en", None):
        service.update_customer(session, admin, customer, language=code)
        session.commit()
        assert customer.language == code
    with pytest.raises(ServiceError) as refused:
        service.update_customer(session, admin, customer, language="xx")
    assert refused.value.field == "language"
    session.rollback()
    with pytest.raises(IntegrityError):  # the database says so too
        session.execute(text("UPDATE customer SET language = 'xx' WHERE id = :id"), {"id": customer.id})
    session.rollback()


def test_a_contact_may_have_any_of_the_five_languages(session, admin, customer):
    contact = contact_service.add_contact(session, admin, customer, first_name="Kari", language="nb")
    session.commit()
    assert contact.language == "nb"
    with pytest.raises(ServiceError):
        contact_service.add_contact(session, admin, customer, first_name="X", language="xx")
    session.rollback()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE contact SET language = 'xx' WHERE id = :id"), {"id": contact.id})
    session.rollback()


def test_cost_center_is_trimmed_and_its_length_checked(session, admin, customer):
    service.update_customer(session, admin, customer, cost_center="  KS-100 ")
    session.commit()
    assert customer.cost_center == "KS-100"
    with pytest.raises(ServiceError) as refused:
        service.update_customer(session, admin, customer, cost_center="x" * 51)
    assert refused.value.field == "cost_center"


def test_language_and_cost_center_changes_are_in_history(session, admin, customer):
    service.update_customer(session, admin, customer, language="sv", cost_center="KS-1")
    session.commit()
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "customer")
                            .order_by(HistoryEntry.id.desc())).first()
    fields = {c["field"]: (c["old"], c["new"]) for c in entry.changes}
    assert fields["language"] == (None, "sv") and fields["cost_center"] == (None, "KS-1")


# --- discount letters ------------------------------------------------------------------------------


def test_codes_are_upper_cased_kept_once_and_replaced(session, admin, customer):
    assert discount_letters.set_codes(session, admin, customer, "vip, a  k2;A") == ["A", "K2", "VIP"]
    session.commit()
    assert discount_letters.codes_of(session, customer) == ["A", "K2", "VIP"]
    discount_letters.set_codes(session, admin, customer, ["K2", "B"])
    session.commit()
    assert discount_letters.codes_of(session, customer) == ["B", "K2"]
    discount_letters.set_codes(session, admin, customer, "")
    session.commit()
    assert discount_letters.codes_of(session, customer) == []


@pytest.mark.parametrize("typed", ["TOOLONGCODE", "Å", "A-1", "A_B", "%"])
def test_a_bad_code_is_refused_and_nothing_changes(session, admin, customer, typed):
    discount_letters.set_codes(session, admin, customer, "A")
    session.commit()
    with pytest.raises(ServiceError) as refused:
        discount_letters.set_codes(session, admin, customer, f"B, {typed}")
    assert refused.value.field == "discount_letters" and "not a discount letter" in str(refused.value.message)
    session.rollback()
    assert discount_letters.codes_of(session, customer) == ["A"]


def test_the_database_refuses_a_bad_or_duplicate_code(session, customer):
    session.add(DiscountLetter(customer_id=customer.id, code="A"))
    session.commit()
    for code in ("A", "a", "TOOLONGCODE", ""):
        session.add(DiscountLetter(customer_id=customer.id, code=code))
        with pytest.raises((IntegrityError, DataError)):  # (too long: PostgreSQL's varchar(8) says so first)
            session.flush()
        session.rollback()


def test_codes_in_use_are_suggested_distinct_by_prefix(session, admin, customer):
    other = factories.customer(session, name="Andra AB")
    discount_letters.set_codes(session, admin, customer, "VIP, A, K2")
    discount_letters.set_codes(session, admin, other, "VIP, VOLYM")
    session.commit()
    assert discount_letters.codes_in_use(session) == ["A", "K2", "VIP", "VOLYM"]
    assert discount_letters.codes_in_use(session, "v") == ["VIP", "VOLYM"]
    assert discount_letters.codes_in_use(session, "%") == []


def test_codes_added_and_removed_are_on_the_customers_timeline(session, admin, customer):
    discount_letters.set_codes(session, admin, customer, "A, B")
    session.commit()
    before = customer.version
    discount_letters.set_codes(session, admin, customer, "B, C")
    session.commit()
    assert customer.version == before + 1
    changes = [c for e in session.scalars(select(HistoryEntry).where(
        HistoryEntry.record_type == "customer", HistoryEntry.record_id == customer.id)) for c in (e.changes or [])
        if c["field"] == "discount_letter"]
    assert {(c["old"], c["new"]) for c in changes} == {(None, "A"), (None, "B"), ("A", None), (None, "C")}


def test_create_customer_takes_the_card_fields(session, admin):
    org = factories.organization(session)
    guest = factories.user(session, role="guest")
    created = service.create_customer(
        session, admin, organization_id=org.id, admin_user_id=guest.id, language="de", cost_center="KS-9",
        discount_letters="x1", addresses={"visiting": {"street": "Gatan 1", "post_number": None, "city": None,
                                                       "country": None}, "email": None},
    )
    session.commit()
    assert (created.language, created.cost_center) == ("de", "KS-9")
    assert discount_letters.codes_of(session, created) == ["X1"]
    assert set(addresses.addresses_of(session, created)) == {"visiting"}


# --- mail in the customer's language --------------------------------------------------------------


def _share(session, actor, language):
    owner = factories.customer(session, name="Ägaren AB")
    shared = factories.customer(session, name="Delad AB")
    shared.language = language
    session.commit()
    sharing.add_shared_account(session, actor, owner, shared)
    session.commit()
    return session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == shared.admin.email)).one(), shared


def test_a_swedish_customers_admin_gets_swedish_mail_from_an_english_staff_member(session, make_user):
    actor = make_user(role="system-admin", language="en")
    message, shared = _share(session, actor, "sv")
    assert shared.admin.language == "en"  # the admin's own UI language is English: the customer's wins
    assert "delas nu med" in message.body, message.body
    notification = session.scalars(select(Notification).where(Notification.user_id == shared.admin_user_id)).one()
    assert "delas nu med" in notification.text


def test_without_a_catalogue_the_mail_is_english(session, make_user):
    actor = make_user(role="system-admin", language="sv")
    message, _ = _share(session, actor, "fi")  # Finnish has no catalogue yet
    assert "is now shared with" in message.body


def test_the_customer_locale(session):
    assert customer_locale(Customer(language=None)) == "en"
    assert customer_locale(Customer(language="sv")) == "sv"
    for code in ("nb", "fi", "de"):
        assert customer_locale(Customer(language=code)) == "en"


def test_the_card_parts_are_edited_in_the_customers_form_versioned_through_it_and_tracked():
    """(The list of models with edit forms, tests/test_contacts_service.py, has Customer; its parts edited in the
    same form carry no version of their own: they bump the customer's, and History records them.)"""
    from backoffice.models.history import TRACKED
    from backoffice.models.versioned import Versioned
    from backoffice.services import history

    for part in (Address, DiscountLetter):
        assert not issubclass(part, Versioned) and part.bumps_version_of == "customer", part
        assert part in TRACKED, part
    assert "customer_address" in history.timeline_types("customer")
