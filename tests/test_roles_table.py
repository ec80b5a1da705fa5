"""Roles in the database (issue 14): the migration seeded the built-in roles with the permissions they had in
code, what a user may do is read from the role table at each request, a role of one's own can be given in the
users register, and the database refuses an unknown role or permission and the deletion of a role in use."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from backoffice.models import Role, RolePermission, User
from backoffice.models.roles import ROLES, can
from backoffice.services import roles as roles_service
from tests.conftest import csrf_token_from, login

NEW_CUSTOMER = "/admin/customers/new/?type=private"


def role(session, code: str) -> Role:
    return session.scalar(select(Role).where(Role.code == code))


def test_the_built_in_roles_grant_what_they_granted_in_code(session):
    for code, permissions in ROLES.items():
        found = role(session, code)
        assert found is not None and found.built_in and found.permissions == permissions, code
    assert [r.code for r in roles_service.staff_roles(session)] == ["system-admin", "editor", "staff", "technician"]


def test_a_permission_granted_or_taken_in_the_table_applies_at_the_next_request(client, session, make_user):
    staff = make_user(role="staff")
    login(client, staff)
    assert client.get(NEW_CUSTOMER).status_code == 403
    staff_role = role(session, "staff")
    staff_role.grants.append(RolePermission(permission="customers.create"))
    session.commit()
    assert client.get(NEW_CUSTOMER).status_code == 200  # no sign-out needed
    session.execute(delete(RolePermission).where(RolePermission.role_id == staff_role.id,
                                                 RolePermission.permission == "customers.create"))
    session.commit()
    assert client.get(NEW_CUSTOMER).status_code == 403
    assert not can(session.get(User, staff.id), "customers.create")


def test_a_role_of_ones_own_is_offered_and_given_in_the_users_register(client, session, make_user, admin):
    technician = Role(code="fieldworker", name="Fieldworker", description="Field service", staff=True)
    technician.grants = [RolePermission(permission=p) for p in ("admin.access", "customers.view")]
    session.add(technician)
    session.commit()
    user = make_user(role="staff", email="tove@example.com")
    login(client, admin)
    form = client.get(f"/admin/users/edit/?id={user.id}").get_data(as_text=True)
    assert '<option value="fieldworker">Fieldworker</option>' in form
    response = client.post(f"/admin/users/edit/?id={user.id}", data={
        "csrf_token": csrf_token_from(form), "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "language": "en", "role": "fieldworker", "active": "y", "version": str(user.version),
        "timezone": user.timezone,
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    changed = session.get(User, user.id)
    assert changed.role == "fieldworker" and can(changed, "customers.view") and not can(changed, "customers.edit")
    assert "Fieldworker" in client.get("/admin/users/").get_data(as_text=True)
    # and the roles table shows it beside the built-in ones
    assert 'data-role="fieldworker">Fieldworker' in client.get("/admin/roles/").get_data(as_text=True)


def test_an_unknown_role_is_refused_beside_the_field(client, session, make_user, admin):
    user = make_user(role="staff")
    login(client, admin)
    form = client.get(f"/admin/users/edit/?id={user.id}").get_data(as_text=True)
    response = client.post(f"/admin/users/edit/?id={user.id}", data={
        "csrf_token": csrf_token_from(form), "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "language": "en", "role": "overlord", "active": "y", "version": str(user.version),
        "timezone": user.timezone,
    })
    assert response.status_code in (200, 400) and "Not a valid choice" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user.id).role == "staff"


@pytest.mark.parametrize("case", ["unknown role", "unknown permission", "role in use"])
def test_the_database_refuses_what_the_roles_depend_on(session, make_user, case):
    user = make_user(role="staff")
    with pytest.raises(IntegrityError):
        if case == "unknown role":
            session.get(User, user.id).role = "overlord"
        elif case == "unknown permission":
            session.add(RolePermission(role_id=role(session, "staff").id, permission="everything.everywhere"))
        else:
            session.delete(role(session, "staff"))
        session.flush()
    session.rollback()
