"""progress counters per module, each enrollment's furthest module, recent-activity index

Revision ID: 67d738af3654
Revises: c858d3d52261
Create Date: 2026-11-26 15:47:47.320641

Adds ``module_stats`` (per-module counters in 8 slots), ``enrollments.furthest_position``
and ``progress.completion_seconds``, fills them from the existing records, and adds the
index of the instructor's default student order (PostgreSQL: ``DESC NULLS LAST``).
"""
import sqlalchemy as sa
from alembic import op

import elearn.db_types  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '67d738af3654'
down_revision = 'c858d3d52261'
branch_labels = None
depends_on = None

SLOTS = 8  # elearn.progress.models.MODULE_STAT_SLOTS when this migration was written


def upgrade():
    op.create_table('module_stats',
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('started_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completed_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completion_seconds', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_stats_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('module_id', 'slot', name=op.f('pk_module_stats'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('furthest_position', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion_seconds', sa.Integer(), nullable=True))

    postgresql = op.get_bind().dialect.name == "postgresql"
    seconds = ("CAST(EXTRACT(EPOCH FROM (completed_at - started_at)) AS INTEGER)" if postgresql else
               "CAST((julianday(completed_at) - julianday(started_at)) * 86400.0 AS INTEGER)")
    op.execute(f"UPDATE progress SET completion_seconds = {seconds} WHERE completed")
    op.execute(
        "UPDATE enrollments SET furthest_position = (SELECT coalesce(max(m.position), 0) FROM progress p "
        "JOIN modules m ON m.id = p.module_id WHERE p.enrollment_id = enrollments.id AND p.completed)")
    op.execute(
        "INSERT INTO module_stats (module_id, slot, started_count, completed_count, completion_seconds) "
        f"SELECT module_id, enrollment_id % {SLOTS}, count(*), "
        "sum(CASE WHEN completed THEN 1 ELSE 0 END), coalesce(sum(CASE WHEN completed THEN completion_seconds END), 0) "
        f"FROM progress GROUP BY module_id, enrollment_id % {SLOTS}")

    if postgresql:
        op.create_index('ix_enrollments_course_recent', 'enrollments',
                        ['course_id', sa.text('last_activity_at DESC NULLS LAST'), 'id'])
    else:
        op.create_index('ix_enrollments_course_recent_sqlite', 'enrollments',
                        ['course_id', sa.text('last_activity_at DESC'), 'id'])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_enrollments_course_recent', 'enrollments')
    else:
        op.drop_index('ix_enrollments_course_recent_sqlite', 'enrollments')
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.drop_column('completion_seconds')

    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('furthest_position')

    op.drop_table('module_stats')
