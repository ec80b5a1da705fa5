"""customer links: two-way links between customers (one row per unordered pair)

Revision ID: b7c1e2d3f4a5
Revises: ed0fad4816fa
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7c1e2d3f4a5"
down_revision = "ed0fad4816fa"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_customer_id", sa.Integer(), nullable=False),
        sa.Column("high_customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_customer_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("low_customer_id < high_customer_id", name=op.f("ck_customer_link_ordered_pair")),
        sa.CheckConstraint("kind IN ('parent', 'partner', 'other')", name=op.f("ck_customer_link_kind_known")),
        sa.CheckConstraint(
            "(kind = 'parent' AND parent_customer_id IS NOT NULL"
            " AND parent_customer_id IN (low_customer_id, high_customer_id))"
            " OR (kind <> 'parent' AND parent_customer_id IS NULL)",
            name=op.f("ck_customer_link_parent_is_one_side"),
        ),
        sa.CheckConstraint("kind = 'other' OR note IS NULL", name=op.f("ck_customer_link_note_only_other")),
        sa.ForeignKeyConstraint(["low_customer_id"], ["customer.id"],
                                name=op.f("fk_customer_link_low_customer_id_customer"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["high_customer_id"], ["customer.id"],
                                name=op.f("fk_customer_link_high_customer_id_customer"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_link")),
        sa.UniqueConstraint("low_customer_id", "high_customer_id", name="uq_customer_link_pair"),
    )
    with op.batch_alter_table("customer_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_link_high_customer_id"), ["high_customer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("customer_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_link_high_customer_id"))
    op.drop_table("customer_link")
