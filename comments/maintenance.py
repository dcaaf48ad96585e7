"""Repairs an operator runs from the command line: re-render stored HTML, recount.

Each function does one batch or one thread of work in the caller's unit of
work, so a command can commit as it goes (keeping SQLite's write lock short
while readers and writers go on) and a rerun picks up where it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

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
    policy refuses keeps its old HTML and is reported in ``kept``. Imported
    HTML (``body_format`` "html") is sanitized again as HTML, never read as Markdown.
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
            html = markup.render_source(comment.body, comment.body_format)
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


_COUNTER_COLUMNS = (
    Comment.id,
    Comment.thread_id,
    Comment.parent_id,
    Comment.root_id,
    Comment.depth,
    Comment.status,
    Comment.reply_count,
    Comment.descendant_count,
)


def _shown_counts(thread_id: int) -> list[tuple[int, int, int]]:
    """Return ``(id, reply_count, descendant_count)`` for each comment whose counters are wrong."""
    rows = db.session.execute(select(*_COUNTER_COLUMNS).where(Comment.thread_id == thread_id)).all()
    return _wrong_counters(rows)


def _wrong_counters(rows: Sequence[Any]) -> list[tuple[int, int, int]]:
    """Return the corrected counters of the comments of ``rows`` (one or more threads) that are off.

    Deepest comments first, so each comment knows whether its replies are
    shown (a placeholder is shown only while a reply under it is).
    """
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


_SET_COUNTERS = (
    update(Comment)
    .where(Comment.id == bindparam("cid"))
    .values(reply_count=bindparam("replies"), descendant_count=bindparam("descendants"))
)


def recount_threads(thread_ids: list[int]) -> set[int]:
    """Rebuild the counters of many threads at once; return the ids of those that were wrong.

    What :func:`recount_thread` does, in a few set-based statements for all of
    ``thread_ids`` (an import touches thousands of threads). Rows already
    right are not written, so a second run changes nothing and moves no
    version; the threads that were wrong get a new version.
    """
    database.writing()
    session = db.session
    ids = sorted(set(thread_ids))
    if not ids:
        return set()
    visible = Comment.status == Status.APPROVED
    count_of = (
        select(func.count(Comment.id)).where(Comment.thread_id == Thread.id, visible)
    ).scalar_subquery()
    newest_of = (
        select(func.max(Comment.created_at)).where(Comment.thread_id == Thread.id, visible)
    ).scalar_subquery()
    off = or_(Thread.comment_count != count_of, Thread.last_comment_at.is_distinct_from(newest_of))
    wrong = set(session.scalars(select(Thread.id).where(Thread.id.in_(ids), off)))
    if wrong:
        session.execute(
            update(Thread)
            .where(Thread.id.in_(sorted(wrong)))
            .values(comment_count=count_of, last_comment_at=newest_of)
            .execution_options(synchronize_session=False)
        )
    # The reply counters follow what is shown, placeholders among it
    # (moderation.is_shown): worked out per thread, read a chunk at a time.
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(select(*_COUNTER_COLUMNS).where(Comment.thread_id.in_(chunk))).all()
        fixes = _wrong_counters(rows)
        if fixes:
            session.connection().execute(
                _SET_COUNTERS,
                [{"cid": c, "replies": r, "descendants": d} for c, r, d in fixes],
            )
            in_thread = {row.id: row.thread_id for row in rows}
            wrong |= {in_thread[c] for c, _r, _d in fixes}
    if wrong:
        versions.touch(session(), wrong)
    return wrong
