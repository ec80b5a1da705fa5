"""the permission customers.archive (issue 14, seed 004's Archive): setting a customer active or inactive, apart
from Edit; granted to every role that could edit customers, so nobody loses what they could do

Revision ID: 8a3d5c7e9b14
Revises: 4c8e2a6d1f93
Create Date: 2026-12-04 21:10:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8a3d5c7e9b14'
down_revision = '4c8e2a6d1f93'
branch_labels = None
depends_on = None

_OLD = [
    'admin.access', 'audit.view', 'customers.assign', 'customers.change_number', 'customers.create',
    'customers.delete', 'customers.edit', 'customers.export', 'customers.purge', 'customers.share_views',
    'customers.upload', 'customers.view', 'groups.edit', 'groups.view', 'history.delete_any_note',
    'history.restore', 'organizations.create', 'organizations.delete', 'organizations.edit',
    'organizations.purge', 'organizations.view', 'portal.access', 'roles.edit', 'settings.edit', 'users.create',
    'users.delete', 'users.edit', 'users.view',
]
_NEW = sorted([*_OLD, 'customers.archive'])
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
    op.execute("INSERT INTO role_permission (role_id, permission) SELECT role_id, 'customers.archive' "
               "FROM role_permission WHERE permission = 'customers.edit'")


def downgrade():
    op.execute("DELETE FROM role_permission WHERE permission = 'customers.archive'")
    _check(_OLD)
