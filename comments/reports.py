"""Readers' reports: one per reader per comment; enough of them hold the comment.

A reader is known by a keyed hash of their client's address (never the
address itself), or later by their signed-in user id. When a comment's
reports reach the site's ``report_threshold`` it goes back to ``pending``
through :func:`moderation.set_status`, so it leaves the page and the counts
at once, with a ``reported`` reason that tallies what readers said. Once a
moderator has approved it after that, reports are still taken and counted
but never hold it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from comments import database, errors, identity, moderation, readers, sites
from comments import reasons as reason_codes
from comments.extensions import db
from comments.models import MAX_ID, Comment, Report, ReportReason, Site, Status, Thread, utcnow

DEFAULT_THRESHOLD = 3
MAX_NOTE_LENGTH = 300


@dataclass(frozen=True)
class Reported:
    """What became of a report: whether it was new, and whether the comment is now held."""

    comment_id: int
    new: bool
    held: bool


def guest_reporter(secret: str, remote_addr: str | None) -> str:
    """Return who a guest reader is for reports: a keyed hash of the client's address."""
    return "client:" + identity.client_key(secret, remote_addr)


def signed_in_reporter(sub: str) -> str:
    """Return who a signed-in reader is for reports: the site's user id."""
    return "user:" + sub


def report_threshold(site: Site) -> int:
    """Return how many readers' reports hold a comment of the site."""
    value = (site.settings or {}).get("report_threshold", DEFAULT_THRESHOLD)
    return (
        value
        if isinstance(value, int) and not isinstance(value, bool) and value > 0
        else (DEFAULT_THRESHOLD)
    )


def report(
    comment_id: int,
    reason: str,
    *,
    reporter: str,
    note: str | None = None,
    origin: str | None = None,
    reader: readers.Reader | None = None,
    auth: readers.Auth | None = None,
) -> Reported:
    """Record one reader's report of a visible comment in the caller's unit of work.

    A second report by the same reader changes nothing and is answered the
    same way. ``origin`` is the browser's Origin header (None for
    server-to-server calls); a page of another site may not report. A reader
    whose sign-in token holds reports as ``user:<sub>`` instead of ``reporter``.
    """
    try:
        reason = ReportReason(reason)
    except ValueError as exc:
        raise errors.ValidationFailed(
            "Choose why you report this comment.",
            errors={"reason": "must be spam, abuse, off_topic or other"},
        ) from exc
    note = (note or "").strip()[:MAX_NOTE_LENGTH] or None
    database.writing()
    comment, site = _visible_comment(comment_id)
    if origin is not None and not sites.allows_origin(site, origin):
        raise errors.Forbidden(
            "This page is not allowed to report comments of this site.", code="origin_refused"
        )
    if reader is not None and reader.token and auth is not None:
        known = readers.resolve(site, reader, auth, utcnow())
        if known.user is not None:
            reporter = signed_in_reporter(known.user.sub)
    if _has_reported(comment.id, reporter):
        return Reported(comment.id, new=False, held=False)
    try:
        with db.session.begin_nested():
            db.session.add(
                Report(comment_id=comment.id, reporter=reporter, reason=reason, note=note)
            )
    except IntegrityError:  # the same reader, a moment earlier, in another request
        return Reported(comment.id, new=False, held=False)
    comment.flag_count = (comment.flag_count or 0) + 1
    held = comment.reports_cleared_at is None and comment.flag_count >= report_threshold(site)
    if held:
        tallies = _tallies(comment.id)
        moderation.set_status(
            comment,
            Status.PENDING,
            reasons=[
                reason_codes.make(
                    reason_codes.REPORTED, count=sum(tallies.values()), reasons=tallies
                )
            ],
        )
    db.session.flush()
    return Reported(comment.id, new=True, held=held)


