"""only assigned (issue 14, seed 001): the permissions customers.view_assigned and customers.edit_assigned, and the
built-in role technician (views and edits the customers assigned to them, and may upload)

Revision ID: b7e2f4a6c8d0
Revises: 8a3d5c7e9b14
Create Date: 2026-12-04 21:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2f4a6c8d0'
down_revision = '8a3d5c7e9b14'
branch_labels = None
depends_on = None

_OLD = [
    'admin.access', 'audit.view', 'customers.archive', 'customers.assign', 'customers.change_number',
    'customers.create', 'customers.delete', 'customers.edit', 'customers.export', 'customers.purge',
    'customers.share_views', 'customers.upload', 'customers.view', 'groups.edit', 'groups.view',
    'history.delete_any_note', 'history.restore', 'organizations.create', 'organizations.delete',
    'organizations.edit', 'organizations.purge', 'organizations.view', 'portal.access', 'roles.edit',
    'settings.edit', 'users.create', 'users.delete', 'users.edit', 'users.view',
]
_NEW = sorted([*_OLD, 'customers.view_assigned', 'customers.edit_assigned'])
_TECHNICIAN = ['admin.access', 'customers.edit_assigned', 'customers.upload', 'customers.view_assigned']
# (as 4c8e2a6d1f93: SQLite recreates the table without reflecting role, whose expression index it cannot read)
_BATCH = {"reflect_kwargs": {"resolve_fks": False}}


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _check(values) -> None:
    with op.batch_alter_table("role_permission", schema=None, **_BATCH) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_permission_permission_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_permission_permission_known'),
                                         f"permission IN ({_in(values)})")


def upgrade():
    _check(_NEW)
    bind = op.get_bind()
    now = "now()" if bind.dialect.name == 'postgresql' else "CURRENT_TIMESTAMP"
    taken = bind.execute(sa.text("SELECT id FROM role WHERE code = 'technician'")).scalar()
    if taken is None:  # (a role of one's own made before with that code keeps it)
        op.execute("INSERT INTO role (code, name, description, built_in, staff, version, created_at, updated_at) "
                   f"VALUES ('technician', 'Technician', '', {'true' if bind.dialect.name == 'postgresql' else 1}, "
                   f"{'true' if bind.dialect.name == 'postgresql' else 1}, 1, {now}, {now})")
        op.execute("INSERT INTO role_permission (role_id, permission) SELECT role.id, p.permission FROM role, ("
                   + " UNION ALL ".join(f"SELECT '{p}' AS permission" for p in _TECHNICIAN)
                   + ") AS p WHERE role.code = 'technician'")


def downgrade():
    op.execute("UPDATE \"user\" SET role = 'staff' WHERE role = 'technician'")
    op.execute("DELETE FROM role_permission WHERE role_id IN (SELECT id FROM role WHERE code = 'technician' AND built_in)")
    op.execute("DELETE FROM role WHERE code = 'technician' AND built_in")
    op.execute("DELETE FROM role_permission WHERE permission IN ('customers.view_assigned', 'customers.edit_assigned')")
    _check(_OLD)
