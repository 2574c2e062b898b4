"""index of badges by time

Adds ``ix_achievements_earned`` (earned_at, id): every badge in time order, for the
platform's xAPI statements (newest first) and a replay's window of days.

Revision ID: 800abc6aa398
Revises: c3f45c98fcd0
Create Date: 2026-11-27 01:00:06.401598

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '800abc6aa398'
down_revision = 'c3f45c98fcd0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index('ix_achievements_earned', ['earned_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index('ix_achievements_earned')
