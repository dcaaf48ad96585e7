"""The moderation queues: comments of one site by status, with what a moderator needs to decide.

Every queue is read with a keyset cursor on ``(created_at, id)`` over an
index that starts with the status (``ix_comments_queue``) or with the time
(``ix_comments_created``, for "all"), so its first page costs the same
whatever the queue's length, and no query uses OFFSET. What each comment
needs around it (its thread, the comment it answers, its author's history,
its earlier versions) is fetched for the whole page at once: a few queries
per page, never one per comment.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select, tuple_

from comments import errors, sanctions
from comments import reasons as reason_codes
from comments.extensions import db
from comments.models import Author, Comment, CommentRevision, Status, Thread, utcnow

#: The queues, in the order the page lists them, and the status each shows.
QUEUES: dict[str, Status | None] = {
    "pending": Status.PENDING,
    "reported": Status.PENDING,
    "spam": Status.SPAM,
    "approved": Status.APPROVED,
    "rejected": Status.REJECTED,
    "deleted": Status.DELETED,
    "all": None,
}
ORDERS = ("newest", "oldest")
MAX_LIMIT = 100
EXCERPT = 160
# How a held reason code reads in the stored JSON (json.dumps' own spacing).
_REPORTED = '%"code": "reported"%'


@dataclass(frozen=True)
class Filters:
    """What a moderator narrows a queue to; empty strings filter nothing."""

    thread: str = ""
    author: str = ""
    text: str = ""
    comment: int | None = None


@dataclass
class History:
    """An author's record on the site, for the moderator weighing their comment."""

    first_seen: datetime
    approved: int = 0
    rejected: int = 0
    spam: int = 0
    # The sanctions in force against the author or the comment's client, in words.
    sanctions: list[str] = field(default_factory=list)


@dataclass
class Item:
    """One comment in a queue, with its context."""

    comment: Comment
    thread: Thread
    reasons: list[str]
    parent: Comment | None
    history: History
    revisions: list[CommentRevision]


@dataclass
class QueuePage:
    """One page of a queue."""

    name: str
    order: str
    items: list[Item]
    next_cursor: str | None


def bad_query(field_name: str, detail: str) -> errors.CommentsError:
    """Return the error for a queue request this service cannot answer."""
    return errors.CommentsError(detail, errors={field_name: detail})


