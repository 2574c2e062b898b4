"""messages and inboxes

Adds ``messages`` (written once) and ``inbox_entries`` (one per recipient, read or not).

Revision ID: d4f8b2c6a9e1
Revises: c7e2a9d4b1f3
Create Date: 2026-11-26 20:10:00

"""
import sqlalchemy as sa
from alembic import op

import elearn.db_types

# revision identifiers, used by Alembic.
revision = 'd4f8b2c6a9e1'
down_revision = 'c7e2a9d4b1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=True),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('reply_to_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('recipient_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', elearn.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reply_to_id'], ['messages.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sender_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_messages_course_created', 'messages', ['course_id', 'created_at'])
    op.create_index('ix_messages_reply_to', 'messages', ['reply_to_id'])
    op.create_index('ix_messages_sender', 'messages', ['sender_id'])
    op.create_table(
        'inbox_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('read_at', elearn.db_types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id', 'user_id'),
    )
    op.create_index('ix_inbox_entries_user_message', 'inbox_entries', ['user_id', 'message_id'])
    op.create_index('ix_inbox_entries_user_unread', 'inbox_entries', ['user_id', 'read_at'])


def downgrade():
    op.drop_index('ix_inbox_entries_user_unread', table_name='inbox_entries')
    op.drop_index('ix_inbox_entries_user_message', table_name='inbox_entries')
    op.drop_table('inbox_entries')
    op.drop_index('ix_messages_sender', table_name='messages')
    op.drop_index('ix_messages_reply_to', table_name='messages')
    op.drop_index('ix_messages_course_created', table_name='messages')
    op.drop_table('messages')
