"""xAPI outbox

Adds ``xapi_outbox``: the statements waiting to go to the Learning Record Store, written
in the same transaction as the progress change or badge they come from (only while
``XAPI_LRS_URL`` is set), sent in id order; a partial index holds the backlog.

Revision ID: 392b7430ed43
Revises: 75494beb7a47
Create Date: 2026-11-27 00:13:28.675900

"""
import sqlalchemy as sa
from alembic import op

import elearn.db_types

# revision identifiers, used by Alembic.
revision = '392b7430ed43'
down_revision = '75494beb7a47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('xapi_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.Enum('event', 'badge', name='xapi_source', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('source_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('queued_at', elearn.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', elearn.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('sent_at', elearn.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', elearn.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_xapi_outbox_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_outbox'))
    )
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xapi_outbox_failed_at'), ['failed_at'], unique=False)
        batch_op.create_index('ix_xapi_outbox_sent', ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_outbox_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_xapi_outbox_waiting', ['id'], unique=False, postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL AND failed_at IS NULL'))



def downgrade():
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_outbox_waiting', postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL AND failed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_xapi_outbox_user_id'))
        batch_op.drop_index('ix_xapi_outbox_sent')
        batch_op.drop_index(batch_op.f('ix_xapi_outbox_failed_at'))

    op.drop_table('xapi_outbox')
