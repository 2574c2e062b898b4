"""active time per module

Adds ``progress.active_seconds`` (heartbeats of an open module page add to it) and
``progress.last_heartbeat_at`` (the latest heartbeat, which caps what the next one adds).

Revision ID: c7e2a9d4b1f3
Revises: b5d1c0a7e2f4
Create Date: 2026-11-26 20:00:00

"""
import sqlalchemy as sa
from alembic import op

import elearn.db_types

# revision identifiers, used by Alembic.
revision = 'c7e2a9d4b1f3'
down_revision = 'b5d1c0a7e2f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_seconds', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_heartbeat_at', elearn.db_types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.drop_column('last_heartbeat_at')
        batch_op.drop_column('active_seconds')
