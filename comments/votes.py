"""Readers' votes: one per reader per comment, tallied on the comment, ranked by confidence.

A vote changes the comment's tallies (``votes_up``, ``votes_down``, ``score``)
and its ``confidence``, the lower bound of the Wilson score interval at 95 %
of the share of up votes, which the ``top`` sort ranks by: a comment with 40
up and 2 down ranks above one with 3 up and none down, which a plain
difference or share would get wrong.

Votes are frequent, so they do not move the thread's ``version`` (which
would make every cached page stale at once). They move its
``tally_version`` instead, and a cached page is rebuilt for new tallies at
most once per ``VOTE_TALLY_TTL`` seconds (see ``comments/api/cache.py``).
The voter sees their own vote at once, from the widget and from ``/me``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from comments import database, errors, readers, site_settings, sites
from comments.extensions import db
from comments.models import Comment, Site, Status, Thread, Vote

# z for a two-sided 95 % interval.
_Z = 1.959963984540054
SCALE = 1_000_000


def confidence(up: int, down: int) -> int:
    """Return the Wilson lower bound (95 %) of ``up`` among ``up + down`` votes, in millionths."""
    n = up + down
    if n <= 0:
        return 0
    p = up / n
    z2 = _Z * _Z
    centre = p + z2 / (2 * n)
    spread = _Z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return max(0, int((centre - spread) / (1 + z2 / n) * SCALE))


@dataclass(frozen=True)
class Voted:
    """A comment's tallies after a vote, and the reader's vote as it now stands."""

    comment_id: int
    value: int
    up: int
    down: int
    score: int
    changed: bool


def vote(
    comment_id: int,
    value: int,
    reader: readers.Reader,
    auth: readers.Auth,
    *,
    now: datetime,
    origin: str | None = None,
    admit: Callable[[], None] | None = None,
) -> Voted:
    """Record one reader's vote (1, -1, or 0 to take it back) in the caller's unit of work.

    ``admit`` counts a vote that changes something against the limits, or raises.
    """
    if value not in (-1, 0, 1):
        raise errors.ValidationFailed(
            "A vote is 1, -1 or 0.", errors={"value": "must be 1, -1 or 0"}
        )
    database.writing()
    comment, thread, site = _votable(comment_id)
    if origin is not None and not sites.allows_origin(site, origin):
        raise errors.Forbidden(
            "This page is not allowed to vote on comments of this site.", code="origin_refused"
        )
    known = readers.resolve(site, reader, auth, now)
    readers.refuse_guest(site, known)
    site_settings.refuse_if_closed(site, thread)
    author = readers.author_of(site, known.user, auth.secret) if known.user else None
    if author is not None and author.id is None:
        db.session.flush()
    key = readers.voter(known, author)
    if key is None:
        raise errors.CommentsError(
            "Your browser did not say who votes (the X-Comments-Reader header is missing).",
            code="reader_missing",
        )
    own = (author is not None and comment.author_id == author.id) or (
        known.reader_key is not None and comment.reader_key == known.reader_key
    )
    if own:
        raise errors.Forbidden("You cannot vote on your own comment.", code="own_comment")
    existing = db.session.scalar(
        select(Vote).where(Vote.comment_id == comment.id, Vote.voter == key)
    )
    before = existing.value if existing is not None else 0
    if before == value:
        return _tallied(comment, value, changed=False)
    if admit is not None:
        admit()
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    Vote(comment_id=comment.id, thread_id=thread.id, voter=key, value=value)
                )
        except IntegrityError:  # the same reader, a moment earlier, in another request
            return _tallied(comment, value, changed=False)
    elif value == 0:
        db.session.delete(existing)
    else:
        existing.value = value
    _apply(comment, before, value)
    return _tallied(comment, value, changed=True)


def _votable(comment_id: int) -> tuple[Comment, Thread, Site]:
    comment = database.find(Comment, comment_id)
    thread = db.session.get(Thread, comment.thread_id) if comment is not None else None
    site = db.session.get(Site, thread.site_id) if thread is not None else None
    if comment is None or comment.status != Status.APPROVED or thread is None or site is None:
        raise errors.NotFound("That comment does not exist (any more).")
    return comment, thread, site


def _apply(comment: Comment, before: int, after: int) -> None:
    """Move the comment's tallies from one vote to another, by statements that add."""
    up = (after == 1) - (before == 1)
    down = (after == -1) - (before == -1)
    connection = db.session.connection()
    # Adding in the statement keeps concurrent votes on PostgreSQL from losing
    # one another; the row stays locked until the unit of work ends.
    row = connection.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(
            votes_up=Comment.votes_up + up,
            votes_down=Comment.votes_down + down,
            score=Comment.score + up - down,
        )
        .returning(Comment.votes_up, Comment.votes_down)
    ).one()
    rank = confidence(row[0], row[1])
    connection.execute(update(Comment).where(Comment.id == comment.id).values(confidence=rank))
    # Not ``version``: see the module's docstring.
    connection.execute(
        update(Thread)
        .where(Thread.id == comment.thread_id)
        .values(tally_version=Thread.tally_version + 1)
    )
    db.session.expire(comment, ["votes_up", "votes_down", "score", "confidence"])


def _tallied(comment: Comment, value: int, *, changed: bool) -> Voted:
    return Voted(comment.id, value, comment.votes_up, comment.votes_down, comment.score, changed)
