"""placeholders: partial indexes of the comments that keep their place for their replies

Revision ID: 6f2e69e5cf58
Revises: 720143e73261
Create Date: 2026-12-01 20:10:00.000000

A comment that is no longer shown but has shown replies stays on the page as
a placeholder. The reply counters now count placeholders too: run
``comments recount`` once after upgrading so that those of existing threads
follow.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f2e69e5cf58'
down_revision = '720143e73261'
branch_labels = None
depends_on = None

PLACEHOLDER = "status <> 'approved' AND reply_count > 0"


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(
            'ix_comments_placeholder_roots', ['thread_id', 'depth', 'created_at', 'id'],
            unique=False, postgresql_where=sa.text(PLACEHOLDER), sqlite_where=sa.text(PLACEHOLDER),
        )
        batch_op.create_index(
            'ix_comments_placeholder_replies', ['root_id', 'id'],
            unique=False, postgresql_where=sa.text(PLACEHOLDER), sqlite_where=sa.text(PLACEHOLDER),
        )


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_placeholder_replies')
        batch_op.drop_index('ix_comments_placeholder_roots')
