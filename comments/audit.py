"""The audit log: every staff action, recorded in the same unit of work as the action."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from comments.extensions import db
from comments.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff account, or an operator at the command line."""

    label: str
    moderator_id: int | None = None


def record(
    actor: Actor,
    action: str,
    *,
    site_id: int | None = None,
    target: tuple[str, int] | None = None,
    reason: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the caller's unit of work (it commits or rolls back with the action)."""
    event = AuditEvent(
        moderator_id=actor.moderator_id,
        actor=actor.label[:254],
        site_id=site_id,
        action=action,
        target_type=target[0] if target else None,
        target_id=target[1] if target else None,
        reason=reason[:500] if reason else None,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


#: Events of an account rather than of a site (they have no ``site_id``).
ACCOUNT_ACTIONS = ("staff.login", "staff.login_failed", "staff.logout")

#: What each action is called where the log is shown; actions not named here show as stored.
ACTIONS = {
    "comment.approved": "Approved a comment",
    "comment.rejected": "Rejected a comment",
    "comment.spam": "Marked a comment as spam",
    "comment.deleted": "Deleted a comment",
    "comment.pending": "Put a comment back in the queue",
    "comments.imported": "Imported comments",
    "comments.import_requested": "Uploaded an export to import",
    "staff.role": "Gave a staff role",
    "staff.remove": "Removed a staff role",
    "staff.login": "Signed in",
    "staff.login_failed": "Failed to sign in",
    "staff.logout": "Signed out",
    "site.sso_rotated": "Rotated the SSO secret",
}


def query(
    *,
    site_ids: Collection[int] | None = None,
    accounts: Collection[str] = (),
    action: str | None = None,
    actor: str | None = None,
    target: tuple[str, int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
) -> Select[Any]:
    """Return the newest-first query of events, filtered; ``site_ids`` None means all.

    ``accounts`` (labels, i.e. emails) adds the sign-in events of those
    accounts, which belong to no site, to the events of ``site_ids``.
    ``since`` is inclusive and ``until`` exclusive; ``before_id`` gives the
    page after the event with that id.
    """
    q = select(AuditEvent).order_by(AuditEvent.id.desc())
    if site_ids is not None:
        scope: ColumnElement[bool] = AuditEvent.site_id.in_(list(site_ids))
        if accounts:
            scope = or_(
                scope,
                and_(
                    AuditEvent.site_id.is_(None),
                    AuditEvent.action.in_(ACCOUNT_ACTIONS),
                    AuditEvent.actor.in_(list(accounts)),
                ),
            )
        q = q.where(scope)
    if action is not None:
        q = q.where(AuditEvent.action == action)
    if actor is not None:
        q = q.where(AuditEvent.actor == actor)
    if target is not None:
        q = q.where(AuditEvent.target_type == target[0], AuditEvent.target_id == target[1])
    if since is not None:
        q = q.where(AuditEvent.created_at >= since)
    if until is not None:
        q = q.where(AuditEvent.created_at < until)
    if before_id is not None:
        q = q.where(AuditEvent.id < before_id)
    return q


def events(**filters: Any) -> Iterator[AuditEvent]:
    """Yield events newest first, in batches, whatever the log's size."""
    before_id = None
    while True:
        batch = list(db.session.scalars(query(before_id=before_id, **filters).limit(500)))
        yield from batch
        if len(batch) < 500:
            return
        before_id = batch[-1].id
