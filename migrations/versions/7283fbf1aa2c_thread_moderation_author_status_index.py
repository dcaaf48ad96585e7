"""a thread's own moderation mode; an index for counting an author's approved comments

Revision ID: 7283fbf1aa2c
Revises: feb432b4c867
Create Date: 2026-12-01 17:24:55.931291

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7283fbf1aa2c'
down_revision = 'feb432b4c867'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_author_status', ['author_id', 'status'], unique=False)

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('moderation')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_author_status')
