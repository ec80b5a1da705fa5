"""import jobs on the background queue (issue 13): states "queued" and "running", when each began

Revision ID: 7c1e4b9a2d60
Revises: 215df9ac7bb5
Create Date: 2026-12-04 10:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e4b9a2d60'
down_revision = '215df9ac7bb5'
branch_labels = None
depends_on = None

_NEW = "state IN ('checked', 'queued', 'running', 'done', 'failed')"
_OLD = "state IN ('checked', 'done', 'failed')"
# SQLite recreates the table; its foreign key's table (user) is not reflected with it (SQLite can't reflect that
# table's expression indexes, and SQLAlchemy's warning about them is an error in the tests).
_BATCH = {"reflect_kwargs": {"resolve_fks": False}}


def upgrade():
    with op.batch_alter_table('import_job', schema=None, **_BATCH) as batch_op:
        batch_op.add_column(sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_import_job_state_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_import_job_state_known'), _NEW)


def downgrade():
    # A job still waiting or running when the code goes back can't be told apart: it did not import.
    op.execute("UPDATE import_job SET state = 'failed', error = 'Stopped by a downgrade.' "
               "WHERE state IN ('queued', 'running')")
    with op.batch_alter_table('import_job', schema=None, **_BATCH) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_import_job_state_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_import_job_state_known'), _OLD)
        batch_op.drop_column('started_at')
        batch_op.drop_column('queued_at')
