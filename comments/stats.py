"""What a site's dashboard shows: queue sizes, comments per day, busy threads, reported authors.

Each figure is one aggregate query over one site, bounded by the site (and,
for the per-day and top lists, by the last days asked for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, text

from comments import reasons
from comments.extensions import db
from comments.models import Author, Comment, Status, Thread, utcnow

#: The reason code of a comment held by reader reports (``reasons`` words it).
REPORTED = reasons.REPORTED


@dataclass(frozen=True)
class QueueSizes:
    """How many comments of a site wait, and how many there are in each status."""

    by_status: dict[str, int]
    reported: int
    threads: int

    @property
    def pending(self) -> int:
        return self.by_status.get(Status.PENDING.value, 0)

    @property
    def spam(self) -> int:
        return self.by_status.get(Status.SPAM.value, 0)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class ActiveThread:
    """A thread and how many comments it received in the period."""

    id: int
    title: str
    url: str | None
    recent: int
    visible: int


@dataclass(frozen=True)
class ReportedAuthor:
    """An author and how many reports their comments of the period drew."""

    id: int
    name: str
    kind: str
    reports: int
    comments: int


def has_reason(code: str) -> ColumnElement[bool]:
    """Return a condition true for comments held with the reason ``code``."""
    if db.session.get_bind().dialect.name == "postgresql":
        clause = text(
            "CAST(comments.hold_reasons AS jsonb) @> jsonb_build_array(jsonb_build_object('code', "
            "CAST(:reason_code AS text)))"
        )
    else:
        clause = text(
            "EXISTS (SELECT 1 FROM json_each(comments.hold_reasons) AS held "
            "WHERE json_extract(held.value, '$.code') = :reason_code)"
        )
    return clause.bindparams(reason_code=code)  # type: ignore[return-value]


def queue_sizes(site_id: int) -> QueueSizes:
    """Return the site's comments by status, the reported ones among the pending, and threads."""
    rows = db.session.execute(
        select(Comment.status, func.count(Comment.id))
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Thread.site_id == site_id)
        .group_by(Comment.status)
    )
    by_status = {str(status): count for status, count in rows}
    reported = db.session.scalar(
        select(func.count(Comment.id))
        .join(Thread, Thread.id == Comment.thread_id)
        .where(
            Thread.site_id == site_id,
            Comment.status == Status.PENDING,
            has_reason(REPORTED),
        )
    )
    threads = db.session.scalar(select(func.count(Thread.id)).where(Thread.site_id == site_id))
    return QueueSizes(by_status=by_status, reported=reported or 0, threads=threads or 0)


def period(days: int, *, today: date | None = None) -> list[date]:
    """Return the last ``days`` days, oldest first, ending today (UTC)."""
    last = today or utcnow().date()
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]


def _start(days: list[date]) -> datetime:
    return datetime.combine(days[0], time())


def per_day(site_id: int, days: list[date]) -> list[tuple[date, int]]:
    """Return how many comments the site received on each of ``days`` (any status)."""
    day = func.date(Comment.created_at)
    rows = db.session.execute(
        select(day, func.count(Comment.id))
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Thread.site_id == site_id, Comment.created_at >= _start(days))
        .group_by(day)
    )
    # SQLite answers a string, PostgreSQL a date: key both by the ISO day.
    counts = {str(value)[:10]: count for value, count in rows}
    return [(d, counts.get(d.isoformat(), 0)) for d in days]


def active_threads(site_id: int, days: list[date], *, limit: int = 10) -> list[ActiveThread]:
    """Return the threads that received the most comments in ``days``."""
    recent = func.count(Comment.id)
    rows = db.session.execute(
        select(Thread.id, Thread.title, Thread.key, Thread.url, Thread.comment_count, recent)
        .join(Comment, Comment.thread_id == Thread.id)
        .where(Thread.site_id == site_id, Comment.created_at >= _start(days))
        .group_by(Thread.id, Thread.title, Thread.key, Thread.url, Thread.comment_count)
        .order_by(recent.desc(), Thread.id.desc())
        .limit(limit)
    )
    return [
        ActiveThread(id=i, title=title or key, url=url, recent=n, visible=visible)
        for i, title, key, url, visible, n in rows
    ]


def most_reported(site_id: int, days: list[date], *, limit: int = 10) -> list[ReportedAuthor]:
    """Return the authors whose comments of ``days`` drew the most reader reports."""
    reports = func.sum(Comment.flag_count)
    rows: Any = db.session.execute(
        select(Author.id, Author.name, Author.kind, reports, func.count(Comment.id))
        .join(Comment, Comment.author_id == Author.id)
        .where(Author.site_id == site_id, Comment.created_at >= _start(days))
        .group_by(Author.id, Author.name, Author.kind)
        .having(reports > 0)
        .order_by(reports.desc(), Author.id)
        .limit(limit)
    )
    return [
        ReportedAuthor(id=i, name=name, kind=kind, reports=int(n), comments=c)
        for i, name, kind, n, c in rows
    ]
