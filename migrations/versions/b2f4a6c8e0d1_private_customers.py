"""private customers (issue 11, private): the stored display name (backfilled from the organizations'
names, indexed and trigram-searched), the person contact (is_person, its lowercased e-mail unique among
persons) and "a business customer has an admin unless deleted"

Revision ID: b2f4a6c8e0d1
Revises: f3a9c6e1b2d4
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2f4a6c8e0d1"
down_revision = "f3a9c6e1b2d4"
branch_labels = None
depends_on = None

_ADMIN_NEW = "type <> 'business' OR deleted_at IS NOT NULL OR admin_user_id IS NOT NULL"
_ADMIN_OLD = "deleted_at IS NOT NULL OR admin_user_id IS NOT NULL"


def upgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=200), server_default="", nullable=False))
        batch_op.drop_constraint(batch_op.f("ck_customer_admin_unless_deleted"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_customer_admin_unless_deleted"), _ADMIN_NEW)
    op.execute(
        "UPDATE customer SET display_name = (SELECT organization.name FROM organization"
        " WHERE organization.id = customer.organization_id) WHERE organization_id IS NOT NULL"
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index("ix_customer_display_name", ["display_name"], unique=False)
        batch_op.create_index("ix_customer_display_name_trgm", ["display_name"], unique=False,
                              postgresql_using="gin", postgresql_ops={"display_name": "gin_trgm_ops"})

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_person", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("email_key", sa.String(length=254), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_contact_person_is_primary"), "NOT is_person OR (is_primary AND email_key IS NOT NULL)")
        batch_op.create_index("uq_contact_one_person", ["customer_id"], unique=True,
                              sqlite_where=sa.text("is_person = 1"), postgresql_where=sa.text("is_person = true"))
        batch_op.create_index("uq_contact_person_email", ["email_key"], unique=True,
                              sqlite_where=sa.text("is_person = 1"), postgresql_where=sa.text("is_person = true"))
        batch_op.create_index("ix_contact_email_key_trgm", ["email_key"], unique=False,
                              postgresql_using="gin", postgresql_ops={"email_key": "gin_trgm_ops"})


def downgrade():
    # Private customers have no organization: they can't be kept under the old rules.
    op.execute("DELETE FROM customer WHERE type = 'private'")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_email_key_trgm", postgresql_using="gin",
                            postgresql_ops={"email_key": "gin_trgm_ops"})
        batch_op.drop_index("uq_contact_person_email", sqlite_where=sa.text("is_person = 1"),
                            postgresql_where=sa.text("is_person = true"))
        batch_op.drop_index("uq_contact_one_person", sqlite_where=sa.text("is_person = 1"),
                            postgresql_where=sa.text("is_person = true"))
        batch_op.drop_constraint(batch_op.f("ck_contact_person_is_primary"), type_="check")
        batch_op.drop_column("email_key")
        batch_op.drop_column("is_person")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_display_name_trgm", postgresql_using="gin",
                            postgresql_ops={"display_name": "gin_trgm_ops"})
        batch_op.drop_index("ix_customer_display_name")
        batch_op.drop_constraint(batch_op.f("ck_customer_admin_unless_deleted"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_customer_admin_unless_deleted"), _ADMIN_OLD)
        batch_op.drop_column("display_name")
