"""status check, reason codes, the author's name and website per comment, last activity

Revision ID: b41c7e2d9a10
Revises: 9dc6a6857bd5
Create Date: 2026-12-01 17:10:00.000000

"""

import json
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b41c7e2d9a10"
down_revision = "9dc6a6857bd5"
branch_labels = None
depends_on = None

STATUSES = ("pending", "approved", "rejected", "spam", "deleted")
_LINKS = re.compile(r"more than (\d+) links")


def _code(reason):
    """Turn a hold reason stored as an English sentence into its code."""
    if isinstance(reason, dict):
        return reason
    match = _LINKS.search(str(reason))
    if match:
        return {"code": "too_many_links", "params": {"limit": int(match.group(1))}}
    return {"code": "premoderated", "params": {}}


def upgrade():
    comments = sa.table(
        "comments",
        sa.column("id", sa.Integer),
        sa.column("author_id", sa.Integer),
        sa.column("hold_reasons", sa.JSON),
        sa.column("author_name", sa.String),
        sa.column("author_website", sa.String),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_name", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("author_website", sa.String(length=500), nullable=True))
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_comment_at", sa.DateTime(), nullable=True))

    connection = op.get_bind()
    # What readers saw until now: the name and website kept on the author.
    connection.execute(
        sa.text(
            "UPDATE comments SET author_name = (SELECT name FROM authors WHERE authors.id = comments.author_id), "
            "author_website = (SELECT website FROM authors WHERE authors.id = comments.author_id)"
        )
    )
    connection.execute(
        sa.text(
            "UPDATE threads SET last_comment_at = (SELECT max(created_at) FROM comments "
            "WHERE comments.thread_id = threads.id AND comments.status = 'approved')"
        )
    )
    rows = connection.execute(sa.select(comments.c.id, comments.c.hold_reasons)).fetchall()
    for comment_id, reasons in rows:
        if isinstance(reasons, str):
            reasons = json.loads(reasons)
        if reasons and any(not isinstance(r, dict) for r in reasons):
            connection.execute(
                comments.update()
                .where(comments.c.id == comment_id)
                .values(hold_reasons=[_code(r) for r in reasons])
            )

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.alter_column("author_name", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_comments_status"),
            sa.text("status IN ({})".format(", ".join(f"'{s}'" for s in STATUSES))),
        )


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_comments_status"), type_="check")
        batch_op.drop_column("author_website")
        batch_op.drop_column("author_name")
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_column("last_comment_at")
