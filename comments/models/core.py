"""The core tables: sites, threads, authors and comments."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from comments.extensions import db

# Ids are 32-bit integers on PostgreSQL; a larger number names no row anywhere.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """Return the current time in UTC, without tzinfo (how every timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def choice(members: type[enum.StrEnum], name: str) -> Enum:
    """Return a column type for one of ``members``, stored as its value with a CHECK constraint."""
    return Enum(
        members,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda each: [m.value for m in each],
        validate_strings=True,
    )


class Status(enum.StrEnum):
    """Where a comment stands; only ``approved`` comments are shown and counted.

    A comment's status changes only through :func:`comments.moderation.set_status`.
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"
    DELETED = "deleted"


class Moderation(enum.StrEnum):
    """A site's policy: show comments at once (``post``) or after review (``pre``)."""

    POST = "post"
    PRE = "pre"


class Site(db.Model):  # type: ignore[name-defined]
    """One publisher property; many sites share one deployment."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    moderation: Mapped[str] = mapped_column(String(16), default=Moderation.POST.value)
    sso_secret: Mapped[str | None] = mapped_column(String(200))
    # After a rotation the previous secret still signs valid tokens for
    # SSO_ROTATION_GRACE seconds from ``sso_rotated_at`` (see comments.sso).
    sso_previous_secret: Mapped[str | None] = mapped_column(String(200))
    sso_rotated_at: Mapped[datetime | None] = mapped_column(DateTime)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # settings["auto_close_days"], kept beside it so every page read (which
    # must know whether its thread has closed) reads one integer instead of
    # parsing settings that may hold thousands of words. Set with settings.
    auto_close_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @validates("settings")
    def _mirror(self, _key: str, value: dict[str, Any]) -> dict[str, Any]:
        days = (value or {}).get("auto_close_days")
        self.auto_close_days = int(days) if days is not None else None
        return value


class Thread(db.Model):  # type: ignore[name-defined]
    """One article's discussion, named by the publisher's key for the article."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("site_id", "key", name="uq_threads_site_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str | None] = mapped_column(String(300))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    # This thread's own moderation mode ("pre" or "post"); None follows the site's rules.
    moderation: Mapped[str | None] = mapped_column(String(16))
    # Visible (approved) comments; kept in step with every change of status.
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Goes up with every vote that changes a tally in the thread. Unlike
    # ``version`` it does not make cached pages stale at once: a page is
    # rebuilt for it at most once per VOTE_TALLY_TTL (see comments/api/cache.py).
    tally_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Goes up whenever what readers see of the thread changes (a comment
    # appears or goes, the thread closes...); pages are cached against it.
    # Bumped by the session hook in ``comments.versions``, never by hand.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the newest visible comment was posted (None: no visible comment).
    last_comment_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Author(db.Model):  # type: ignore[name-defined]
    """Who wrote a comment: a guest, a signed-in (SSO) user, or an imported name."""

    __tablename__ = "authors"
    __table_args__ = (
        UniqueConstraint("site_id", "kind", "identity", name="uq_authors_site_kind_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # What makes this author the same author next time: for guests a keyed
    # hash of their email, or of their name and address when they gave none
    # (see identity.guest_identity); the publisher's user id for SSO users.
    identity: Mapped[str] = mapped_column(String(255))
    # As first given. Readers see the name and website stored with each
    # comment (Comment.author_name, Comment.author_website), not these.
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    # Seed for the avatar the widget draws; see identity.avatar_hash.
    avatar_seed: Mapped[str] = mapped_column(String(16), default="")
    badges: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


#: A placeholder: a comment readers do not see that keeps its place for the
#: replies shown under it (``moderation.is_shown``). The WHERE clause of the
#: partial indexes that find them; queries repeat it word for word, since
#: SQLite uses a partial index only for a query that has its terms.
PLACEHOLDER = "status <> 'approved' AND reply_count > 0"


class Comment(db.Model):  # type: ignore[name-defined]
    """One comment: its Markdown source and the sanitized HTML rendered from it."""

    __tablename__ = "comments"
    __table_args__ = (
        # A thread's page of root comments, newest/oldest: equality columns first.
        Index("ix_comments_listing", "thread_id", "status", "depth", "created_at", "id"),
        # The ``top`` sort: by confidence (see comments.votes.confidence).
        Index("ix_comments_top", "thread_id", "status", "depth", "confidence", "id"),
        # The replies under one root comment, in posting order.
        Index("ix_comments_root", "root_id", "status", "id"),
        Index("ix_comments_author_thread", "author_id", "thread_id"),
        # A guest's own comments in a thread, for /me.
        Index("ix_comments_reader_thread", "reader_key", "thread_id"),
        # An author's approved comments, counted on every post to a site that
        # holds new commenters (authors belong to one site).
        Index("ix_comments_author_status", "author_id", "status"),
        Index("ix_comments_parent", "parent_id"),
        # The moderation queues: one status (or all), newest or oldest first.
        Index("ix_comments_queue", "status", "created_at", "id"),
        Index("ix_comments_created", "created_at", "id"),
        # Sanctions and reports by address, without the address.
        Index("ix_comments_client_key", "client_key"),
        # Placeholders (few): a thread's roots in page order, a root's replies.
        Index(
            "ix_comments_placeholder_roots",
            "thread_id",
            "depth",
            "created_at",
            "id",
            postgresql_where=text(PLACEHOLDER),
            sqlite_where=text(PLACEHOLDER),
        ),
        Index(
            "ix_comments_placeholder_replies",
            "root_id",
            "id",
            postgresql_where=text(PLACEHOLDER),
            sqlite_where=text(PLACEHOLDER),
        ),
        # Retention: only comments that still hold a raw address, oldest first.
        Index(
            "ix_comments_addressed",
            "created_at",
            "id",
            postgresql_where=text("remote_addr IS NOT NULL"),
            sqlite_where=text("remote_addr IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # The top-level comment this one hangs under (None for a root), and how deep.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    # The name and website given with this comment: what readers see.
    author_name: Mapped[str] = mapped_column(String(80))
    author_website: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    # What ``body`` is written in: "markdown" (everything written here) or
    # "html" (comments imported from systems that kept HTML, e.g. Disqus);
    # rendering and re-rendering read it as that, never the other way.
    body_format: Mapped[str] = mapped_column(
        String(16), default="markdown", server_default="markdown"
    )
    html: Mapped[str] = mapped_column(Text)
    markup_version: Mapped[int] = mapped_column(Integer, default=0)
    # No default: a new comment is placed by moderation.set_status.
    status: Mapped[Status] = mapped_column(choice(Status, "status"))
    # Why the comment is held, as reason codes with parameters
    # ({"code": "too_many_links", "params": {"count": 5, "limit": 3}}); the
    # words come from comments.reasons, in the reader's or moderator's language.
    hold_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    votes_up: Mapped[int] = mapped_column(Integer, default=0)
    votes_down: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)
    # The lower bound of the Wilson score interval (95 %) of up against down
    # votes, in millionths: what the ``top`` sort ranks by. An integer, so
    # that cursors compare exactly on every database.
    confidence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A keyed hash of the browser's reader id and address when a guest posted
    # it (comments.votes.reader_key): so that they cannot vote on it.
    reader_key: Mapped[str | None] = mapped_column(String(32))
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    # Shown direct replies, and (on roots) shown replies in the whole subtree:
    # shown is visible, or a placeholder kept for the replies under it.
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    descendant_count: Mapped[int] = mapped_column(Integer, default=0)
    # Shown first on the first page of its thread (roots only, a few per thread).
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    # When a moderator approved the comment after readers' reports had held
    # it: from then on reports are still taken but never hold it again.
    reports_cleared_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Picked out by a moderator; the API says so and the widget may mark it.
    featured: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The raw address is kept for RETENTION_ADDRESS_DAYS (see comments.retention);
    # its keyed hash (identity.client_key) stays, for sanctions by address.
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    client_key: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)

    author: Mapped[Author] = relationship(lazy="joined", innerjoin=True)
    thread: Mapped[Thread] = relationship()
