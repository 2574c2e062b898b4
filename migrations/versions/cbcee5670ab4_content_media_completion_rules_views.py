"""content media, completion rules, views

- ``contents``: the types ``audio``, ``image`` and ``text`` (a Markdown lesson, its
  ``body``; its ``url`` is empty), and an uploaded file's ``storage_key``, ``media_type``
  and ``size_bytes``;
- ``courses.thumbnail_key``: an uploaded thumbnail, whose resized copies are named from it;
- ``modules.completion_rule`` (``manual``, ``view``, ``watch``) and ``watch_percent``;
- ``progress.completed_by``: the learner's click or the module's rule;
- ``content_views``: what each learner opened and played of each content.

Revision ID: cbcee5670ab4
Revises: 800abc6aa398
Create Date: 2026-11-27 01:10:10.098965

"""
import sqlalchemy as sa
from alembic import op

import elearn.db_types

# revision identifiers, used by Alembic.
revision = 'cbcee5670ab4'
down_revision = '800abc6aa398'
branch_labels = None
depends_on = None

OLD_TYPES = ("video", "article", "pdf", "link", "quiz")
NEW_TYPES = ("video", "audio", "pdf", "image", "article", "link", "quiz", "text")


def _types(types) -> str:
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def upgrade():
    op.create_table(
        'content_views',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('content_id', sa.Integer(), nullable=False),
        sa.Column('first_viewed_at', elearn.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', elearn.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('played', sa.JSON(), nullable=False),
        sa.Column('played_seconds', sa.Double(), nullable=False),
        sa.Column('duration', sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(['content_id'], ['contents.id'], name=op.f('fk_content_views_content_id_contents'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'],
                                name=op.f('fk_content_views_enrollment_id_enrollments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_views')),
        sa.UniqueConstraint('enrollment_id', 'content_id', name=op.f('uq_content_views_enrollment_id_content_id')),
    )
    op.create_index(op.f('ix_content_views_content_id'), 'content_views', ['content_id'], unique=False)

    with op.batch_alter_table('contents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contents_content_type'), type_='check')
        batch_op.create_check_constraint('content_type', sa.text(_types(NEW_TYPES)))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('storage_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('media_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('size_bytes', sa.BigInteger(), nullable=True))
        batch_op.alter_column('url', existing_type=sa.VARCHAR(length=1000), nullable=True)

    op.add_column('courses', sa.Column('thumbnail_key', sa.String(length=200), nullable=True))

    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion_rule', sa.Enum(
            'manual', 'view', 'watch', name='completion_rule', native_enum=False, create_constraint=True, length=8),
            server_default='manual', nullable=False))
        batch_op.add_column(sa.Column('watch_percent', sa.Integer(), server_default='90', nullable=False))

    # A plain ADD COLUMN (the table is large; SQLite keeps its partial index): the CHECK
    # is added on PostgreSQL, which can add one to an existing table.
    op.add_column('progress', sa.Column('completed_by', sa.String(length=8), server_default='learner',
                                        nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
        op.create_check_constraint('completed_by', 'progress', sa.text("completed_by IN ('learner', 'rule')"))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_progress_completed_by'), 'progress', type_='check')
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.drop_column('completed_by')
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_modules_completion_rule'), type_='check')
        batch_op.drop_column('watch_percent')
        batch_op.drop_column('completion_rule')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('thumbnail_key')
    op.execute("DELETE FROM contents WHERE type IN ('audio', 'image', 'text')")
    with op.batch_alter_table('contents', schema=None) as batch_op:
        batch_op.alter_column('url', existing_type=sa.VARCHAR(length=1000), nullable=False)
        batch_op.drop_column('size_bytes')
        batch_op.drop_column('media_type')
        batch_op.drop_column('storage_key')
        batch_op.drop_column('body')
        batch_op.drop_constraint(op.f('ck_contents_content_type'), type_='check')
        batch_op.create_check_constraint('content_type', sa.text(_types(OLD_TYPES)))
    op.drop_index(op.f('ix_content_views_content_id'), table_name='content_views')
    op.drop_table('content_views')
