"""Feeds: the newest visible comments of a thread, or of a whole site.

What a feed shows is what readers see: visible comments only (no
placeholders, nothing held), newest first, at most ``limit`` of them. Each
feed has a version read in one small query before anything else, so that an
unchanged feed is answered ``304`` without reading a comment: a thread's
page version, or for a site the sum of its threads' versions (every change
readers can see moves one of them up, so the sum only grows) with their
number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from comments import database, errors, sites, threads
from comments.extensions import db
from comments.models import Comment, Site, Status, Thread


@dataclass(frozen=True)
class Feed:
    """A feed's subject and its entries, newest first, each with its thread."""

    site: Site
    thread: Thread | None  # None: the site's feed
    entries: list[tuple[Comment, Thread]]

    @property
    def updated(self) -> datetime:
        """Return when the feed last changed: its newest entry, else when its subject began."""
        times = [c.edited_at or c.created_at for c, _ in self.entries]
        subject = self.thread or self.site
        return max(times, default=subject.created_at)


def thread_version(site_slug: str, key: str) -> tuple[int, int, int]:
    """Return ``(site id, thread id, version)`` of a thread, or raise NotFound."""
    version = threads.version_of(site_slug, key)
    if version.thread_id is None or version.thread_version is None:
        raise errors.NotFound("Nobody has commented on that thread: it has no feed yet.")
    return version.site_id, version.thread_id, version.thread_version


_SITE_VERSION = (
    "SELECT sites.id, sites.name, COALESCE(SUM(threads.version), 0), COUNT(threads.id) "
    "FROM sites LEFT OUTER JOIN threads ON threads.site_id = sites.id "
    "WHERE sites.slug = ? GROUP BY sites.id, sites.name"
)


def site_version(site_slug: str) -> tuple[int, str, int, int]:
    """Return what a site's feed depends on: its id and name, its threads' versions."""
    rows = database.read_rows(_SITE_VERSION, (site_slug,))
    if not rows:
        raise errors.NotFound(f"There is no site called {site_slug!r}.")
    site_id, name, total, count = rows[0]
    return int(site_id), str(name), int(total), int(count)


def thread_feed(site_slug: str, key: str, *, limit: int) -> Feed:
    """Return the newest visible comments of a thread (an empty feed when none is visible)."""
    site, thread = threads.locate(site_slug, key)
    if thread is None:
        raise errors.NotFound("Nobody has commented on that thread: it has no feed yet.")
    query = (
        select(Comment)
        .where(Comment.thread_id == thread.id, Comment.status == Status.APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    return Feed(site, thread, [(c, thread) for c in db.session.scalars(query)])


def site_feed(site_slug: str, *, limit: int) -> Feed:
    """Return the newest visible comments of every thread of a site."""
    site = sites.get_site(site_slug)
    query = (
        select(Comment, Thread)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Thread.site_id == site.id, Comment.status == Status.APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    return Feed(site, None, [(row[0], row[1]) for row in db.session.execute(query)])
