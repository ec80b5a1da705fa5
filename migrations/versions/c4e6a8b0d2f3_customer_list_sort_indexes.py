"""customers list at scale (issue 12): one index per sort, on its keys and the id, for keyset paging

ix_customer_display_name_id (display_name, id) replaces ix_customer_display_name; ix_customer_state_name
((deleted_at IS NOT NULL), status, display_name, id) serves the Status sort (an expression index: the
state is derived from deleted_at and status, no column to keep in step); ix_customer_shared_name
(allow_shared_billing, display_name, id) serves the Allow shared billing accounts sort and replaces
ix_customer_allow_shared_billing.

Revision ID: c4e6a8b0d2f3
Revises: b2d4f6a8c0e1
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "c4e6a8b0d2f3"
down_revision = "b2d4f6a8c0e1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index("ix_customer_display_name_id", ["display_name", "id"], unique=False)
        batch_op.create_index("ix_customer_shared_name", ["allow_shared_billing", "display_name", "id"], unique=False)
        batch_op.drop_index("ix_customer_display_name")
        batch_op.drop_index("ix_customer_allow_shared_billing")
    op.create_index("ix_customer_state_name", "customer",
                    [sa.text("(deleted_at IS NOT NULL)"), "status", "display_name", "id"], unique=False)


def downgrade():
    op.drop_index("ix_customer_state_name", table_name="customer")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index("ix_customer_allow_shared_billing", ["allow_shared_billing"], unique=False)
        batch_op.create_index("ix_customer_display_name", ["display_name"], unique=False)
        batch_op.drop_index("ix_customer_shared_name")
        batch_op.drop_index("ix_customer_display_name_id")
