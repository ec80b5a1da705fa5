"""A customer's contacts (issue 10): one primary at most (the service and the database), validation,
optimistic locking, a deleted customer's contacts read-only, History on the customer's timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backoffice.models import Contact, ContactRole, HistoryEntry
from backoffice.services import contacts as service
from backoffice.services import history
from backoffice.services.errors import ConflictError, ServiceError
from tests import factories


@pytest.fixture
def customer(session):
    return factories.customer(session, name="Bergdata AB")


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", first_name="Eva", last_name="Editor")


def _primary_names(session, customer):
    return [c.full_name for c in session.scalars(
        select(Contact).where(Contact.customer_id == customer.id, Contact.is_primary.is_(True)))]


def test_making_a_contact_primary_unsets_the_previous_one(session, customer, editor):
    anna = service.add_contact(session, editor, customer, first_name="Anna", last_name="Berg", is_primary=True)
    session.commit()
    bo = service.add_contact(session, editor, customer, first_name="Bo", last_name="Ek", is_primary=True)
    session.commit()
    assert _primary_names(session, customer) == ["Bo Ek"]
    service.make_primary(session, editor, anna)
    session.commit()
    assert _primary_names(session, customer) == ["Anna Berg"]
    assert session.get(Contact, bo.id).is_primary is False


def test_switching_the_primary_is_one_transaction(session, customer, editor):
    anna = service.add_contact(session, editor, customer, first_name="Anna", is_primary=True)
    bo = service.add_contact(session, editor, customer, first_name="Bo")
    session.commit()
    service.make_primary(session, editor, bo)
    session.rollback()  # the caller did not commit: neither half stays
    assert _primary_names(session, customer) == ["Anna"]
    assert session.get(Contact, anna.id).is_primary and not session.get(Contact, bo.id).is_primary


def test_the_database_refuses_a_second_primary_whatever_the_path(session, customer, editor):
    service.add_contact(session, editor, customer, first_name="Anna", is_primary=True)
    bo = service.add_contact(session, editor, customer, first_name="Bo")
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(update(Contact).where(Contact.id == bo.id).values(is_primary=True))
        session.flush()
    session.rollback()
    # another customer has a primary of its own
    other = factories.customer(session, name="Annan AB")
    service.add_contact(session, editor, other, first_name="Cecilia", is_primary=True)
    session.commit()
    assert _primary_names(session, other) == ["Cecilia"] and _primary_names(session, customer) == ["Anna"]


def test_validation_names_the_field(session, customer, editor):
    cases = [
        ({"first_name": "  "}, "first_name"),
        ({"first_name": "Anna", "email": "not-an-address"}, "email"),
        ({"first_name": "Anna", "language": "xx"}, "language"),
        ({"first_name": "Anna", "role_id": 987654}, "role_id"),
        ({"first_name": "A" * 101}, "first_name"),
        ({"first_name": "Anna", "phone": "1\n2"}, "phone"),
    ]
    for values, field in cases:
        with pytest.raises(ServiceError) as refused:
            service.add_contact(session, editor, customer, **values)
        assert refused.value.field == field, values
        session.rollback()
    assert session.scalars(select(Contact)).all() == []


def test_a_stale_version_is_refused(session, customer, editor, make_user):
    contact = service.add_contact(session, editor, customer, first_name="Anna")
    session.commit()
    opened = contact.version
    service.update_contact(session, make_user(role="editor"), contact, expected_version=str(opened), title="CEO")
    session.commit()
    with pytest.raises(ConflictError):
        service.update_contact(session, editor, contact, expected_version=str(opened), title="CFO")
    session.rollback()
    assert session.get(Contact, contact.id).title == "CEO"
    with pytest.raises(ConflictError):  # a missing version never saves
        service.update_contact(session, editor, contact, expected_version="", title="CFO")


def test_a_deleted_customers_contacts_are_read_only(session, editor):
    gone = factories.customer(session, name="Borta AB")
    contact = service.add_contact(session, editor, gone, first_name="Anna")
    session.commit()
    from backoffice.services import customers

    customers.soft_delete_customer(session, None, gone)
    session.commit()
    for attempt in (lambda: service.add_contact(session, editor, gone, first_name="Bo"),
                    lambda: service.update_contact(session, editor, contact, title="CEO"),
                    lambda: service.remove_contact(session, editor, contact)):
        with pytest.raises(ServiceError):
            attempt()
        session.rollback()
    assert [c.first_name for c in session.scalars(select(Contact))] == ["Anna"]


def test_changes_appear_on_the_customers_timeline(session, customer, editor):
    role = service.create_role(session, None, "Site manager")
    contact = service.add_contact(session, editor, customer, first_name="Anna", last_name="Berg", role_id=role.id)
    session.commit()
    service.update_contact(session, editor, contact, expected_version=str(contact.version), phone="08-123 456 78")
    session.commit()
    service.remove_contact(session, editor, contact)
    session.commit()
    entries, _more = history.timeline(session, "customer", customer.id)
    contact_entries = [e for e in entries if e.record_type == "customer_contact"]
    assert [e.kind for e in contact_entries] == ["purge", "update", "create"]
    assert all(e.actor_id == editor.id for e in contact_entries)
    created = contact_entries[-1]
    role_change = next(c for c in created.changes if c["field"] == "role_id")
    assert role_change["new_label"] == "Site manager"
    assert {"field": "phone", "old": None, "new": "+46812345678"}  # stored in E.164 in contact_entries[1].changes


def test_purging_the_customer_blanks_the_contacts_personal_data_in_history(session, editor):
    from backoffice.services import customers

    c = factories.customer(session, name="Purga AB")
    service.add_contact(session, editor, c, first_name="Anna", email="anna@example.com", phone="+46 70 111 22 33")
    session.commit()
    customers.soft_delete_customer(session, None, c)
    session.commit()
    customers.purge_customer(session, None, c)
    session.commit()
    assert session.scalars(select(Contact)).all() == []
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "customer_contact")).one()
    text = str(entry.changes)
    assert "anna@example.com" not in text and "111 22 33" not in text


def test_roles_are_a_managed_list(session, customer, editor):
    role = service.create_role(session, None, "Site contact ")
    session.commit()
    with pytest.raises(ServiceError) as refused:
        service.create_role(session, None, "site CONTACT")
    assert refused.value.field == "name"
    session.rollback()
    service.add_contact(session, editor, customer, first_name="Anna", role_id=role.id)
    session.commit()
    with pytest.raises(ServiceError):  # in use: not deleted
        service.delete_role(session, None, role)
    session.rollback()
    assert session.get(ContactRole, role.id).name == "Site contact"


def test_titles_in_use_are_suggested(session, customer, editor):
    for name, title in (("Anna", "CEO"), ("Bo", "CTO"), ("Cecilia", "CEO"), ("Dan", None)):
        service.add_contact(session, editor, customer, first_name=name, title=title)
    session.commit()
    assert service.titles_in_use(session) == ["CEO", "CTO"]


def test_the_demo_gives_a_few_customers_two_or_three_contacts_one_primary(app, session):
    from backoffice import demo

    added = demo.seed(session)
    session.commit()
    assert added["contacts"] >= 12
    by_customer = {}
    for contact in session.scalars(select(Contact).where(Contact.is_person.is_(False))):  # (issue 11: not
        by_customer.setdefault(contact.customer_id, []).append(contact)  # the private customers' persons)
    assert len(by_customer) >= 5
    assert all(len(cs) in (2, 3) and sum(c.is_primary for c in cs) == 1 for cs in by_customer.values())
    assert demo.seed(session)["contacts"] == 0


def test_every_model_with_an_edit_form_is_versioned_and_tracked():
    """An edit form carries a version (optimistic locking) and its changes reach History; contacts and
    contact roles and custom fields' definitions joined the models that have one (issue 10)."""
    from backoffice.models import Customer, CustomerGroup, CustomFieldDefinition, Organization, RegisterSettings, User
    from backoffice.models import LocationGroup, Role, SavedView
    from backoffice.models.history import TRACKED
    from backoffice.models.versioned import Versioned

    for model in (Customer, Organization, User, RegisterSettings, Contact, ContactRole, CustomFieldDefinition,
                  CustomerGroup, SavedView, LocationGroup,  # (customer groups, saved views, location groups: issue 11)
                  Role):  # (issue 14)
        assert issubclass(model, Versioned), model
        assert model in TRACKED, model
    assert "customer_contact" in history.timeline_types("customer")


def test_purging_the_customer_removes_its_contacts_names_from_history(session, customer, editor):
    """Seed 001: a permanently deleted customer's persons are blanked in History, the contact's title too."""
    from backoffice.services import customers as customer_service

    service.add_contact(session, editor, customer, first_name="Anna", last_name="Berg", email="anna@example.com",
                        phone="+46 70 123 45 67")
    session.commit()
    customer_service.soft_delete_customer(session, editor, customer)
    session.commit()
    customer_service.purge_customer(session, None, customer)
    session.commit()
    entries = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "customer_contact")).all()
    assert entries, "the contact's entries stay (what happened, when, by whom)"
    text = " ".join(f"{e.record_name} {e.changes} {e.note}" for e in entries)
    assert "Anna" not in text and "Berg" not in text and "anna@example.com" not in text and "123 45 67" not in text
