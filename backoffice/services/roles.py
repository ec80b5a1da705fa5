"""The roles and what each may do (issue 14): read by the roles page, which shows every role's permissions to
everyone who may open the users register, so staff can see why they can't do something.

The roles are still the fixed ones of models/roles.py; ``role_table`` is what the page reads, so the roles
editor that follows can change where they come from without the page changing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from backoffice.models import User
from backoffice.models.roles import ROLE_LABELS, ROLES, Permission, by_area


@dataclass
class RoleColumn:
    code: str
    label: object
    users: int  # active and deactivated users who have the role
    permissions: frozenset[str]


@dataclass
class RoleTable:
    roles: list[RoleColumn]
    areas: list[tuple[str, object, list[Permission]]]  # (area, its label, its permissions)


def role_table(session) -> RoleTable:
    counts = dict(session.execute(select(User.role, func.count()).group_by(User.role)).all())
    roles = [RoleColumn(code=code, label=label, users=counts.get(code, 0), permissions=ROLES[code])
             for code, label in ROLE_LABELS.items()]
    return RoleTable(roles=roles, areas=by_area())
