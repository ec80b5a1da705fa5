"""The roles editor (issue 14): system administrators create, edit, duplicate and delete roles on /admin/roles/.
Built-in roles keep their names and can't be deleted, guest and customer admin are the system's, the system
administrator role keeps roles.edit, a role in use can't be deleted, and someone active must stay able to
manage users and roles, whether a role or a user is changed. Every change is versioned and in History."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.models import HistoryEntry, Role, User
from backoffice.models.roles import can
from backoffice.services import roles as service
from backoffice.services import users as users_service
from backoffice.services.errors import ConflictError, ServiceError
from tests.conftest import csrf_token_from, login

BASICS = ("admin.access", "customers.view")


def role(session, code: str) -> Role:
    return session.scalar(select(Role).where(Role.code == code))


def entries(session, record_id: int) -> list[HistoryEntry]:
    return list(session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "role",
                                                           HistoryEntry.record_id == record_id)
                                .order_by(HistoryEntry.id)))


def refusal(call) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value


# --- the service's rules ---------------------------------------------------------------------------------


def test_a_new_role_gets_a_code_from_its_name_its_permissions_and_a_history_entry(session, admin):
    made = service.create_role(session, admin, name="  Read-only auditor ", description="Reads the log",
                               permissions=[*BASICS, "audit.view"])
    session.commit()
    assert (made.code, made.name, made.staff, made.built_in) == ("read-only-auditor", "Read-only auditor", True, False)
    assert made.permissions == {*BASICS, "audit.view"}
    second = service.create_role(session, admin, name="Read only auditor!", permissions=BASICS)
    assert second.code == "read-only-auditor-2"
    [created] = entries(session, made.id)
    assert created.kind == "create" and created.actor_id == admin.id
    assert {"field": "permissions", "old": None, "new": ["admin.access", "audit.view", "customers.view"]} \
        in created.changes


@pytest.mark.parametrize(("name", "permissions", "field", "message"), [
    ("", BASICS, "name", "Enter a name."),
    ("editor", BASICS, "name", "Another role already has this name."),  # the built-in Editor, whatever the case
    ("Auditor", ["admin.access", "portal.access"], "permissions", "Only the customer admin role"),
    ("Auditor", ["customers.view"], "permissions", "needs Open the back office"),
    ("Auditor", ["admin.access", "customers.fly"], "permissions", "There is no permission customers.fly."),
    ("A" * 81, BASICS, "name", "At most 80 characters."),
])
def test_a_role_that_breaks_a_rule_is_refused_beside_its_field(session, admin, name, permissions, field, message):
    before = session.scalar(select(Role.id).order_by(Role.id.desc()).limit(1))
    error = refusal(lambda: service.create_role(session, admin, name=name, permissions=permissions))
    assert error.field == field and message in str(error.message)
    session.rollback()
    assert session.scalar(select(Role.id).order_by(Role.id.desc()).limit(1)) == before


def test_ticking_permissions_bumps_the_version_and_history_lists_them_before_and_after(session, admin):
    made = service.create_role(session, admin, name="Auditor", permissions=BASICS)
    session.commit()
    version = made.version
    service.update_role(session, admin, made, name="Auditor", description="", expected_version=str(version),
                        permissions=["admin.access", "audit.view"])
    session.commit()
    session.expire_all()
    made = session.get(Role, made.id)
    assert made.version == version + 1 and made.permissions == {"admin.access", "audit.view"}
    update = entries(session, made.id)[-1]
    assert update.kind == "update" and update.changes == [
        {"field": "permissions", "old": ["admin.access", "customers.view"], "new": ["admin.access", "audit.view"]}]
    # a save of a form opened before that is a conflict, and changes nothing
    with pytest.raises(ConflictError):
        service.update_role(session, admin, made, name="Auditor 2", description="", permissions=BASICS,
                            expected_version=str(version))
    session.rollback()
    assert session.get(Role, made.id).name == "Auditor"


def test_built_in_roles_keep_their_names_system_roles_are_not_edited_and_none_is_deleted(session, admin):
    editor = role(session, "editor")
    error = refusal(lambda: service.update_role(session, admin, editor, name="Writers", description="",
                                                permissions=editor.permissions))
    assert error.field == "name" and "keeps its name" in str(error.message)
    session.rollback()
    for code in ("guest", "customer-admin"):
        system = role(session, code)
        error = refusal(lambda: service.update_role(session, admin, system, name=system.name, description="",
                                                    permissions=BASICS))
        assert "can't be edited" in str(error.message)
        session.rollback()
    for code in ("system-admin", "editor", "staff", "guest", "customer-admin"):
        assert "can't be deleted" in str(refusal(lambda: service.delete_role(session, admin, role(session, code))).message)
        session.rollback()
    assert role(session, "guest") is not None and role(session, "guest").permissions == frozenset()


def test_the_system_administrator_role_keeps_roles_edit(session, admin):
    system_admin = role(session, "system-admin")
    error = refusal(lambda: service.update_role(session, admin, system_admin, name=system_admin.name,
                                                description="", permissions=system_admin.permissions - {"roles.edit"}))
    assert error.field == "permissions" and "always keeps" in str(error.message)


def test_someone_active_stays_able_to_manage_users_and_roles(session, admin, make_user):
    system_admin = role(session, "system-admin")
    without_users_edit = system_admin.permissions - {"users.edit"}
    error = refusal(lambda: service.update_role(session, admin, system_admin, name=system_admin.name,
                                                description="", permissions=without_users_edit))
    assert error.field == "permissions" and "Nobody active could manage users and roles" in str(error.message)
    session.rollback()
    # With another role that can, held by an active user, the system administrators may lose it.
    chief = service.create_role(session, admin, name="Chief", permissions=[*BASICS, "users.view", "users.edit",
                                                                              "roles.edit"])
    boss = make_user(role=chief.code, email="boss@example.com")
    service.update_role(session, admin, system_admin, name=system_admin.name, description="",
                        permissions=without_users_edit)
    session.commit()
    assert not can(session.get(User, admin.id), "users.edit")
    # … but then the last one who can (boss) can't be deactivated, given a role that can't, or deleted
    error = refusal(lambda: users_service.update_user(session, None, boss, active=False))
    assert error.field == "active" and "last active user who can manage users and roles" in str(error.message)
    session.rollback()
    error = refusal(lambda: users_service.update_user(session, None, boss, role="staff"))
    assert error.field == "role"
    session.rollback()
    refusal(lambda: users_service.delete_user(session, None, boss))
    session.rollback()
    # nor can the role lose what makes its users managers
    chief = role(session, "chief")
    error = refusal(lambda: service.update_role(session, admin, chief, name="Chief", description="",
                                                permissions=BASICS))
    assert "Nobody active could manage users and roles" in str(error.message)


def test_a_role_in_use_is_not_deleted_one_nobody_has_is(session, admin, make_user):
    auditor = service.create_role(session, admin, name="Auditor", permissions=BASICS)
    user = make_user(role=auditor.code)
    error = refusal(lambda: service.delete_role(session, admin, auditor))
    assert str(error.message) == "1 user has this role: give them another role first."
    session.rollback()
    users_service.update_user(session, admin, session.get(User, user.id), role="staff")
    assert service.delete_role(session, admin, role(session, "auditor")) == "Auditor"
    session.commit()
    assert role(session, "auditor") is None
    assert entries(session, auditor.id)[-1].kind == "purge"


# --- the pages ---------------------------------------------------------------------------------------------


def test_only_roles_edit_opens_the_editor_and_staff_see_no_buttons(client, session, make_user):
    staff = make_user(role="staff")
    login(client, staff)
    page = client.get("/admin/roles/").get_data(as_text=True)
    assert "Add role" not in page and "Duplicate" not in page
    for url in ("/admin/roles/new/", f"/admin/roles/edit/?id={role(session, 'staff').id}",
                f"/admin/roles/delete/?id={role(session, 'staff').id}"):
        refused = client.get(url)
        assert refused.status_code == 403 and "Create, edit and delete roles" in refused.get_data(as_text=True)


def test_create_from_a_duplicate_edit_and_delete_through_the_pages(client, session, admin, make_user):
    login(client, admin)
    editor = role(session, "editor")
    form = client.get(f"/admin/roles/new/?copy={editor.id}").get_data(as_text=True)
    assert 'value="Copy of Editor"' in form and 'value="customers.edit" id="permission-customers.edit" checked' in form
    assert 'value="portal.access"' not in form  # the customer admin's alone
    created = client.post(f"/admin/roles/new/?copy={editor.id}", data={
        "csrf_token": csrf_token_from(form), "name": "Senior editor", "description": "Editors who delete",
        "permissions": sorted(editor.permissions | {"customers.delete"}),
    })
    assert created.status_code == 302
    senior = role(session, "senior-editor")
    assert senior.permissions == editor.permissions | {"customers.delete"}
    page = client.get("/admin/roles/").get_data(as_text=True)
    assert "Role Senior editor was created." in page and "Editors who delete" in page

    form = client.get(f"/admin/roles/edit/?id={senior.id}").get_data(as_text=True)
    saved = client.post(f"/admin/roles/edit/?id={senior.id}", data={
        "csrf_token": csrf_token_from(form), "name": "Senior editors", "description": "",
        "permissions": ["admin.access", "customers.view", "portal.access"], "version": str(senior.version),
    })
    # (the form offers no portal.access: the choice is refused before the service's own rule is asked)
    assert saved.status_code == 400 and "is not a valid choice" in saved.get_data(as_text=True)
    session.expire_all()
    assert role(session, "senior-editor").name == "Senior editor"  # unchanged

    make_user(role="senior-editor")
    dialog = client.get(f"/admin/roles/delete/?id={senior.id}").get_data(as_text=True)
    assert "1 user has this role: give them another role first." in dialog
    refused = client.post(f"/admin/roles/delete/?id={senior.id}", data={"csrf_token": csrf_token_from(dialog)})
    assert refused.status_code == 400 and role(session, "senior-editor") is not None


def test_two_administrators_editing_one_role_the_second_is_told_and_sees_what_is_stored(client, session, admin):
    auditor = service.create_role(session, admin, name="Auditor", permissions=BASICS)
    session.commit()
    login(client, admin)
    form = client.get(f"/admin/roles/edit/?id={auditor.id}").get_data(as_text=True)
    service.update_role(session, admin, auditor, name="Auditor", description="",
                        permissions=[*BASICS, "audit.view"])  # someone else, meanwhile
    session.commit()
    stale = client.post(f"/admin/roles/edit/?id={auditor.id}", data={
        "csrf_token": csrf_token_from(form), "name": "Auditors", "description": "", "permissions": list(BASICS),
        "version": "1",
    })
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "View the audit log of every change" in text and "Now:" in text
    session.expire_all()
    assert role(session, "auditor").name == "Auditor" and "audit.view" in role(session, "auditor").permissions
