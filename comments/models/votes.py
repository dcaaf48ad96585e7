"""Readers' votes on comments: one row per reader per comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comments.extensions import db
from comments.models.core import utcnow


class Vote(db.Model):  # type: ignore[name-defined]
    """One reader's vote on one comment (+1 or -1; taking it back deletes the row)."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("comment_id", "voter", name="uq_votes_comment_voter"),
        # A reader's votes in one thread, for /me.
        Index("ix_votes_voter_thread", "voter", "thread_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    # "user:<author id>" for signed-in readers; "reader:" and a keyed hash of
    # the browser's reader id and the client's address for guests.
    voter: Mapped[str] = mapped_column(String(80))
    value: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
