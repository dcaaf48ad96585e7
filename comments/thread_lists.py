"""What the moderation desk lists of threads: a site's threads, and one thread in thread order.

Unlike the read path (``threads``), these show comments in every status, and
they page with keyset cursors too: ``before`` a thread id for the list, after
a root comment for a thread, so the last page costs what the first one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, tuple_

from comments import database, errors
from comments.extensions import db
from comments.models import Comment, CommentRevision, Status, Thread

STATES = ("all", "open", "closed")
#: Replies shown under one root on a thread's page; the rest are counted.
REPLIES_SHOWN = 200


@dataclass
class ThreadRow:
    """One thread in the list, with how many of its comments wait for a moderator."""

    thread: Thread
    held: int


@dataclass
class ThreadList:
    """One page of a site's threads, newest first."""

    rows: list[ThreadRow]
    next_before: int | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_threads(
    site_id: int,
    *,
    search: str = "",
    state: str = "all",
    before: int | None = None,
    limit: int = 50,
) -> ThreadList:
    """Return a page of the site's threads matching ``search`` (key, title or URL), newest first."""
    if state not in STATES:
        raise errors.ValidationFailed("Unknown state.", errors={"state": "all, open or closed"})
    query = select(Thread).where(Thread.site_id == site_id).order_by(Thread.id.desc())
    if search:
        pattern = _like(search.lower())
        query = query.where(
            or_(
                func.lower(Thread.key).like(pattern, escape="\\"),
                func.lower(Thread.title).like(pattern, escape="\\"),
                func.lower(Thread.url).like(pattern, escape="\\"),
            )
        )
    if state != "all":
        query = query.where(Thread.closed.is_(state == "closed"))
    if before is not None:
        query = query.where(Thread.id < before)
    found = list(db.session.scalars(query.limit(limit + 1)))
    page, more = found[:limit], len(found) > limit
    held = dict(
        db.session.execute(
            select(Comment.thread_id, func.count())
            .where(Comment.thread_id.in_([t.id for t in page]), Comment.status == Status.PENDING)
            .group_by(Comment.thread_id)
        ).all()
    )
    rows = [ThreadRow(t, int(held.get(t.id, 0))) for t in page]
    return ThreadList(rows, page[-1].id if more and page else None)


def thread_of_site(site_id: int, thread_id: int) -> Thread:
    """Return the site's thread with this id; one of another site is as good as missing."""
    thread = database.find(Thread, thread_id)
    if thread is None or thread.site_id != site_id:
        raise errors.NotFound(f"There is no thread {thread_id} on this site.")
    return thread


@dataclass
class Entry:
    """A comment in thread order, with how deep it sits."""

    comment: Comment
    depth: int


@dataclass
class ThreadPage:
    """Roots of a thread, oldest first, each followed by its replies in thread order."""

    thread: Thread
    entries: list[Entry]
    next_after: int | None
    hidden_replies: dict[int, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)


def thread_page(thread: Thread, *, after: int | None = None, limit: int = 20) -> ThreadPage:
    """Return a page of a thread's comments in every status, in thread order.

    ``after`` is the id of the last root of the previous page.
    """
    query = (
        select(Comment)
        .where(Comment.thread_id == thread.id, Comment.depth == 0)
        .order_by(Comment.created_at, Comment.id)
    )
    if after is not None:
        last = database.find(Comment, after)
        if last is None or last.thread_id != thread.id or last.depth != 0:
            raise errors.ValidationFailed(
                "The page cursor is not valid.", errors={"after": "is not a root of this thread"}
            )
        query = query.where(
            tuple_(Comment.created_at, Comment.id) > tuple_(last.created_at, last.id)
        )
    found = list(db.session.scalars(query.limit(limit + 1)))
    roots, more = found[:limit], len(found) > limit
    replies = _replies(thread.id, [r.id for r in roots])
    entries: list[Entry] = []
    hidden: dict[int, int] = {}
    for root in roots:
        run = replies.get(root.id, [])
        entries.extend(_in_thread_order(root, run))
        total = (
            db.session.scalar(select(func.count()).where(Comment.root_id == root.id))
            if len(run) >= REPLIES_SHOWN
            else len(run)
        )
        if total and total > len(run):
            hidden[root.id] = int(total) - len(run)
    statuses = dict(
        db.session.execute(
            select(Comment.status, func.count())
            .where(Comment.thread_id == thread.id)
            .group_by(Comment.status)
        ).all()
    )
    return ThreadPage(
        thread,
        entries,
        roots[-1].id if more and roots else None,
        hidden,
        {str(k): int(v) for k, v in statuses.items()},
    )


def _replies(thread_id: int, root_ids: list[int]) -> dict[int, list[Comment]]:
    """Return the first replies under each root, in posting order, bounded per root."""
    if not root_ids:
        return {}
    numbered = (
        select(
            Comment.id,
            func.row_number().over(partition_by=Comment.root_id, order_by=Comment.id).label("n"),
        )
        .where(Comment.thread_id == thread_id, Comment.root_id.in_(root_ids))
        .subquery()
    )
    rows = db.session.scalars(
        select(Comment)
        .join(numbered, numbered.c.id == Comment.id)
        .where(numbered.c.n <= REPLIES_SHOWN)
        .order_by(Comment.id)
    )
    grouped: dict[int, list[Comment]] = {}
    for reply in rows:
        grouped.setdefault(reply.root_id or 0, []).append(reply)
    return grouped


def _in_thread_order(root: Comment, run: list[Comment]) -> list[Entry]:
    """Place a root's replies under their parents, depth first, without recursion."""
    children: dict[int, list[Comment]] = {}
    for reply in run:
        children.setdefault(reply.parent_id or root.id, []).append(reply)
    placed: list[Entry] = []
    stack = [root]
    while stack:
        comment = stack.pop()
        placed.append(Entry(comment, comment.depth))
        stack.extend(reversed(children.get(comment.id, [])))
    return placed


@dataclass
class History:
    """A comment as it is now and the text it had before each edit, newest edit first."""

    comment: Comment
    thread: Thread
    revisions: list[CommentRevision]


def comment_history(site_id: int, comment_id: int) -> History:
    """Return a comment of the site with every earlier version of it, or raise NotFound.

    Both the author's edits and staff edits are kept (``moderation.keep_revision``);
    each revision is the text that edit replaced.
    """
    comment = database.find(Comment, comment_id)
    thread = db.session.get(Thread, comment.thread_id) if comment is not None else None
    if comment is None or thread is None or thread.site_id != site_id:
        raise errors.NotFound(f"There is no comment {comment_id}.")
    revisions = db.session.scalars(
        select(CommentRevision)
        .where(CommentRevision.comment_id == comment.id)
        .order_by(CommentRevision.id.desc())
    )
    return History(comment, thread, list(revisions))
