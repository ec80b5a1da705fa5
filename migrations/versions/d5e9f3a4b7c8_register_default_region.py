"""register settings: default_region, the country of phone numbers written without "+" (Sweden to start)

Revision ID: d5e9f3a4b7c8
Revises: c4d8e1f2a3b6
"""
from alembic import op
import sqlalchemy as sa

revision = "d5e9f3a4b7c8"
down_revision = "c4d8e1f2a3b6"
branch_labels = None
depends_on = None

REGION_CHECK = (
    "default_region IS NOT NULL AND (default_region IS NULL OR (length(default_region) = 2"
    " AND upper(default_region) = default_region AND substr(default_region, 1, 1) BETWEEN 'A' AND 'Z'"
    " AND substr(default_region, 2, 1) BETWEEN 'A' AND 'Z'))"
)


def upgrade():
    with op.batch_alter_table("register_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_region", sa.String(length=2), server_default="SE", nullable=False))
        batch_op.create_check_constraint("ck_register_settings_default_region_code", REGION_CHECK)


def downgrade():
    with op.batch_alter_table("register_settings", schema=None) as batch_op:
        batch_op.drop_constraint("ck_register_settings_default_region_code", type_="check")
        batch_op.drop_column("default_region")
