"""Repairs an operator runs from the command line: re-render stored HTML, recount.

Each function does one batch or one thread of work in the caller's unit of
work, so a command can commit as it goes (keeping SQLite's write lock short
while readers and writers go on) and a rerun picks up where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased

from comments import database, errors, markup, sites, versions
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

    The thread's visible count and last activity, and every comment's visible
    direct replies and (for roots) visible replies in the whole subtree.
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
    other = aliased(Comment)
    for column, link in (
        (Comment.reply_count, other.parent_id),
        (Comment.descendant_count, other.root_id),
    ):
        actual = (
            select(func.count(other.id))
            .where(link == Comment.id, other.status == Status.APPROVED)
            .scalar_subquery()
        )
        result = session.execute(
            update(Comment)
            .where(Comment.thread_id == thread_id, column != actual)
            .values({column.key: actual})
            .execution_options(synchronize_session=False)
        )
        changed = changed or bool(result.rowcount)  # type: ignore[attr-defined]
    session.flush()
    if changed:
        versions.touch(session(), [thread_id])
    return changed


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
    other = aliased(Comment)
    for column, link in (
        (Comment.reply_count, other.parent_id),
        (Comment.descendant_count, other.root_id),
    ):
        actual = (
            select(func.count(other.id))
            .where(link == Comment.id, other.status == Status.APPROVED)
            .scalar_subquery()
        )
        where = (Comment.thread_id.in_(ids), column != actual)
        off_threads = set(session.scalars(select(Comment.thread_id).where(*where).distinct()))
        if off_threads:
            session.execute(
                update(Comment)
                .where(*where)
                .values({column.key: actual})
                .execution_options(synchronize_session=False)
            )
            wrong |= off_threads
    if wrong:
        versions.touch(session(), wrong)
    return wrong
