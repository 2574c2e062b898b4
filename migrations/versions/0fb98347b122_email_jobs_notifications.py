"""outbox, failed jobs, notification preferences

Adds ``outbox_emails`` (every email, keyed so none is written twice), ``failed_jobs`` (the
dead-letter list), ``notification_preferences`` (what each user hears of), the courses'
background count of learners at risk, and ``messages.notice`` (elearn's own notes).

Revision ID: 0fb98347b122
Revises: d4f8b2c6a9e1
Create Date: 2026-11-26 21:23:46.169535

"""
import sqlalchemy as sa
from alembic import op

import elearn.db_types

# revision identifiers, used by Alembic.
revision = '0fb98347b122'
down_revision = 'd4f8b2c6a9e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('failed_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=200), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('failed_at', elearn.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_jobs'))
    )
    with op.batch_alter_table('failed_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_jobs_failed_at'), ['failed_at'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('messages', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('inactivity', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('streaks', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('achievements', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('digests', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('language', sa.String(length=8), server_default='en', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences'))
    )
    op.create_table('outbox_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('unsubscribe_url', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', elearn.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', elearn.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_outbox_emails_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_emails_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_emails')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_emails_key'))
    )
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_emails_created', ['created_at'], unique=False)
        batch_op.create_index('ix_outbox_emails_user_kind_course', ['user_id', 'kind', 'course_id', 'created_at'], unique=False)

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at_risk_count', sa.Integer(), nullable=True))

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('notice')

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('at_risk_count')

    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_emails_user_kind_course')
        batch_op.drop_index('ix_outbox_emails_created')

    op.drop_table('outbox_emails')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('failed_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_jobs_failed_at'))

    op.drop_table('failed_jobs')
