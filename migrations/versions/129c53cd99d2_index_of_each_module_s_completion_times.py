"""index of each module's completion times

A partial index of the completed records' completion times per module: the at-risk
baseline (each module's 80th percentile) reads it alone, in order.

Revision ID: 129c53cd99d2
Revises: 0fb98347b122
Create Date: 2026-11-26 22:04:50.079655

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '129c53cd99d2'
down_revision = '0fb98347b122'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.create_index('ix_progress_module_completion_seconds', ['module_id', 'completion_seconds'], unique=False, postgresql_where=sa.text('completed AND completion_seconds IS NOT NULL'), sqlite_where=sa.text('completed AND completion_seconds IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_module_completion_seconds', postgresql_where=sa.text('completed AND completion_seconds IS NOT NULL'), sqlite_where=sa.text('completed AND completion_seconds IS NOT NULL'))

