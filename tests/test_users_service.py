"""Users at the service layer: e-mail, passwords, the admin rules, delete-or-deactivate, photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from backoffice.models import Customer, User
from backoffice.services import users as service
from backoffice.services.errors import ServiceError
from tests.factories import PASSWORD
from tests import factories


def new_user(session, **kw):
    values = dict(email="anna@example.com", first_name="Anna", last_name="Ek", role="staff", password=PASSWORD)
    values.update(kw)
    user = service.create_user(session, None, **values)
    session.commit()
    return user


def field_of(excinfo) -> str | None:
    return excinfo.value.field


# --- e-mail ---------------------------------------------------------------------------------


def test_email_is_stored_lowercase_and_unique_case_insensitively(session):
    user = new_user(session, email="  Anna.Ek@Example.COM ")
    assert user.email == "anna.ek@example.com"
    with pytest.raises(ServiceError) as exc:
        service.create_user(session, None, email="ANNA.EK@example.com", first_name="B", last_name="C", role="staff")
    assert field_of(exc) == "email"
    session.rollback()
    assert session.scalar(select(User).where(User.email == "anna.ek@example.com")).id == user.id
    assert len(session.scalars(select(User)).all()) == 1


def test_changing_email_to_anothers_in_other_case_is_refused(session):
    new_user(session, email="taken@example.com")
    other = new_user(session, email="other@example.com")
    with pytest.raises(ServiceError) as exc:
        service.update_user(session, None, other, email="TAKEN@example.com")
    assert field_of(exc) == "email"
    session.rollback()
    assert session.get(User, other.id).email == "other@example.com"


def test_get_by_email_ignores_case(session):
    user = new_user(session)
    assert service.get_by_email(session, " ANNA@example.com") is user


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@", "@example.com", "a b@example.com", "a@nodot"])
def test_invalid_email_refused(session, email):
    with pytest.raises(ServiceError) as exc:
        new_user(session, email=email)
    assert field_of(exc) == "email"


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_names_required(session, field):
    with pytest.raises(ServiceError) as exc:
        new_user(session, **{field: "   "})
    assert field_of(exc) == field


def test_unknown_role_and_language_refused(session):
    with pytest.raises(ServiceError) as exc:
        new_user(session, role="owner")
    assert field_of(exc) == "role"
    with pytest.raises(ServiceError) as exc:
        new_user(session, language="de")
    assert field_of(exc) == "language"


def test_too_long_name_refused_not_crashing(session):
    with pytest.raises(ServiceError) as exc:
        new_user(session, first_name="x" * 101)
    assert field_of(exc) == "first_name"


# --- passwords ------------------------------------------------------------------------------


def test_password_is_hashed_never_stored_plain(session):
    user = new_user(session)
    assert user.password_hash and PASSWORD not in user.password_hash
    assert user.password_hash != PASSWORD
    assert service.authenticate(session, "anna@example.com", PASSWORD) is user


@pytest.mark.parametrize("password", ["", "short", "elevenchars"])
def test_password_shorter_than_12_refused(session, password):
    with pytest.raises(ServiceError) as exc:
        new_user(session, password=password)
    assert field_of(exc) == "password"
    session.rollback()
    assert session.scalars(select(User)).all() == []


def test_password_of_exactly_12_accepted(session):
    user = new_user(session, password="kx7-Vq2m-Lp9")
    assert service.authenticate(session, user.email, "kx7-Vq2m-Lp9") is user


def test_admin_reset_password_validates_and_can_require_change(session, admin):
    user = new_user(session)
    with pytest.raises(ServiceError):
        service.set_password(session, admin, user, "too-short")
    service.set_password(session, admin, user, "a-brand-new-password", require_change=True)
    session.commit()
    assert user.must_change_password is True
    assert service.authenticate(session, user.email, PASSWORD) is None
    assert service.authenticate(session, user.email, "a-brand-new-password") is user


def test_change_own_password_needs_current_and_clears_require_change(session):
    user = new_user(session, must_change_password=True)
    with pytest.raises(ServiceError) as exc:
        service.change_own_password(session, user, "wrong-password-x", "another-good-password")
    assert field_of(exc) == "current_password"
    with pytest.raises(ServiceError) as exc:
        service.change_own_password(session, user, PASSWORD, "short")
    assert field_of(exc) == "new_password"
    with pytest.raises(ServiceError) as exc:
        service.change_own_password(session, user, PASSWORD, PASSWORD)
    assert field_of(exc) == "new_password"
    service.change_own_password(session, user, PASSWORD, "another-good-password")
    session.commit()
    assert user.must_change_password is False
    assert service.authenticate(session, user.email, "another-good-password") is user


def test_authenticate_refuses_unknown_wrong_and_inactive(session):
    user = new_user(session)
    assert service.authenticate(session, "nobody@example.com", PASSWORD) is None
    assert service.authenticate(session, user.email, "wrong-password-123") is None
    user.active = False
    session.commit()
    assert service.authenticate(session, user.email, PASSWORD) is None


def test_authenticate_records_last_sign_in(session):
    user = new_user(session)
    assert user.last_login_at is None
    service.authenticate(session, user.email, PASSWORD)
    session.commit()
    assert user.last_login_at is not None


# --- nobody demotes or deactivates themselves; the last active admin stays -------------------


def test_nobody_demotes_themselves(session, admin):
    new_user(session, role="system-admin", email="second@example.com")  # not the last admin
    with pytest.raises(ServiceError) as exc:
        service.update_user(session, admin, admin, role="editor")
    assert field_of(exc) == "role"
    session.rollback()
    assert session.get(User, admin.id).role == "system-admin"


def test_nobody_deactivates_themselves(session, admin):
    new_user(session, role="system-admin", email="second@example.com")
    with pytest.raises(ServiceError) as exc:
        service.update_user(session, admin, admin, active=False)
    assert field_of(exc) == "active"
    session.rollback()
    assert session.get(User, admin.id).active is True


def test_an_editor_cannot_demote_themselves_either(session):
    editor = new_user(session, role="editor")
    with pytest.raises(ServiceError):
        service.update_user(session, editor, editor, role="staff")


def test_nobody_deletes_themselves(session, admin):
    new_user(session, role="system-admin", email="second@example.com")
    with pytest.raises(ServiceError):
        service.delete_user(session, admin, admin)
    session.rollback()
    assert session.get(User, admin.id) is not None


def test_last_active_admin_cannot_be_demoted_deactivated_or_deleted(session, admin):
    # The actor is None (CLI) so only the last-admin rule can refuse.
    with pytest.raises(ServiceError) as exc:
        service.update_user(session, None, admin, role="staff")
    assert field_of(exc) == "role"
    with pytest.raises(ServiceError) as exc:
        service.update_user(session, None, admin, active=False)
    assert field_of(exc) == "active"
    with pytest.raises(ServiceError):
        service.delete_user(session, None, admin)
    session.rollback()
    admin = session.get(User, admin.id)
    assert (admin.role, admin.active) == ("system-admin", True)


def test_an_inactive_admin_does_not_count(session, admin):
    other = new_user(session, role="system-admin", email="second@example.com", active=False)
    with pytest.raises(ServiceError):
        service.update_user(session, other, admin, role="staff")
    # ...but the inactive one can be changed freely.
    service.update_user(session, admin, other, role="staff")
    session.commit()
    assert other.role == "staff"


def test_with_two_admins_one_may_demote_the_other(session, admin):
    other = new_user(session, role="system-admin", email="second@example.com")
    service.update_user(session, admin, other, role="editor")
    session.commit()
    assert session.get(User, other.id).role == "editor"
    # Now admin is the last one.
    with pytest.raises(ServiceError):
        service.update_user(session, None, admin, active=False)


def test_with_two_admins_one_may_delete_the_other(session, admin):
    other = new_user(session, role="system-admin", email="second@example.com")
    assert service.delete_user(session, admin, other) == "deleted"
    session.commit()
    assert session.get(User, other.id) is None


# --- delete or deactivate --------------------------------------------------------------------


def test_unreferenced_user_is_deleted(session, admin):
    user = new_user(session)
    assert service.delete_user(session, admin, user) == "deleted"
    session.commit()
    assert session.scalar(select(User).where(User.email == "anna@example.com")) is None


def test_referenced_user_is_deactivated_not_deleted(session, admin, make_org):
    user = new_user(session, role="guest")
    user.role = "customer-admin"  # as the customer services make it
    org = make_org()
    session.add(Customer(type="business", organization_id=org.id, admin_user_id=user.id))
    session.commit()
    assert service.delete_user(session, admin, user) == "deactivated"
    session.commit()
    session.expire_all()
    kept = session.scalar(select(User).where(User.email == "anna@example.com"))
    assert kept is not None and kept.active is False
    assert session.scalar(select(Customer)).admin_user_id == kept.id


# --- photo ----------------------------------------------------------------------------------


def png_bytes(size=(600, 400), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def test_photo_is_reencoded_and_shrunk(session, admin):
    user = new_user(session)
    service.set_photo(session, admin, user, png_bytes())
    session.commit()
    assert user.photo_mime == "image/png"
    with Image.open(io.BytesIO(user.photo)) as img:
        assert max(img.size) <= service.PHOTO_SIZE


def test_non_image_photo_refused(session, admin):
    user = new_user(session)
    with pytest.raises(ServiceError) as exc:
        service.set_photo(session, admin, user, b"%PDF-1.4 not an image")
    assert field_of(exc) == "photo"
    session.rollback()
    assert session.get(User, user.id).photo_mime is None


def test_too_big_photo_refused(session, admin):
    user = new_user(session)
    with pytest.raises(ServiceError) as exc:
        service.set_photo(session, admin, user, png_bytes(), max_bytes=100)
    assert field_of(exc) == "photo"


def test_photo_removed_with_none(session, admin):
    user = new_user(session)
    service.set_photo(session, admin, user, png_bytes())
    service.set_photo(session, admin, user, None)
    session.commit()
    assert user.photo is None and user.photo_mime is None


def test_rollback_after_a_guarded_flush_undoes_it(session, admin):
    """unique_guard's savepoint must not commit on its own (pysqlite opened no transaction first)."""
    user = new_user(session)
    session.expire_all()
    service.update_user(session, admin, session.get(User, user.id), first_name="Changed")
    session.rollback()
    session.expire_all()
    assert session.get(User, user.id).first_name == "Anna"


