"""imports: where imported comments came from, upload jobs, a comment's source format

Revision ID: a385d041e78b
Revises: 6f2e69e5cf58
Create Date: 2026-12-01 20:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a385d041e78b'
down_revision = '6f2e69e5cf58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('body_format', sa.String(length=16), server_default='markdown', nullable=False)
        )
    op.create_table(
        'imported_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('external_id', sa.String(length=100), nullable=False),
        sa.Column('parent_external', sa.String(length=100), nullable=True),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_imported_comments_comment_id_comments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_imported_comments_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_comments')),
        sa.UniqueConstraint('site_id', 'source', 'external_id', name='uq_imported_comments_external'),
    )
    op.create_index('ix_imported_comments_comment', 'imported_comments', ['comment_id'], unique=False)
    op.create_table(
        'import_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=16), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('path', sa.String(length=1000), nullable=False),
        sa.Column('status', sa.Enum('pending', 'running', 'done', 'failed', name='job_status', native_enum=False, create_constraint=True, length=16), nullable=False),
        sa.Column('requested_by', sa.String(length=254), nullable=False),
        sa.Column('moderator_id', sa.Integer(), nullable=True),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_import_jobs_moderator_id_moderators'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_import_jobs_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs')),
    )
    op.create_index('ix_import_jobs_status', 'import_jobs', ['status', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_import_jobs_status', table_name='import_jobs')
    op.drop_table('import_jobs')
    op.drop_index('ix_imported_comments_comment', table_name='imported_comments')
    op.drop_table('imported_comments')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('body_format')
