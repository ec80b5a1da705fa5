"""Private customers (issue 11, seed 003): a person added by e-mail, no organization, no customer admin;
its person is its fixed primary contact; one stored display name; the database rules on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from backoffice.extensions import db
from backoffice.models import Contact, Customer, HistoryEntry
from backoffice.services import contacts as contact_service
from backoffice.services import customer_export, customer_list
from backoffice.services import customer_groups as groups
from backoffice.services import customers as service
from backoffice.services import organizations as org_service
from backoffice.services.errors import ServiceError
from tests.customer_helpers import customer
from tests.factories import private_customer


@pytest.fixture(autouse=True)
def _request_context(app):
    with app.test_request_context():
        yield


def _person(**kw):
    return {"first_name": "Pia", "last_name": "Privat", "email": "Pia.Privat@Example.com", "phone": "070-123 45 67", **kw}


def _create(session, **kw):
    created = service.create_customer(session, None, customer_type="private", person=_person(**kw))
    session.commit()
    return created


# --- create ------------------------------------------------------------------------------------
def test_a_private_customer_has_no_organization_no_admin_and_its_person_as_primary_contact(session):
    created = _create(session)
    assert created.type == "private" and created.organization_id is None and created.admin_user_id is None
    assert created.display_name == "Pia Privat" and str(created) == "Pia Privat"
    person = contact_service.person_of(session, created)
    assert person.is_person and person.is_primary and person.email == "Pia.Privat@Example.com"
    assert person.email_key == "pia.privat@example.com" and person.phone == "+46701234567"


@pytest.mark.parametrize("missing", ["email", "first_name", "last_name"])
def test_the_person_needs_an_email_and_both_names(session, missing):
    with pytest.raises(ServiceError) as refused:
        service.create_customer(session, None, customer_type="private", person=_person(**{missing: " "}))
    assert refused.value.field == missing
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_a_bad_phone_or_email_is_refused_beside_the_field(session):
    with pytest.raises(ServiceError) as refused:
        service.create_customer(session, None, customer_type="private", person=_person(phone="12"))
    assert refused.value.field == "phone"
    with pytest.raises(ServiceError) as refused:
        service.create_customer(session, None, customer_type="private", person=_person(email="not-an-email"))
    assert refused.value.field == "email"


def test_the_email_is_unique_among_private_customers_whatever_its_case(session):
    _create(session)
    with pytest.raises(ServiceError) as refused:
        _create(session, email="PIA.PRIVAT@example.COM", first_name="Other")
    assert refused.value.field == "email" and "already exists" in str(refused.value.message)
    session.rollback()
    # an ordinary contact of a business customer may share it: only persons are unique
    business = customer(session)
    contact_service.add_contact(session, None, business, first_name="Pia", email="pia.privat@example.com")
    session.commit()


def test_the_database_refuses_a_second_person_with_the_same_email(session):
    first, second = _create(session), _create(session, email="someone@example.com")
    person = contact_service.person_of(session, second)
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE contact SET email_key = 'pia.privat@example.com' WHERE id = :id"), {"id": person.id})
    session.rollback()
    assert first.id != second.id


def test_the_race_past_the_email_check_ends_beside_the_field(session, monkeypatch):
    _create(session)
    # the check saw no one (the other request had not committed yet): the unique index has the last word
    monkeypatch.setattr(contact_service, "_email_taken", lambda session, key, own: False)
    with pytest.raises(ServiceError) as refused:
        service.create_customer(session, None, customer_type="private", person=_person(email="pia.PRIVAT@example.com"))
    assert refused.value.field == "email"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Customer)) == 1


def test_database_checks_on_both_engines(session):
    created = _create(session)
    # a private customer needs no admin, deleted or not
    session.execute(text("UPDATE customer SET admin_user_id = NULL WHERE id = :id"), {"id": created.id})
    session.commit()
    # a business customer still needs an organization and (unless deleted) an admin
    business = customer(session)
    for sql in ("UPDATE customer SET admin_user_id = NULL WHERE id = :id",
                "UPDATE customer SET organization_id = NULL WHERE id = :id"):
        with pytest.raises(IntegrityError):
            with session.begin_nested():
                session.execute(text(sql), {"id": business.id})
    # the person stays primary
    person = contact_service.person_of(session, created)
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.execute(text("UPDATE contact SET is_primary = false WHERE id = :id"), {"id": person.id})
    session.rollback()


def test_business_customers_still_need_an_organization_and_an_admin(session, make_org):
    with pytest.raises(ServiceError) as refused:
        service.create_customer(session, None, admin_user_id=None, organization_id=make_org().id)
    assert refused.value.field == "admin_user_id"
    with pytest.raises(ServiceError) as refused:
        service.create_customer(session, None)
    assert refused.value.field == "organization_id"


# --- the person --------------------------------------------------------------------------------
def test_the_person_can_be_edited_not_removed_or_unmade_primary(session):
    created = _create(session)
    person = contact_service.person_of(session, created)
    with pytest.raises(ServiceError) as refused:
        contact_service.remove_contact(session, None, person)
    assert "not removed" in str(refused.value.message)
    with pytest.raises(ServiceError) as refused:
        contact_service.update_contact(session, None, person, is_primary=False)
    assert refused.value.field == "is_primary"
    other = contact_service.add_contact(session, None, created, first_name="Olle")
    session.commit()
    with pytest.raises(ServiceError):
        contact_service.make_primary(session, None, other)
    with pytest.raises(ServiceError):
        contact_service.add_contact(session, None, created, first_name="Eva", is_primary=True)
    session.rollback()
    assert contact_service.person_of(session, created).is_primary
    contact_service.update_contact(session, None, person, title="Owner", phone="+46 70 765 43 21")
    session.commit()
    assert person.title == "Owner" and person.phone == "+46707654321"


def test_editing_the_person_renames_the_customer(session):
    created = _create(session)
    person = contact_service.person_of(session, created)
    version = created.version
    contact_service.update_contact(session, None, person, last_name="Persson")
    session.commit()
    session.expire_all()
    assert session.get(Customer, created.id).display_name == "Pia Persson"
    assert session.get(Customer, created.id).version == version  # (an open edit form stays valid)
    service.update_customer(session, None, created, person={"first_name": "Per", "email": "per@example.com"})
    session.commit()
    session.expire_all()
    assert created.display_name == "Per Persson" and contact_service.person_of(session, created).email_key == "per@example.com"


def test_the_person_email_can_not_move_onto_another_persons(session):
    _create(session)
    other = _create(session, email="other@example.com")
    with pytest.raises(ServiceError) as refused:
        service.update_customer(session, None, other, person={"email": "Pia.privat@example.com"})
    assert refused.value.field == "email"


def test_a_private_customer_gets_no_organization_or_admin_by_edit(session, make_org):
    created = _create(session)
    with pytest.raises(ServiceError) as refused:
        service.update_customer(session, None, created, organization_id=make_org().id)
    assert refused.value.field == "organization_id"


def test_renaming_the_organization_renames_its_customer(session):
    business = customer(session)
    org_service.update_organization(session, None, business.organization, name="Renamed AB")
    session.commit()
    session.expire_all()
    assert session.get(Customer, business.id).display_name == "Renamed AB"


def test_moving_a_customer_to_another_organization_takes_its_name(session):
    from tests.factories import organization

    business = customer(session)
    other = organization(session, name="Moved To AB")
    service.update_customer(session, None, business, organization_id=other.id, expected_version=business.version)
    session.commit()
    session.expire_all()
    assert session.get(Customer, business.id).display_name == "Moved To AB"
    assert [r.display_name for r in customer_list.list_page(session, None, search="moved").rows] == ["Moved To AB"]


# --- states ------------------------------------------------------------------------------------
def test_soft_delete_recover_without_an_admin_and_purge(session):
    created = _create(session)
    service.soft_delete_customer(session, None, created)
    session.commit()
    service.recover_customer(session, None, created)
    session.commit()
    assert created.deleted_at is None and created.admin_user_id is None
    service.soft_delete_customer(session, None, created)
    session.commit()
    customer_id = created.id
    service.purge_customer(session, None, created)
    session.commit()
    assert session.get(Customer, customer_id) is None
    assert session.scalar(select(func.count()).select_from(Contact)) == 0
    names = session.scalars(select(HistoryEntry.record_name).where(
        HistoryEntry.record_type == "customer", HistoryEntry.record_id == customer_id)).all()
    assert names and "Pia Privat" not in names  # a person's name is blanked on purge


def test_history_records_the_private_customer_and_its_person(session):
    created = _create(session)
    kinds = session.scalars(select(HistoryEntry.record_type).where(HistoryEntry.kind == "create")).all()
    assert "customer" in kinds and "customer_contact" in kinds
    entry = session.scalar(select(HistoryEntry).where(HistoryEntry.record_type == "customer",
                                                      HistoryEntry.record_id == created.id))
    assert entry.record_name == "Pia Privat"


# --- the list, its search and the export ---------------------------------------------------------
def test_the_list_sorts_searches_filters_and_counts_private_customers(session):
    business = customer(session)  # organization name "Org …"
    pia = _create(session)
    anna = private_customer(session, first_name="Anna", last_name="Andersson", email="anna@example.org")
    page = customer_list.list_page(session, None)
    assert page.count == 3
    assert [c.display_name for c in page.rows] == sorted(c.display_name for c in (business, pia, anna))
    assert [c.id for c in customer_list.list_page(session, None, search="privat").rows] == [pia.id]
    assert [c.id for c in customer_list.list_page(session, None, search="ANNA@EXAMPLE").rows] == [anna.id]
    only = customer_list.list_page(session, None, customer_type="private")
    assert only.count == 2 and {c.id for c in only.rows} == {pia.id, anna.id}
    assert [c.id for c in customer_list.list_page(session, None, customer_type="business").rows] == [business.id]
    assert customer_list.list_page(session, None, customer_type="private", search="anna").count == 1
    assert customer_list.list_page(session, None, customer_type="bogus").count == 3  # (ignored)


def test_a_private_customer_joins_a_group_and_shows_among_its_members(session):
    group = groups.create_group(session, None, name="Members")
    created = service.create_customer(session, None, customer_type="private", person=_person(), group_ids=[group.id])
    session.commit()
    assert [c.id for c in groups.members(session, group)] == [created.id]
    assert customer_list.list_page(session, None, group_id=group.id, customer_type="private").count == 1


def test_the_export_names_every_customer_by_its_display_name(session):
    customer(session)
    _create(session)
    rows = [row for row in session.execute(customer_export.export_query(customer_type="private"))]
    assert [(r.display_name, r.customer_type, r.org_name) for r in rows] == [("Pia Privat", "private", None)]
    assert len(session.execute(customer_export.export_query()).all()) == 2