def _outbox(session):
    from backoffice.models import OutboxMessage

    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_email_change_is_told_to_the_old_and_the_new_address(session, admin):
    """Finding 11: both addresses hear of it, in the same transaction as the change."""
    user = new_user(session, email="old@example.com")
    session.commit()
    service.update_user(session, admin, user, email="New@Example.com")
    session.commit()
    messages = _outbox(session)
    assert [m.to_address for m in messages] == ["old@example.com", "new@example.com"]
    for message in messages:
        assert "e-mail address was changed" in message.subject
        assert "from old@example.com to new@example.com" in message.body
    service.update_user(session, admin, user, first_name="Renamed", email="new@example.com")
    session.commit()
    assert len(_outbox(session)) == 2  # no e-mail when the address stays


def test_a_refused_email_change_tells_nobody(session, admin):
    """Finding 11: the e-mail is part of the change: a change rolled back sends nothing."""
    new_user(session, email="taken@example.com")
    user = new_user(session, email="mine@example.com")
    session.commit()
    with pytest.raises(ServiceError):
        service.update_user(session, admin, user, email="taken@example.com")
    session.rollback()
    assert _outbox(session) == []


def test_password_changes_are_told_by_email_in_the_users_language(session, admin):
    """Finding 11: an administrator's reset and one's own change each send an e-mail, in Swedish for a Swedish user."""
    user = new_user(session, email="sv@example.com", language="sv")
    session.commit()
    service.set_password(session, admin, user, "an-admin-chose-this")
    service.change_own_password(session, user, "an-admin-chose-this", "and-then-i-chose-this")
    session.commit()
    messages = _outbox(session)
    assert [m.to_address for m in messages] == ["sv@example.com", "sv@example.com"]
    assert all(m.subject == "Ditt lösenord i Backoffice har ändrats" for m in messages)
    assert "and-then-i-chose-this" not in messages[1].body


