"""saved views of the customers list: a name for its search, filters and sort, private or shared
(issue 11, saved views)

Revision ID: f3a9c2e7b5d1
Revises: d7e3b5a1c9f0
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3a9c2e7b5d1"
down_revision = "d7e3b5a1c9f0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("trim(name) <> ''", name=op.f("ck_saved_view_name_not_empty")),
        sa.CheckConstraint("name_key <> ''", name=op.f("ck_saved_view_name_key_not_empty")),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_saved_view_owner_id_user"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"], name=op.f("fk_saved_view_updated_by_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
        sa.UniqueConstraint("owner_id", "name_key", name="uq_saved_view_owner_name"),
    )
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.create_index("uq_saved_view_shared_name", ["name_key"], unique=True,
                              sqlite_where=sa.text("shared = 1"), postgresql_where=sa.text("shared = true"))


def downgrade():
    with op.batch_alter_table("saved_view", schema=None) as batch_op:
        batch_op.drop_index("uq_saved_view_shared_name", sqlite_where=sa.text("shared = 1"),
                            postgresql_where=sa.text("shared = true"))
    op.drop_table("saved_view")
