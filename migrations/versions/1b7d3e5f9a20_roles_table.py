"""roles in the database (issue 14): role and role_permission, the built-in roles seeded with the permissions
they had in code, and user.role a foreign key to role.code (its check of the five names goes)

Revision ID: 1b7d3e5f9a20
Revises: 9d2b6f4e8a17
Create Date: 2026-12-04 14:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1b7d3e5f9a20'
down_revision = '9d2b6f4e8a17'
branch_labels = None
depends_on = None

# The catalogue as it is at this revision (a later permission comes with a migration widening the check).
PERMISSIONS = [
    'admin.access', 'audit.view', 'customers.change_number', 'customers.create', 'customers.delete',
    'customers.edit', 'customers.export', 'customers.purge', 'customers.share_views', 'customers.upload',
    'customers.view', 'groups.edit', 'groups.view', 'history.delete_any_note', 'history.restore',
    'organizations.create', 'organizations.delete', 'organizations.edit', 'organizations.purge',
    'organizations.view', 'portal.access', 'roles.edit', 'settings.edit', 'users.create', 'users.delete', 'users.edit',
    'users.view',
]
# (code, name, staff, permissions): the fixed roles of models/roles.py at this revision.
BUILT_IN = [
    ('system-admin', 'System administrator', True, [p for p in PERMISSIONS if p != 'portal.access']),
    ('editor', 'Editor', True, [
        'admin.access', 'customers.create', 'customers.edit', 'customers.export', 'customers.share_views',
        'customers.upload', 'customers.view', 'groups.edit', 'groups.view', 'organizations.create',
        'organizations.edit', 'organizations.view', 'users.view']),
    ('staff', 'Staff', True, ['admin.access', 'customers.view', 'groups.view', 'organizations.view', 'users.view']),
    ('customer-admin', 'Customer admin', False, ['portal.access']),
    ('guest', 'Guest', False, []),
]
_ROLE_CHECK = "role IN ('system-admin', 'editor', 'staff', 'customer-admin', 'guest')"
# SQLite can't reflect the user table's indexes on lower(...): dropped before its batch copy, made again after.
# The tables user refers to are not reflected with it (role's case-insensitive unique name is an expression index
# SQLite can't reflect, and SQLAlchemy's warning about it is an error in the tests).
_BATCH = {"reflect_kwargs": {"resolve_fks": False}}
_EXPRESSION_INDEXES = {'ix_user_first_name_prefix': 'first_name', 'ix_user_last_name_prefix': 'last_name'}


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade():
    role = op.create_table('role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('built_in', sa.Boolean(), nullable=False),
    sa.Column('staff', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("code <> '' AND code = lower(code)", name=op.f('ck_role_code_lowercase')),
    sa.CheckConstraint("trim(name) <> ''", name=op.f('ck_role_name_not_empty')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_role_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role')),
    sa.UniqueConstraint('code', name=op.f('uq_role_code'))
    )
    op.create_index('uq_role_name_lower', 'role', [sa.text('lower(name)')], unique=True)
    grant = op.create_table('role_permission',
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('permission', sa.String(length=64), nullable=False),
    sa.CheckConstraint(f"permission IN ({_in(PERMISSIONS)})", name=op.f('ck_role_permission_permission_known')),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_role_permission_role_id_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('role_id', 'permission', name=op.f('pk_role_permission'))
    )
    now = sa.func.now() if op.get_bind().dialect.name == 'postgresql' else sa.text("CURRENT_TIMESTAMP")
    for number, (code, name, staff, permissions) in enumerate(BUILT_IN, start=1):
        op.execute(role.insert().values(id=number, code=code, name=name, description='', built_in=True, staff=staff,
                                        version=1, created_at=now, updated_at=now))
        if permissions:
            op.bulk_insert(grant, [{'role_id': number, 'permission': p} for p in permissions])
    if op.get_bind().dialect.name == 'postgresql':  # (the next id after the seeded ones)
        op.execute("SELECT setval(pg_get_serial_sequence('role', 'id'), (SELECT max(id) FROM role))")

    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        for index in _EXPRESSION_INDEXES:
            op.drop_index(index, table_name='user')
    with op.batch_alter_table('user', schema=None, **_BATCH) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_role_known'), type_='check')
        batch_op.create_foreign_key(batch_op.f('fk_user_role_role'), 'role', ['role'], ['code'], onupdate='CASCADE')
    if sqlite:
        for index, column in _EXPRESSION_INDEXES.items():
            op.create_index(index, 'user', [sa.text(f'lower({column})')])


def downgrade():
    # Users of a role added since can't keep it: they become staff (the role's name is in their history).
    op.execute("UPDATE \"user\" SET role = 'staff' WHERE role NOT IN "
               "('system-admin', 'editor', 'staff', 'customer-admin', 'guest')")
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        for index in _EXPRESSION_INDEXES:
            op.drop_index(index, table_name='user')
    with op.batch_alter_table('user', schema=None, **_BATCH) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_role_role'), type_='foreignkey')
        batch_op.create_check_constraint(batch_op.f('ck_user_role_known'), _ROLE_CHECK)
    if sqlite:
        for index, column in _EXPRESSION_INDEXES.items():
            op.create_index(index, 'user', [sa.text(f'lower({column})')])
    op.drop_table('role_permission')
    op.drop_index('uq_role_name_lower', table_name='role')
    op.drop_table('role')
