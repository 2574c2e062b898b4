"""deletion requests

Adds ``deletion_requests``: a user's request to have their account deleted, waiting for an
admin to confirm (the person is anonymised) or reject it, or withdrawn by the user; at most
one waits per user (a partial unique index).

Revision ID: 75494beb7a47
Revises: 8ea75868858f
Create Date: 2026-11-26 22:41:08.904039

"""
import sqlalchemy as sa
from alembic import op

import elearn.db_types

# revision identifiers, used by Alembic.
revision = '75494beb7a47'
down_revision = '8ea75868858f'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_table(
        'deletion_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'confirmed', 'rejected', 'cancelled', name='deletion_request_status',
                                    native_enum=False, create_constraint=True, length=16), nullable=False),
        sa.Column('requested_at', elearn.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('decided_at', elearn.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_deletion_requests_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deletion_requests_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_requests')),
    )
    with op.batch_alter_table('deletion_requests', schema=None) as batch_op:
        batch_op.create_index('ix_deletion_requests_status_requested', ['status', 'requested_at'], unique=False)
        batch_op.create_index('ix_deletion_requests_user_requested', ['user_id', 'requested_at'], unique=False)
        batch_op.create_index('uq_deletion_requests_pending_user', ['user_id'], unique=True,
                              postgresql_where=PENDING, sqlite_where=PENDING)


def downgrade():
    with op.batch_alter_table('deletion_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_deletion_requests_pending_user', postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.drop_index('ix_deletion_requests_user_requested')
        batch_op.drop_index('ix_deletion_requests_status_requested')
    op.drop_table('deletion_requests')
