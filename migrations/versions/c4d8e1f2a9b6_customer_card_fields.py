"""customer card (issue 10): visiting and e-mail addresses, discount letters, the customer's message
language (and the contacts' language widened to the same five), cost center

Revision ID: c4d8e1f2a9b6
Revises: b7c1e2d3f4a5
Create Date: 2026-12-02 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e1f2a9b6'
down_revision = 'b7c1e2d3f4a5'
branch_labels = None
depends_on = None

FIVE = "'en', 'sv', 'nb', 'fi', 'de'"
TWO = "'en', 'sv'"


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('cost_center', sa.String(length=50), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_customer_language_known'), f'language IS NULL OR language IN ({FIVE})'
        )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contact_language_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_contact_language_known'), f'language IS NULL OR language IN ({FIVE})'
        )

    op.create_table(
        'customer_address',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('street', sa.String(length=200), nullable=True),
        sa.Column('post_number', sa.String(length=20), nullable=True),
        sa.Column('city', sa.String(length=100), nullable=True),
        sa.Column('country', sa.String(length=100), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('visiting', 'email')", name=op.f('ck_customer_address_kind_known')),
        sa.CheckConstraint("kind <> 'email' OR (email IS NOT NULL AND email <> '')",
                           name=op.f('ck_customer_address_email_given')),
        sa.CheckConstraint("kind <> 'visiting' OR (coalesce(street, '') <> '' OR coalesce(city, '') <> '')",
                           name=op.f('ck_customer_address_visiting_given')),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_customer_address_customer_id_customer'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_address')),
        sa.UniqueConstraint('customer_id', 'kind', name='uq_customer_address_kind'),
    )
    op.create_table(
        'customer_discount_letter',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.CheckConstraint(
            "length(code) BETWEEN 1 AND 8 AND trim(code, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') = ''",
            name=op.f('ck_customer_discount_letter_code_format'),
        ),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_customer_discount_letter_customer_id_customer'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('customer_id', 'code', name=op.f('pk_customer_discount_letter')),
    )
    with op.batch_alter_table('customer_discount_letter', schema=None) as batch_op:
        batch_op.create_index('ix_customer_discount_letter_code', ['code'], unique=False)


def downgrade():
    with op.batch_alter_table('customer_discount_letter', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_discount_letter_code')
    op.drop_table('customer_discount_letter')
    op.drop_table('customer_address')
    op.execute(f"UPDATE contact SET language = NULL WHERE language NOT IN ({TWO})")
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contact_language_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_contact_language_known'), f'language IS NULL OR language IN ({TWO})'
        )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_customer_language_known'), type_='check')
        batch_op.drop_column('cost_center')
        batch_op.drop_column('language')
