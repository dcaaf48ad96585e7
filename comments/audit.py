"""The audit log: every staff action, recorded in the same unit of work as the action."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

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


def query(
    *,
    site_ids: list[int] | None = None,
    action: str | None = None,
    target: tuple[str, int] | None = None,
    before_id: int | None = None,
) -> Select[Any]:
    """Return the newest-first query of events, filtered; ``site_ids`` None means all."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc())
    if site_ids is not None:
        q = q.where(AuditEvent.site_id.in_(site_ids))
    if action is not None:
        q = q.where(AuditEvent.action == action)
    if target is not None:
        q = q.where(AuditEvent.target_type == target[0], AuditEvent.target_id == target[1])
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
