"""The one way a comment's status changes.

:func:`set_status` places a new comment (visible or held) and moves an
existing one between ``pending``, ``approved``, ``rejected``, ``spam`` and
``deleted``. In the caller's unit of work it keeps right what depends on the
status: the thread's visible count and last activity, the reply counts of the
comment's parent and root, the reasons it is held, and (through the session
hook in ``versions``) the thread's version, so cached pages are never stale.
The moderation desk extends it with the audit log and the outbox.

Setting ``Comment.status`` anywhere else raises: the model refuses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import bindparam, case, event, func, select, update

from comments import reasons as reason_codes
from comments.extensions import db
from comments.models import Comment, Status, Thread

_CHANGING: ContextVar[bool] = ContextVar("comments_changing_status", default=False)


@contextmanager
def _changing() -> Iterator[None]:
    token = _CHANGING.set(True)
    try:
        yield
    finally:
        _CHANGING.reset(token)


@event.listens_for(Comment.status, "set", propagate=True)
def _only_through_set_status(_target: Any, value: Any, _old: Any, _initiator: Any) -> None:
    if not _CHANGING.get():
        raise RuntimeError("a comment's status changes only through moderation.set_status()")


def is_visible(status: str | None) -> bool:
    """Tell whether readers see a comment in this status."""
    return status == Status.APPROVED


def set_status(
    comment: Comment, status: Status, *, reasons: list[reason_codes.Reason] | None = None
) -> bool:
    """Give ``comment`` its (first or next) status; return whether anything changed.

    ``reasons`` says why a ``pending`` comment is held; a comment leaving
    ``pending`` keeps its reasons for the record. Never commits.
    """
    status = Status(status)
    old = comment.status
    if old == status and reasons is None:
        return False
    with _changing():
        comment.status = status
    if reasons is not None:
        comment.hold_reasons = list(reasons)
    if comment not in db.session:
        db.session.add(comment)
    db.session.flush()
    if is_visible(old) != is_visible(status):
        _count_visible(comment, +1 if is_visible(status) else -1)
    return old != status


# Built once: these run on every post, inside the write lock.
_APPEARED = (
    update(Thread)
    .where(Thread.id == bindparam("tid"))
    .values(
        comment_count=Thread.comment_count + 1,
        last_comment_at=case(
            (Thread.last_comment_at.is_(None), bindparam("at")),
            (Thread.last_comment_at < bindparam("at_again"), bindparam("at_third")),
            else_=Thread.last_comment_at,
        ),
    )
)
_NEWEST_VISIBLE = (
    select(func.max(Comment.created_at))
    .where(Comment.thread_id == bindparam("tid_inner"), Comment.status == Status.APPROVED)
    .scalar_subquery()
)
_WENT = (
    update(Thread)
    .where(Thread.id == bindparam("tid"))
    .values(comment_count=Thread.comment_count - 1, last_comment_at=_NEWEST_VISIBLE)
)
_COUNT_ANCESTORS = (
    update(Comment)
    .where(Comment.id.in_([bindparam("parent"), bindparam("root")]))
    .values(
        reply_count=Comment.reply_count
        + case((Comment.id == bindparam("parent_again"), bindparam("d_reply")), else_=0),
        descendant_count=Comment.descendant_count
        + case((Comment.id == bindparam("root_again"), bindparam("d_desc")), else_=0),
    )
)


def _count_visible(comment: Comment, delta: int) -> None:
    """Move the visible-comment counters when ``comment`` appears (+1) or goes (-1).

    Counters change with ``x = x + delta`` in SQL so that concurrent writers
    on PostgreSQL never lose an update. The parent and the root are often the
    same row, so one statement serves both.
    """
    connection = db.session.connection()
    if delta > 0:
        at = comment.created_at
        connection.execute(
            _APPEARED, {"tid": comment.thread_id, "at": at, "at_again": at, "at_third": at}
        )
    else:
        connection.execute(_WENT, {"tid": comment.thread_id, "tid_inner": comment.thread_id})
    if comment.parent_id is not None and comment.root_id is not None:
        connection.execute(
            _COUNT_ANCESTORS,
            {
                "parent": comment.parent_id,
                "root": comment.root_id,
                "parent_again": comment.parent_id,
                "root_again": comment.root_id,
                "d_reply": delta,
                "d_desc": delta,
            },
        )
