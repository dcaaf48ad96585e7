"""Keep every thread's ``version`` right without callers having to remember it.

A page of a thread is cached against the thread's version (``api/cache.py``),
so whatever changes what readers see of a thread must move its version in the
same transaction. Rather than trusting every write to call ``touch()``, a
session hook looks at what each flush changed and moves the version of each
thread concerned:

- a comment added, removed, or changed in anything readers see (its text,
  status to or from ``approved``, or any status of a placeholder, whose
  words follow it; pin, the name or website given);
- a thread's own fields (closed, title, url, counts);
- an author's display data (name, website, avatar, badges: what a signed-in
  user's token says of them), for every thread they wrote in.

Vote tallies are the exception: they move the thread's ``tally_version``
instead (``comments.votes``), which lets a cached page be reused for a short
while (``VOTE_TALLY_TTL``) rather than rebuilt on every vote.

Statements that bypass the ORM (bulk ``UPDATE``s) are not seen here; code
that issues them calls :func:`touch` itself. The one exception the other way:
when a comment appears or goes, ``moderation.set_status`` moves the thread's
version in the same ``UPDATE`` that moves its count, and flushes that comment
inside :func:`counted` so that this hook does not move it a second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import Session, UOWTransaction

from comments.models import Author, Comment, Status, Thread

# Columns that readers never see: changing only these leaves pages as they are.
_UNSEEN_COMMENT = frozenset(
    {"remote_addr", "client_key", "hold_reasons", "flag_count", "markup_version", "reader_key"}
    # Tallies: see above.
    | {"votes_up", "votes_down", "score", "confidence"}
)
_UNSEEN_THREAD = frozenset({"version", "tally_version"})
_SEEN_AUTHOR = frozenset({"name", "website", "avatar_url", "avatar_seed", "badges"})


# Built once: it runs on every post.
_TOUCH = (
    update(Thread)
    .where(Thread.id.in_(bindparam("ids", expanding=True)))
    .values(version=Thread.version + 1)
)


def touch(session: Session, thread_ids: Iterable[int]) -> None:
    """Move the version of each thread, so its cached pages are rebuilt."""
    ids = sorted({i for i in thread_ids if i is not None})
    if ids:
        session.connection().execute(_TOUCH, {"ids": ids})


_COUNTED = "comments.versions.counted"


@contextmanager
def counted(session: Session, comment: Comment) -> Iterator[None]:
    """Flush ``comment`` in this block without the hook moving its thread's version.

    For a caller that moves the version itself, right after the flush, in the
    statement it issues anyway (``moderation.set_status``'s counter update).
    Other changes in the same flush still move their threads' versions.
    """
    session.info[_COUNTED] = comment
    try:
        yield
    finally:
        session.info.pop(_COUNTED, None)


def _changed(obj: Any) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _status_seen(obj: Comment) -> bool:
    history: Any = inspect(obj).attrs.status.history
    values = [*history.added, *history.deleted]
    return any(value == Status.APPROVED for value in values)


def _threads_of_comment(obj: Comment, new: bool) -> int | None:
    if new:
        return obj.thread_id if obj.status == Status.APPROVED else None
    changed = _changed(obj) - _UNSEEN_COMMENT
    if not changed:
        return None
    if changed == {"status"} and not _status_seen(obj) and not obj.reply_count:
        # e.g. pending -> rejected: nothing shown changes. With replies shown
        # under it the comment is a placeholder, whose words follow its status
        # ("Comment deleted", "Comment removed").
        return None
    return obj.thread_id


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    threads: set[int] = set()
    authors: set[int] = set()
    counted_comment = session.info.get(_COUNTED)
    for obj in session.new:
        if obj is counted_comment:
            continue
        if isinstance(obj, Comment) and (tid := _threads_of_comment(obj, new=True)):
            threads.add(tid)
    for obj in session.dirty:
        if obj is counted_comment:
            continue
        if isinstance(obj, Comment) and (tid := _threads_of_comment(obj, new=False)):
            threads.add(tid)
        elif isinstance(obj, Thread) and _changed(obj) - _UNSEEN_THREAD:
            threads.add(obj.id)
        elif isinstance(obj, Author) and _changed(obj) & _SEEN_AUTHOR:
            authors.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Comment):
            threads.add(obj.thread_id)
    if authors:
        written_in = select(Comment.thread_id).where(Comment.author_id.in_(authors)).distinct()
        threads.update(session.connection().scalars(written_in))
    touch(session, threads)


event.listen(Session, "after_flush", _after_flush)
