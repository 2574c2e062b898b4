"""indexes of learners at risk

The at-risk list of a course reads its unfinished enrollments, the longest idle first,
and the open records of its modules started too long ago. At 182,000 enrollments the
page sorted every learner at risk and its count read every unfinished enrollment's row
and 80,000 open records from the table (about 0.5 s each):

- ``ix_enrollments_course_unfinished``: a course's unfinished enrollments in the list's
  order (idle since, then id), so a page is read in order and stops at its last row. On
  PostgreSQL it also carries the columns the signals and drop-off read, so the count is
  read from the index alone (SQLite reads no column from an index ordered by an
  expression, so its copy carries none);
- ``ix_progress_open_started``: each module's open records by start, with their
  enrollment, read from the index alone ("stalled").

Revision ID: a1c9e5d27b40
Revises: cbcee5670ab4
Create Date: 2026-11-27 21:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1c9e5d27b40'
down_revision = 'cbcee5670ab4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.create_index('ix_progress_open_started', ['module_id', 'started_at', 'enrollment_id'], unique=False,
                              postgresql_where=sa.text('NOT completed'), sqlite_where=sa.text('NOT completed'))
    order = ['course_id', sa.text('coalesce(last_activity_at, enrolled_at)'), 'id']
    if op.get_bind().dialect.name == "postgresql":
        carried = ['enrolled_at', 'last_activity_at', 'completed_count', 'furthest_position']
        op.create_index('ix_enrollments_course_unfinished', 'enrollments', order, postgresql_include=carried,
                        postgresql_where=sa.text('completed_at IS NULL'))
    else:
        op.create_index('ix_enrollments_course_unfinished', 'enrollments', order,
                        sqlite_where=sa.text('completed_at IS NULL'))


def downgrade():
    op.drop_index('ix_enrollments_course_unfinished', 'enrollments')
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_open_started')
