"""search words of one or two letters (issue 12): prefix indexes

pg_trgm needs three characters; a search word of one or two matches the start of a column
(services/matching.py): ``lower(col) LIKE 'ek%'`` on PostgreSQL, served by these indexes with
``text_pattern_ops`` (a range scan whatever the database's collation); on SQLite plain indexes, which the
prefix written as a range uses. Declared on the models with models/base.prefix_index.

Revision ID: c3e5a7b9d1f3
Revises: c4e6a8b0d2f3
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "c3e5a7b9d1f3"
down_revision = "c4e6a8b0d2f3"
branch_labels = None
depends_on = None

# (index, table, expression): lower() of a name; a column stored lowercased or as a key as it is.
INDEXES = (
    ("ix_customer_display_name_prefix", "customer", "lower(display_name)"),
    ("ix_customer_customer_number_prefix", "customer", "customer_number"),
    ("ix_contact_email_key_prefix", "contact", "email_key"),
    ("ix_organization_name_prefix", "organization", "lower(name)"),
    ("ix_user_first_name_prefix", "user", "lower(first_name)"),
    ("ix_user_last_name_prefix", "user", "lower(last_name)"),
    ("ix_user_email_prefix", "user", "email"),
)


def upgrade():
    ops = " text_pattern_ops" if op.get_bind().dialect.name == "postgresql" else ""
    for name, table, expression in INDEXES:
        op.execute(f'CREATE INDEX {name} ON "{table}" ({expression}{ops})')


def downgrade():
    for name, _table, _expression in reversed(INDEXES):
        op.execute(f"DROP INDEX {name}")
