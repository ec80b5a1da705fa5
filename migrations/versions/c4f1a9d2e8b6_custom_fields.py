"""custom fields of the customer register: their definitions, and the values on the customer (JSON)

Revision ID: c4f1a9d2e8b6
Revises: c4d8e1f2a9b6
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4f1a9d2e8b6"
down_revision = "c4d8e1f2a9b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "custom_field_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("options", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("trim(label) <> ''", name=op.f("ck_custom_field_definition_label_not_empty")),
        sa.CheckConstraint("type IN ('text', 'number', 'date', 'yesno', 'choice')",
                           name=op.f("ck_custom_field_definition_type_known")),
        sa.CheckConstraint("type = 'choice' OR options IS NULL",
                           name=op.f("ck_custom_field_definition_options_only_choice")),
        sa.CheckConstraint("type <> 'yesno' OR NOT required",
                           name=op.f("ck_custom_field_definition_yesno_not_required")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"],
                                name=op.f("fk_custom_field_definition_updated_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_definition")),
        sa.UniqueConstraint("label", name=op.f("uq_custom_field_definition_label")),
    )
    with op.batch_alter_table("custom_field_definition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_field_definition_position"), ["position"], unique=False)
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_values", sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("custom_values")
    with op.batch_alter_table("custom_field_definition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_field_definition_position"))
    op.drop_table("custom_field_definition")
