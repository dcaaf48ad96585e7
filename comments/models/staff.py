"""Staff: accounts, their roles per site, and the audit log of what they did."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comments.extensions import db
from comments.models.core import choice, utcnow


class Role(enum.StrEnum):
    """What a staff member may do on one site: everything, or moderate comments."""

    ADMIN = "admin"
    MODERATOR = "moderator"


class Moderator(db.Model):  # type: ignore[name-defined]
    """A staff account of the admin panel; its roles are per site."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Moves at logout and password change: older session cookies stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    roles: Mapped[list[ModeratorRole]] = relationship(
        back_populates="moderator", cascade="all, delete-orphan", lazy="selectin"
    )


class ModeratorRole(db.Model):  # type: ignore[name-defined]
    """One staff member's role on one site."""

    __tablename__ = "moderator_roles"

    moderator_id: Mapped[int] = mapped_column(
        ForeignKey("moderators.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(choice(Role, "role"))

    moderator: Mapped[Moderator] = relationship(back_populates="roles")


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """One staff action: who did what to what, when, why, and what it was before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_site", "site_id", "id"),
        Index("ix_audit_events_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The account, while it exists; ``actor`` keeps its name (or "cli:root") for good.
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(254))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str | None] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(500))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
