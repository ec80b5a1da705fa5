"""assigned users (issue 14): customer_assignment (a customer's assigned users, one row per pair) and the
permission customers.assign, granted to the system administrator and editor roles

Revision ID: 4c8e2a6d1f93
Revises: 1b7d3e5f9a20
Create Date: 2026-12-04 21:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c8e2a6d1f93'
down_revision = '1b7d3e5f9a20'
branch_labels = None
depends_on = None

_OLD = [
    'admin.access', 'audit.view', 'customers.change_number', 'customers.create', 'customers.delete',
    'customers.edit', 'customers.export', 'customers.purge', 'customers.share_views', 'customers.upload',
    'customers.view', 'groups.edit', 'groups.view', 'history.delete_any_note', 'history.restore',
    'organizations.create', 'organizations.delete', 'organizations.edit', 'organizations.purge',
    'organizations.view', 'portal.access', 'roles.edit', 'settings.edit', 'users.create', 'users.delete',
    'users.edit', 'users.view',
]
_NEW = sorted([*_OLD, 'customers.assign'])
# (SQLite recreates the table without reflecting role, whose expression index it cannot read)
_BATCH = {"reflect_kwargs": {"resolve_fks": False}}
_GRANTED_TO = ('system-admin', 'editor')


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _check(values) -> None:
    with op.batch_alter_table("role_permission", schema=None, **_BATCH) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_permission_permission_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_permission_permission_known'),
                                         f"permission IN ({_in(values)})")


def upgrade():
    op.create_table('customer_assignment',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_assignment_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_customer_assignment_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'user_id', name=op.f('pk_customer_assignment'))
    )
    op.create_index('ix_customer_assignment_user_customer', 'customer_assignment', ['user_id', 'customer_id'],
                    unique=False)
    _check(_NEW)
    op.execute("INSERT INTO role_permission (role_id, permission) SELECT id, 'customers.assign' FROM role "
               f"WHERE code IN ({_in(_GRANTED_TO)})")


def downgrade():
    op.execute("DELETE FROM role_permission WHERE permission = 'customers.assign'")
    _check(_OLD)
    op.drop_index('ix_customer_assignment_user_customer', table_name='customer_assignment')
    op.drop_table('customer_assignment')