def _visible_comment(comment_id: int) -> tuple[Comment, Site]:
    """Return the comment and its site, the comment's row locked, or raise NotFound."""
    comment = None
    if 0 < comment_id <= MAX_ID:
        # Locked (on PostgreSQL) and read afresh: two readers reporting at once
        # then count one after the other, and only one of them holds it.
        comment = db.session.scalar(
            select(Comment)
            .where(Comment.id == comment_id)
            .with_for_update(of=Comment)
            .execution_options(populate_existing=True)
        )
    thread = db.session.get(Thread, comment.thread_id) if comment is not None else None
    site = db.session.get(Site, thread.site_id) if thread is not None else None
    if comment is None or site is None or not moderation.is_visible(comment.status):
        raise errors.NotFound("That comment does not exist (any more).")
    return comment, site


def _has_reported(comment_id: int, reporter: str) -> bool:
    query = select(Report.id).where(Report.comment_id == comment_id, Report.reporter == reporter)
    return db.session.scalar(query.limit(1)) is not None


def _tallies(comment_id: int) -> dict[str, int]:
    """Return how many readers gave each reason, for one comment."""
    rows = db.session.execute(
        select(Report.reason, func.count())
        .where(Report.comment_id == comment_id)
        .group_by(Report.reason)
    )
    return {str(reason): int(n) for reason, n in rows}


@dataclass(frozen=True)
class ReportedComment:
    """A comment held because of reports, with what readers said about it."""

    comment: Comment
    reports: int
    reasons: dict[str, int]
    last_reported_at: datetime
    notes: list[str]


def reported_queue(
    site_ids: list[int] | None = None,
    *,
    limit: int = 50,
    after: tuple[datetime, int] | None = None,
) -> list[ReportedComment]:
    """Return the comments readers' reports hold, newest report first.

    ``site_ids`` limits the queue to the sites a moderator moderates (None:
    all). ``after`` continues from the ``(last_reported_at, comment id)`` of
    the last entry of the previous page. Each entry tallies the reasons and
    carries the readers' notes, newest first.
    """
    last = func.max(Report.created_at).label("last_reported_at")
    latest = (
        select(Report.comment_id, last, func.count().label("reports"))
        .group_by(Report.comment_id)
        .subquery()
    )
    query = (
        select(Comment, latest.c.last_reported_at, latest.c.reports)
        .join(latest, latest.c.comment_id == Comment.id)
        .where(
            Comment.status == Status.PENDING,
            Comment.flag_count > 0,
            Comment.reports_cleared_at.is_(None),
        )
        .order_by(latest.c.last_reported_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    if site_ids is not None:
        query = query.join(Thread, Thread.id == Comment.thread_id).where(
            Thread.site_id.in_(site_ids)
        )
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(
                latest.c.last_reported_at < at,
                and_(latest.c.last_reported_at == at, Comment.id < last_id),
            )
        )
    rows = db.session.execute(query).all()
    details = _details([row[0].id for row in rows])
    return [
        ReportedComment(
            comment=comment,
            reports=int(count),
            reasons=details.get(comment.id, ({}, []))[0],
            last_reported_at=at,
            notes=details.get(comment.id, ({}, []))[1],
        )
        for comment, at, count in rows
    ]


def _details(comment_ids: list[int]) -> dict[int, tuple[dict[str, int], list[str]]]:
    """Return per comment: the reasons' tallies and the notes, newest first."""
    found: dict[int, tuple[dict[str, int], list[str]]] = {}
    if not comment_ids:
        return found
    rows: Any = db.session.execute(
        select(Report.comment_id, Report.reason, Report.note)
        .where(Report.comment_id.in_(comment_ids))
        .order_by(Report.created_at.desc(), Report.id.desc())
    )
    for comment_id, reason, note in rows:
        tallies, notes = found.setdefault(comment_id, ({}, []))
        tallies[str(reason)] = tallies.get(str(reason), 0) + 1
        if note:
            notes.append(note)
    return found
