"""customer fields: payment method and location group (issue 11, fields): the location_group table
(unique name), customer.payment_method (a check listing the codes) and customer.location_group_id
(FK, RESTRICT), each indexed for the customers list's filters

Revision ID: f3a9c6e1b2d4
Revises: f3a9c2e7b5d1
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3a9c6e1b2d4"
down_revision = "f3a9c2e7b5d1"
branch_labels = None
depends_on = None

PAYMENT_METHODS = "'invoice', 'e_invoice', 'direct_debit', 'card'"


def upgrade():
    op.create_table(
        "location_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("trim(name) <> ''", name=op.f("ck_location_group_name_not_empty")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"],
                                name=op.f("fk_location_group_updated_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location_group")),
        sa.UniqueConstraint("name", name=op.f("uq_location_group_name")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("location_group_id", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_customer_payment_method_known"),
            f"payment_method IS NULL OR payment_method IN ({PAYMENT_METHODS})")
        batch_op.create_foreign_key(batch_op.f("fk_customer_location_group_id_location_group"),
                                    "location_group", ["location_group_id"], ["id"], ondelete="RESTRICT")
        batch_op.create_index("ix_customer_payment_method", ["payment_method"], unique=False)
        batch_op.create_index("ix_customer_location_group_id", ["location_group_id"], unique=False)


def downgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_location_group_id")
        batch_op.drop_index("ix_customer_payment_method")
        batch_op.drop_constraint(batch_op.f("fk_customer_location_group_id_location_group"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_customer_payment_method_known"), type_="check")
        batch_op.drop_column("location_group_id")
        batch_op.drop_column("payment_method")
    op.drop_table("location_group")
