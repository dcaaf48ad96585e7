"""Readers' reports of comments: one row per reader per comment."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comments.extensions import db
from comments.models.core import choice, utcnow


class ReportReason(enum.StrEnum):
    """What a reader says is wrong with a comment."""

    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class Report(db.Model):  # type: ignore[name-defined]
    """One reader's report of one comment."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter", name="uq_reports_comment_reporter"),
        # The Reported queue: a comment's reports, newest first.
        Index("ix_reports_comment_created", "comment_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # Who reported, never as a raw address: "client:" and a keyed hash of the
    # client's address for guests (identity.client_key); "user:" and the
    # site's user id for signed-in readers.
    reporter: Mapped[str] = mapped_column(String(255))
    reason: Mapped[ReportReason] = mapped_column(choice(ReportReason, "report_reason"))
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
