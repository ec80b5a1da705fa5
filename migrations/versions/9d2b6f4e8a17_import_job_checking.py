"""import jobs: the dry run on the background queue (issue 13): state "checking"

Revision ID: 9d2b6f4e8a17
Revises: 7c1e4b9a2d60
Create Date: 2026-12-04 13:30:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d2b6f4e8a17'
down_revision = '7c1e4b9a2d60'
branch_labels = None
depends_on = None

_NEW = "state IN ('checking', 'checked', 'queued', 'running', 'done', 'failed')"
_OLD = "state IN ('checked', 'queued', 'running', 'done', 'failed')"
# (as 7c1e4b9a2d60: SQLite recreates the table without reflecting the user table it refers to)
_BATCH = {"reflect_kwargs": {"resolve_fks": False}}


def upgrade():
    with op.batch_alter_table('import_job', schema=None, **_BATCH) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_import_job_state_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_import_job_state_known'), _NEW)


def downgrade():
    # A file still being checked when the code goes back has no report: it is failed, to be uploaded again.
    op.execute("UPDATE import_job SET state = 'failed', error = 'Stopped by a downgrade.' WHERE state = 'checking'")
    with op.batch_alter_table('import_job', schema=None, **_BATCH) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_import_job_state_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_import_job_state_known'), _OLD)
