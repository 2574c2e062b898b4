"""course at-risk setting

Adds ``courses.at_risk_after_days``: the days of silence after which a learner of the
course is at risk (14 unless the instructor chooses).

Revision ID: b5d1c0a7e2f4
Revises: e7093e0611a6
Create Date: 2026-11-26 19:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5d1c0a7e2f4'
down_revision = 'e7093e0611a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at_risk_after_days', sa.Integer(), server_default='14', nullable=False))


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('at_risk_after_days')
