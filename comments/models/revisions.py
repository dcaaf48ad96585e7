"""Earlier versions of comments: the text a comment had before each edit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comments.extensions import db
from comments.models.core import utcnow


class CommentRevision(db.Model):  # type: ignore[name-defined]
    """The text a comment had until an edit replaced it.

    ``edited_at`` is when that edit happened, ``editor`` who made it:
    ``"author"`` or the moderator's email; ``note`` is the moderator's why.
    """

    __tablename__ = "comment_revisions"
    __table_args__ = (Index("ix_comment_revisions_comment", "comment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    editor: Mapped[str] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(String(500))
