"""SSO secret rotation, readers' votes, the confidence the top sort ranks by

Revision ID: 720143e73261
Revises: e1ffd8b3af8e
Create Date: 2026-12-01 20:00:00.000000

"""
import math

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '720143e73261'
down_revision = 'e1ffd8b3af8e'
branch_labels = None
depends_on = None


def _confidence(up, down):
    # The same formula as comments.votes.confidence, frozen here as of this revision.
    n = up + down
    if n == 0:
        return 0
    z = 1.959963984540054
    p = up / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return int((centre - spread) / (1 + z * z / n) * 1_000_000)


def upgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_previous_secret', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('sso_rotated_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tally_version', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('confidence', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('reader_key', sa.String(length=32), nullable=True))
        batch_op.drop_index('ix_comments_top')
        batch_op.create_index(
            'ix_comments_top', ['thread_id', 'status', 'depth', 'confidence', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_comments_reader_thread', ['reader_key', 'thread_id'], unique=False
        )
    comments = sa.table(
        'comments', sa.column('id', sa.Integer), sa.column('votes_up', sa.Integer),
        sa.column('votes_down', sa.Integer), sa.column('confidence', sa.Integer),
    )
    connection = op.get_bind()
    voted = sa.select(comments.c.id, comments.c.votes_up, comments.c.votes_down).where(
        (comments.c.votes_up > 0) | (comments.c.votes_down > 0)
    )
    for comment_id, up, down in connection.execute(voted).fetchall():
        connection.execute(
            comments.update().where(comments.c.id == comment_id)
            .values(confidence=_confidence(up or 0, down or 0))
        )
    op.create_table(
        'votes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('voter', sa.String(length=80), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['comment_id'], ['comments.id'], name=op.f('fk_votes_comment_id_comments'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['thread_id'], ['threads.id'], name=op.f('fk_votes_thread_id_threads'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
        sa.UniqueConstraint('comment_id', 'voter', name='uq_votes_comment_voter'),
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index('ix_votes_voter_thread', ['voter', 'thread_id'], unique=False)


def downgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_voter_thread')
    op.drop_table('votes')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_reader_thread')
        batch_op.drop_index('ix_comments_top')
        batch_op.create_index(
            'ix_comments_top', ['thread_id', 'status', 'depth', 'score', 'id'], unique=False
        )
        batch_op.drop_column('reader_key')
        batch_op.drop_column('confidence')
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('tally_version')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('sso_rotated_at')
        batch_op.drop_column('sso_previous_secret')
