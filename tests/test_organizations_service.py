"""Organizations at the service layer: required fields, number uniqueness, soft delete, recover, purge."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.models import Organization
from backoffice.services import organizations as service
from backoffice.services.errors import ServiceError


def create(session, **kw):
    values = dict(name="Nordic Bygg AB", org_number="556677-8899")
    values.update(kw)
    org = service.create_organization(session, None, **values)
    session.commit()
    return org


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Organization))


def test_create_keeps_number_as_typed_and_key_without_spaces_and_dashes(session):
    org = create(session, org_number=" 556677 - 8899 ", email="info@nordic.se", municipality="  Umeå ")
    assert org.org_number == "556677 - 8899"
    assert org.org_number_key == "5566778899"
    assert org.municipality == "Umeå"
    assert org.phone is None  # empty optional fields are stored as NULL


@pytest.mark.parametrize("same", ["5566778899", "556677 8899", "5566-77-8899", " 556677–8899 "])
def test_number_uniqueness_ignores_spaces_and_dashes(session, same):
    create(session, org_number="556677-8899")
    with pytest.raises(ServiceError) as exc:
        create(session, name="Other AB", org_number=same)
    assert exc.value.field == "org_number"
    session.rollback()
    assert count(session) == 1


def test_editing_to_a_taken_number_is_refused(session):
    create(session, org_number="556677-8899")
    other = create(session, name="Other AB", org_number="112233-4459")
    with pytest.raises(ServiceError) as exc:
        service.update_organization(session, None, other, org_number="5566778899")
    assert exc.value.field == "org_number"
    session.rollback()
    assert session.get(Organization, other.id).org_number_key == "1122334459"


def test_editing_own_number_format_is_fine(session):
    org = create(session, org_number="5566778899")
    service.update_organization(session, None, org, org_number="556677-8899")
    session.commit()
    assert org.org_number == "556677-8899"


def test_a_deleted_organizations_number_stays_taken(session):
    org = create(session)
    service.soft_delete_organization(session, None, org)
    session.commit()
    with pytest.raises(ServiceError):
        create(session, name="Copy AB", org_number="5566778899")


def test_db_constraint_catches_a_race_past_the_precheck(session, monkeypatch):
    create(session)
    monkeypatch.setattr(service, "_check_number_free", lambda *a, **k: None)
    with pytest.raises(ServiceError) as exc:
        create(session, name="Racer AB", org_number="556677 8899")
    assert exc.value.field == "org_number"
    session.rollback()
    assert count(session) == 1


@pytest.mark.parametrize("field", ["name", "org_number"])
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_name_and_number_required(session, field, blank):
    with pytest.raises(ServiceError) as exc:
        create(session, **{field: blank})
    assert exc.value.field == field
    session.rollback()
    assert count(session) == 0


@pytest.mark.parametrize("number", ["---", "55667788/99", "5566<script>"])
def test_number_must_be_digits_letters_spaces_dashes(session, number):
    with pytest.raises(ServiceError) as exc:
        create(session, org_number=number)
    assert exc.value.field == "org_number"


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "info@", "a b@example.se"])
def test_email_validated(session, email):
    with pytest.raises(ServiceError) as exc:
        create(session, email=email)
    assert exc.value.field == "email"


def test_required_fields_cannot_be_blanked_on_edit(session):
    org = create(session)
    with pytest.raises(ServiceError) as exc:
        service.update_organization(session, None, org, name=" ")
    assert exc.value.field == "name"


def test_too_long_values_refused_beside_their_field(session):
    with pytest.raises(ServiceError) as exc:
        create(session, post_number="1" * 21)
    assert exc.value.field == "post_number"
    session.rollback()
    assert count(session) == 0


# --- soft delete, recover, purge ---------------------------------------------------------------


def test_soft_delete_keeps_the_row(session):
    org = create(session)
    service.soft_delete_organization(session, None, org)
    session.commit()
    assert org.is_deleted and count(session) == 1


def test_soft_delete_twice_refused(session):
    org = create(session)
    service.soft_delete_organization(session, None, org)
    with pytest.raises(ServiceError):
        service.soft_delete_organization(session, None, org)


def test_edit_refused_while_deleted(session):
    org = create(session)
    service.soft_delete_organization(session, None, org)
    session.commit()
    with pytest.raises(ServiceError):
        service.update_organization(session, None, org, name="Renamed AB")
    session.rollback()
    assert session.get(Organization, org.id).name == "Nordic Bygg AB"


def test_recover_only_a_deleted_one(session):
    org = create(session)
    with pytest.raises(ServiceError):
        service.recover_organization(session, None, org)
    service.soft_delete_organization(session, None, org)
    service.recover_organization(session, None, org)
    session.commit()
    assert not org.is_deleted
    service.update_organization(session, None, org, name="Edited again AB")
    session.commit()
    assert org.name == "Edited again AB"


def test_purge_only_a_deleted_one(session):
    org = create(session)
    with pytest.raises(ServiceError):
        service.purge_organization(session, None, org)
    session.rollback()
    assert count(session) == 1
    service.soft_delete_organization(session, None, org)
    service.purge_organization(session, None, org)
    session.commit()
    assert count(session) == 0


def test_purge_blockers_refuse(session, monkeypatch):
    org = create(session)
    service.soft_delete_organization(session, None, org)
    from backoffice.services import customers

    monkeypatch.setattr(customers, "organization_purge_blockers", lambda s, o: ["a customer refers to it"])
    with pytest.raises(ServiceError) as exc:
        service.purge_organization(session, None, org)
    assert "a customer refers to it" in str(exc.value.message)
    session.rollback()
    assert count(session) == 1


def test_a_purged_number_is_free_again(session):
    org = create(session)
    service.soft_delete_organization(session, None, org)
    service.purge_organization(session, None, org)
    session.commit()
    assert create(session, name="New owner AB", org_number="556677 8899").org_number_key == "5566778899"