def encode_cursor(order: str, created_at: datetime, comment_id: int) -> str:
    """Return the cursor to the comments after this one in ``order``."""
    raw = json.dumps([order, created_at.isoformat(), comment_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, order: str) -> tuple[datetime, int]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if (
            not isinstance(values, list)
            or len(values) != 3
            or values[0] != order
            or type(values[2]) is not int
        ):
            raise ValueError(cursor)
        return datetime.fromisoformat(values[1]), values[2]
    except (binascii.Error, TypeError, ValueError) as exc:
        raise bad_query("cursor", "The cursor is not one this page handed out.") from exc


def is_reported() -> ColumnElement[bool]:
    """Return the condition for comments held because readers reported them."""
    return cast(Comment.hold_reasons, String).like(_REPORTED)


def _listing(site_id: int, name: str, filters: Filters) -> Select[Any]:
    threads = select(Thread.id).where(Thread.site_id == site_id)
    if filters.thread:
        threads = threads.where(
            or_(
                Thread.key == filters.thread,
                Thread.title.icontains(filters.thread, autoescape=True),
            )
        )
    # Without a thread filter, "+ 0" keeps the planner off the thread indexes
    # (which would sort the whole site): it walks a queue index in order.
    on_site = Comment.thread_id if filters.thread else Comment.thread_id + 0
    query = select(Comment).where(on_site.in_(threads))
    status = QUEUES[name]
    if status is not None:
        query = query.where(Comment.status == status)
    if name == "reported":
        query = query.where(is_reported())
    if filters.author:
        by_email = select(Author.id).where(
            Author.site_id == site_id, Author.email.icontains(filters.author, autoescape=True)
        )
        query = query.where(
            or_(
                Comment.author_name.icontains(filters.author, autoescape=True),
                Comment.author_id.in_(by_email),
            )
        )
    if filters.text:
        query = query.where(Comment.body.icontains(filters.text, autoescape=True))
    if filters.comment is not None:
        query = query.where(Comment.id == filters.comment)
    return query


def list_queue(
    site_id: int,
    name: str,
    *,
    filters: Filters = Filters(),  # noqa: B008  (frozen: safe to share)
    order: str = "newest",
    cursor: str | None = None,
    limit: int = 20,
) -> QueuePage:
    """Return one page of a site's queue ``name``, newest or oldest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_query("limit", f"A page holds 1 to {MAX_LIMIT} comments.")
    query = listing_query(site_id, name, filters=filters, order=order, cursor=cursor)
    rows = list(db.session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(order, rows[-1].created_at, rows[-1].id) if more else None
    return QueuePage(name, order, _with_context(rows), next_cursor)


def listing_query(
    site_id: int,
    name: str,
    *,
    filters: Filters = Filters(),  # noqa: B008
    order: str = "newest",
    cursor: str | None = None,
) -> Select[Any]:
    """Return the ordered query of a queue's comments from ``cursor`` on (no limit yet)."""
    if name not in QUEUES:
        raise errors.NotFound(f"There is no queue called {name!r}.")
    if order not in ORDERS:
        raise bad_query("order", "The order must be newest or oldest.")
    query = _listing(site_id, name, filters)
    key = tuple_(Comment.created_at, Comment.id)
    if cursor:
        bound = tuple_(*_decode(cursor, order))
        query = query.where(key < bound if order == "newest" else key > bound)
    if order == "newest":
        query = query.order_by(Comment.created_at.desc(), Comment.id.desc())
    else:
        query = query.order_by(Comment.created_at.asc(), Comment.id.asc())
    return query


def _with_context(comments: list[Comment]) -> list[Item]:
    if not comments:
        return []
    ids = [c.id for c in comments]
    threads = {
        t.id: t
        for t in db.session.scalars(
            select(Thread).where(Thread.id.in_({c.thread_id for c in comments}))
        )
    }
    parent_ids = {c.parent_id for c in comments if c.parent_id is not None}
    parents = (
        {p.id: p for p in db.session.scalars(select(Comment).where(Comment.id.in_(parent_ids)))}
        if parent_ids
        else {}
    )
    histories = _histories(comments)
    revisions: dict[int, list[CommentRevision]] = {}
    for revision in db.session.scalars(
        select(CommentRevision)
        .where(CommentRevision.comment_id.in_(ids))
        .order_by(CommentRevision.id.desc())
    ):
        revisions.setdefault(revision.comment_id, []).append(revision)
    return [
        Item(
            comment=c,
            thread=threads[c.thread_id],
            reasons=[reason_codes.describe(r) for r in c.hold_reasons or []],
            parent=parents.get(c.parent_id) if c.parent_id is not None else None,
            history=histories[c.author_id],
            revisions=revisions.get(c.id, []),
        )
        for c in comments
    ]


def _histories(comments: list[Comment]) -> dict[int, History]:
    """Return each author's history on their site (authors belong to one site)."""
    histories = {c.author_id: History(first_seen=c.author.created_at) for c in comments}
    rows = db.session.execute(
        select(Comment.author_id, Comment.status, func.count(Comment.id))
        .where(Comment.author_id.in_(histories))
        .group_by(Comment.author_id, Comment.status)
    )
    for author_id, status, count in rows:
        history = histories[author_id]
        if status == Status.APPROVED:
            history.approved = count
        elif status == Status.REJECTED:
            history.rejected = count
        elif status == Status.SPAM:
            history.spam = count
    now = utcnow()
    clients: dict[int, list[str | None]] = {}
    for comment in comments:
        clients.setdefault(comment.author_id, []).append(comment.client_key)
    for comment in {c.author_id: c for c in comments}.values():
        targets = sanctions.targets_of(comment.author, clients[comment.author_id])
        found = sanctions.active(comment.author.site_id, targets, now)
        histories[comment.author_id].sanctions = [sanctions.describe(s) for s in found]
    return histories


def excerpt(comment: Comment, length: int = EXCERPT) -> str:
    """Return the start of a comment's text, for showing what a reply answers."""
    text = " ".join(comment.body.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
