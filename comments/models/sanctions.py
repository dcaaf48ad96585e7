"""Sanctions: what a site's moderators decided about a commenter, and until when."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from comments.extensions import db
from comments.models.core import choice, utcnow


class SanctionKind(enum.StrEnum):
    """What a sanction does: hold every comment, refuse them for a while, or for good."""

    PREMODERATE = "premoderate"
    SUSPEND = "suspend"
    BAN = "ban"


class TargetKind(enum.StrEnum):
    """Whom a sanction names, never by a raw email or address.

    ``author``: an author row (its id); ``email``: the keyed hash of an email
    (as in a guest author's identity), so a guest can be banned before their
    next comment; ``client``: the keyed hash of a client's address
    (``Comment.client_key``).
    """

    AUTHOR = "author"
    EMAIL = "email"
    CLIENT = "client"


class Sanction(db.Model):  # type: ignore[name-defined]
    """One sanction on one site; ``until`` None means for good, ``lifted_at`` ends it early."""

    __tablename__ = "sanctions"
    __table_args__ = (Index("ix_sanctions_target", "site_id", "target_kind", "target_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[SanctionKind] = mapped_column(choice(SanctionKind, "sanction_kind"))
    target_kind: Mapped[TargetKind] = mapped_column(choice(TargetKind, "sanction_target"))
    target_value: Mapped[str] = mapped_column(String(255))
    until: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    # The audit log's name for who decided ("mod@news.example", "cli:root").
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(254))
