"""lists at scale (issue 12): the users list's default order gets its index

The organizations and users lists' searches use the trigram indexes of 62a8807645c8 (organization name and
org_number_key; user first name, last name and e-mail): no new search index is needed.

Revision ID: b2d4f6a8c0e1
Revises: b2f4a6c8e0d1
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "b2d4f6a8c0e1"
down_revision = "b2f4a6c8e0d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index("ix_user_name", ["last_name", "first_name", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index("ix_user_name")
