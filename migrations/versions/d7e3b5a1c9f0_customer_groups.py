"""customer groups with inherited settings: the groups, their members, the customer's own settings and
the register defaults (issue 11, first part)

Revision ID: d7e3b5a1c9f0
Revises: d5e9f3a4b7c8
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d7e3b5a1c9f0"
down_revision = "d5e9f3a4b7c8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("automatic_settlement", sa.Boolean(), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("trim(name) <> ''", name=op.f("ck_customer_group_name_not_empty")),
        sa.CheckConstraint("priority >= 1", name=op.f("ck_customer_group_priority_positive")),
        sa.CheckConstraint("payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND 365",
                           name=op.f("ck_customer_group_payment_terms_range")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"],
                                name=op.f("fk_customer_group_updated_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_group")),
        sa.UniqueConstraint("name", name=op.f("uq_customer_group_name")),
        sa.UniqueConstraint("priority", name=op.f("uq_customer_group_priority")),
    )
    op.create_table(
        "customer_group_member",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"],
                                name=op.f("fk_customer_group_member_customer_id_customer"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["customer_group.id"],
                                name=op.f("fk_customer_group_member_group_id_customer_group"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id", "group_id", name=op.f("pk_customer_group_member")),
    )
    with op.batch_alter_table("customer_group_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_group_member_group_id"), ["group_id"], unique=False)
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("automatic_settlement", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("payment_terms_days", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_customer_payment_terms_range"), "payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND 365")
    with op.batch_alter_table("register_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("automatic_settlement", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("payment_terms_days", sa.Integer(), server_default="30", nullable=False))
        batch_op.create_check_constraint(batch_op.f("ck_register_settings_payment_terms_range"),
                                        "payment_terms_days BETWEEN 0 AND 365")


def downgrade():
    with op.batch_alter_table("register_settings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_register_settings_payment_terms_range"), type_="check")
        batch_op.drop_column("payment_terms_days")
        batch_op.drop_column("automatic_settlement")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_customer_payment_terms_range"), type_="check")
        batch_op.drop_column("payment_terms_days")
        batch_op.drop_column("automatic_settlement")
    with op.batch_alter_table("customer_group_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_group_member_group_id"))
    op.drop_table("customer_group_member")
    op.drop_table("customer_group")
