"""What imports leave behind: where each imported comment came from, and upload jobs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comments.extensions import db
from comments.models.core import choice, utcnow


class ImportedComment(db.Model):  # type: ignore[name-defined]
    """One comment brought in from another system, under its id there.

    The row is what makes an import idempotent: a second run of the same file
    finds every post here and stores nothing again. ``parent_external`` keeps
    the parent's id in the source until the tree is linked, so a reply may
    come before its parent in the file.
    """

    __tablename__ = "imported_comments"
    __table_args__ = (
        UniqueConstraint("site_id", "source", "external_id", name="uq_imported_comments_external"),
        Index("ix_imported_comments_comment", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    # disqus, wordpress, isso or json
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(100))
    parent_external: Mapped[str | None] = mapped_column(String(100))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))


class JobStatus(enum.StrEnum):
    """Where an import uploaded in the admin panel stands."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(db.Model):  # type: ignore[name-defined]
    """An export file uploaded in the admin panel, imported by a worker."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(16))
    # The name the file had on the uploader's machine, and where it is kept.
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[JobStatus] = mapped_column(choice(JobStatus, "job_status"))
    requested_by: Mapped[str] = mapped_column(String(254))
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    # Records read so far and the total, while it runs.
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
