"""import uploads

Adds ``import_uploads``: CSV files between their preview and their confirmation (the
page's two steps), kept in the database so any web process can serve either step.

Revision ID: c3f45c98fcd0
Revises: 392b7430ed43
Create Date: 2026-11-27 00:27:16.647109

"""
import sqlalchemy as sa
from alembic import op

import elearn.db_types  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = 'c3f45c98fcd0'
down_revision = '392b7430ed43'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('create_accounts', sa.Boolean(), nullable=False),
    sa.Column('created_at', elearn.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_import_uploads_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_uploads'))
    )
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_uploads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_uploads_owner_id'), ['owner_id'], unique=False)



def downgrade():
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_uploads_owner_id'))
        batch_op.drop_index(batch_op.f('ix_import_uploads_created_at'))

    op.drop_table('import_uploads')
