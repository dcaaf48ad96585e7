"""Email: readers' reply subscriptions, confirmed addresses, staff alerts, and the outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from comments.extensions import db
from comments.models.core import choice, utcnow


class MailAddress(db.Model):  # type: ignore[name-defined]
    """A reader's email address on one site, confirmed (double opt-in) or not yet."""

    __tablename__ = "mail_addresses"
    __table_args__ = (UniqueConstraint("site_id", "email_key", name="uq_mail_addresses_site_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    # identity.email_key of the address: how it is compared with authors.
    email_key: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    # None until the reader opened the confirmation link: until then nothing is sent
    # to this address but the confirmation itself.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Subscription(db.Model):  # type: ignore[name-defined]
    """A reader who asked to hear about replies to one of their comments."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("comment_id", "address_id", name="uq_subscriptions_comment_address"),
        Index("ix_subscriptions_address", "address_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    address_id: Mapped[int] = mapped_column(ForeignKey("mail_addresses.id", ondelete="CASCADE"))
    # The widget's language when the reader subscribed: en, ru, zh-CN.
    lang: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AlertPreference(db.Model):  # type: ignore[name-defined]
    """Which emails one staff member wants about one site's comments."""

    __tablename__ = "alert_preferences"

    moderator_id: Mapped[int] = mapped_column(
        ForeignKey("moderators.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    # An email for each comment held for review when it is posted or edited.
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    # An email for each comment readers' reports take off the page.
    reported: Mapped[bool] = mapped_column(Boolean, default=False)


class MailState(enum.StrEnum):
    """Where an outgoing email stands."""

    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a worker until ``lease_until``
    SENT = "sent"
    FAILED = "failed"  # given up on: kept for operators to see and retry
    DROPPED = "dropped"  # what it was about is gone (the reply was removed before sending)


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """One email to send, written in the same unit of work as the event it tells of.

    The message is composed when it is sent, from ``kind`` and ``payload``,
    so links carry fresh signatures and a reply removed meanwhile is not told.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The worker's question: what is due, oldest first.
        Index("ix_outbox_due", "state", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # At most one message per key (e.g. one reply to one subscriber), whatever
    # happens to the comment afterwards.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[MailState] = mapped_column(choice(MailState, "mail_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A claim: which worker round holds the message, and until when.
    claim: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