# --- the role customer-admin (issue 8, finding 10) ------------------------------------------------------
def test_the_role_customer_admin_is_not_given_by_the_users_service(session, admin):
    """Finding 10: neither creating nor editing a user gives the role customer-admin (a guest admin of nothing)."""
    with pytest.raises(ServiceError) as created:
        new_user(session, role="customer-admin")
    assert created.value.field == "role"
    assert "given by choosing the user as a customer's admin" in str(created.value.message)
    session.rollback()
    guest = new_user(session, role="guest")
    with pytest.raises(ServiceError) as edited:
        service.update_user(session, admin, guest, role="customer-admin")
    assert edited.value.field == "role"
    session.rollback()
    assert session.get(User, guest.id).role == "guest"


def test_a_customer_admin_keeps_the_role_while_administering_a_customer(session, admin):
    """Finding 10: a customer's admin can't be made an editor or a system administrator here."""
    customer = factories.customer(session, name="Kund AB")
    person = customer.admin
    for role in ("editor", "system-admin", "guest"):
        with pytest.raises(ServiceError) as refused:
            service.update_user(session, admin, person, role=role)
        assert refused.value.field == "role"
        assert "customer admin of Kund AB" in str(refused.value.message)
        session.rollback()
    assert session.get(User, person.id).role == "customer-admin"
    # other fields can still be edited
    service.update_user(session, admin, person, first_name="Renamed", role="customer-admin")
    session.commit()


