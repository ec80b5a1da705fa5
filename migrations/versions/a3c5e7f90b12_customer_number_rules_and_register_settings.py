"""customer-number rules and the customers' register settings (issue 10): length bounds, automatic
numbering and its counter, the number in the display name, show language, show cost center, view service
and work-order items

Revision ID: a3c5e7f90b12
Revises: 8c78397d11ce
Create Date: 2026-12-02 02:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c5e7f90b12'
down_revision = '8c78397d11ce'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('register_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_number_min_length', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('customer_number_max_length', sa.Integer(), server_default='64', nullable=False))
        batch_op.add_column(sa.Column('auto_customer_number', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('last_customer_number', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('number_in_display_name', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('show_language', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('show_cost_center', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('view_service_items', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('view_work_order_items', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(
            batch_op.f('ck_register_settings_customer_number_lengths'),
            'customer_number_min_length >= 1 AND customer_number_min_length <= customer_number_max_length'
            ' AND customer_number_max_length <= 64',
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_register_settings_last_customer_number_positive'), 'last_customer_number >= 0'
        )


def downgrade():
    with op.batch_alter_table('register_settings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_register_settings_last_customer_number_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_register_settings_customer_number_lengths'), type_='check')
        for name in ('view_work_order_items', 'view_service_items', 'show_cost_center', 'show_language',
                     'number_in_display_name', 'last_customer_number', 'auto_customer_number',
                     'customer_number_max_length', 'customer_number_min_length'):
            batch_op.drop_column(name)
