"""Repairs an operator runs from the command line: re-render stored HTML, recount.

Each function does one batch or one thread of work in the caller's unit of
work, so a command can commit as it goes (keeping SQLite's write lock short
while readers and writers go on) and a rerun picks up where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from comments import database, errors, markup, moderation, sites, versions
from comments.extensions import db
from comments.models import Comment, Status, Thread


@dataclass
class Rerendered:
    """What one batch of re-rendering did."""

    last_id: int
    seen: int = 0
    changed: int = 0
    kept: list[tuple[int, str]] = field(default_factory=list)


def rerender_batch(after_id: int, size: int) -> Rerendered | None:
    """Rebuild the stored HTML of the next ``size`` comments after ``after_id``.

    Returns None when no comment is left. A comment whose Markdown the current
    policy refuses keeps its old HTML and is reported in ``kept``.
    """
    database.writing()
    rows = list(
        db.session.scalars(
            select(Comment).where(Comment.id > after_id).order_by(Comment.id).limit(size)
        )
    )
    if not rows:
        return None
    result = Rerendered(last_id=rows[-1].id)
    for comment in rows:
        result.seen += 1
        try:
            html = markup.render(comment.body)
        except errors.MarkupRefused as exc:
            result.kept.append((comment.id, exc.detail))
            continue
        if html != comment.html or comment.markup_version != markup.POLICY_VERSION:
            comment.html = html  # the session hook moves the thread's version
            comment.markup_version = markup.POLICY_VERSION
            result.changed += 1
    db.session.flush()
    return result


def thread_ids(site_slug: str | None = None) -> list[int]:
    """Return the ids of every thread, or of one site's threads, in order."""
    query = select(Thread.id).order_by(Thread.id)
    if site_slug is not None:
        query = query.where(Thread.site_id == sites.get_site(site_slug).id)
    return list(db.session.scalars(query))


def recount_thread(thread_id: int) -> bool:
    """Rebuild a thread's counters from its rows; return whether any was wrong.

    The thread's visible count and last activity, and every comment's shown
    direct replies and (for roots) shown replies in the whole subtree, where
    shown is visible or a placeholder (see ``moderation.is_shown``).
    Idempotent: a second run changes nothing. When something was wrong, the
    thread's version moves so cached pages are rebuilt.
    """
    database.writing()
    session = db.session
    visible = Comment.status == Status.APPROVED
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise errors.NotFound("That thread does not exist.")
    count, newest = session.execute(
        select(func.count(Comment.id), func.max(Comment.created_at)).where(
            Comment.thread_id == thread_id, visible
        )
    ).one()
    changed = False
    if thread.comment_count != count or thread.last_comment_at != newest:
        thread.comment_count, thread.last_comment_at = count, newest
        changed = True
    for comment_id, replies, descendants in _shown_counts(thread_id):
        session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(reply_count=replies, descendant_count=descendants)
            .execution_options(synchronize_session=False)
        )
        changed = True
    session.flush()
    if changed:
        versions.touch(session(), [thread_id])
    return changed


def _shown_counts(thread_id: int) -> list[tuple[int, int, int]]:
    """Return ``(id, reply_count, descendant_count)`` for each comment whose counters are wrong.

    Deepest comments first, so each comment knows whether its replies are
    shown (a placeholder is shown only while a reply under it is).
    """
    rows = db.session.execute(
        select(
            Comment.id,
            Comment.parent_id,
            Comment.root_id,
            Comment.depth,
            Comment.status,
            Comment.reply_count,
            Comment.descendant_count,
        ).where(Comment.thread_id == thread_id)
    ).all()
    replies: dict[int, int] = {}
    descendants: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: -r.depth):
        if moderation.is_shown(row.status, replies.get(row.id, 0)) and row.parent_id:
            replies[row.parent_id] = replies.get(row.parent_id, 0) + 1
            if row.root_id is not None:
                descendants[row.root_id] = descendants.get(row.root_id, 0) + 1
    return [
        (row.id, replies.get(row.id, 0), descendants.get(row.id, 0))
        for row in rows
        if (row.reply_count, row.descendant_count)
        != (replies.get(row.id, 0), descendants.get(row.id, 0))
    ]