# --- password strength (issue 8, finding 7) -------------------------------------------------------------
WEAK = {
    "aaaaaaaaaaaa": "repeats characters or a pattern",
    "abcabcabcabc": "repeats characters or a pattern",
    "123456789012": "repeats characters or a pattern",
    "password1234": "one of the most common ones",
    "iloveyou2026": "one of the most common ones",
    "anna.ek@example.com": "too similar to the name or e-mail address",
    "Anna.Ek.Example": "too similar to the name or e-mail address",
}


@pytest.mark.parametrize("weak", sorted(WEAK))
def test_weak_passwords_are_refused_on_every_service_path(session, admin, weak):
    """Finding 7: creating a user, an administrator setting one, and one's own change all refuse it."""
    why = WEAK[weak]
    with pytest.raises(ServiceError) as created:
        new_user(session, password=weak)
    assert why in str(created.value.message) and created.value.field == "password"
    session.rollback()
    user = new_user(session)
    with pytest.raises(ServiceError) as set_by_admin:
        service.set_password(session, admin, user, weak)
    assert why in str(set_by_admin.value.message) and set_by_admin.value.field == "password"
    with pytest.raises(ServiceError) as own:
        service.change_own_password(session, user, PASSWORD, weak)
    assert why in str(own.value.message) and own.value.field == "new_password"


def test_the_common_list_is_shipped_with_the_package():
    """Finding 7: Django's list of the 20,000 most common passwords, read from the package."""
    from backoffice.services import passwords

    common = passwords.common_passwords()
    assert len(common) > 19000 and "qwerty" in common and "password1234" in common
    assert not passwords._is_common(PASSWORD)
