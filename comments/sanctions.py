"""Sanctions: hold, suspend or ban a commenter on one site, and enforce it on every write.

A sanction names its target without a raw email or address: an author row,
the keyed hash of an email (``identity.email_key``, the same hash a guest's
identity carries), or the keyed hash of a client's address
(``Comment.client_key``). :func:`check` runs in the write path before a
comment is stored; a ban or a suspension refuses it with words the reader
understands, an always-pre-moderate sanction holds it with the reason code
``sanctioned``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, bindparam, or_, select

from comments import audit, database, errors, identity, moderation
from comments import reasons as reason_codes
from comments.extensions import db
from comments.models import (
    MAX_ID,
    Author,
    Comment,
    Sanction,
    SanctionKind,
    Status,
    TargetKind,
    Thread,
    utcnow,
)

#: How far back "reject their recent comments" reaches, with a ban.
RECENT_DAYS = 30
MAX_DAYS = 3650
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
# Strongest first: what the reader is told when several sanctions apply.
_STRENGTH = {SanctionKind.BAN: 0, SanctionKind.SUSPEND: 1, SanctionKind.PREMODERATE: 2}

Target = tuple[TargetKind, str]


def say_date(when: datetime) -> str:
    """Return a date as readers are told it ("3 December 2026")."""
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def targets_of(author: Author | None, client_keys: Iterable[str | None] = ()) -> list[Target]:
    """Return every target that names this author or these clients."""
    found: list[Target] = []
    if author is not None and author.id is not None:
        found.append((TargetKind.AUTHOR, str(author.id)))
    if author is not None and author.identity.startswith(identity.EMAIL_IDENTITY):
        found.append((TargetKind.EMAIL, author.identity[len(identity.EMAIL_IDENTITY) :]))
    found.extend((TargetKind.CLIENT, key) for key in dict.fromkeys(client_keys) if key)
    return found


def _naming(targets: Sequence[Target]) -> list[ColumnElement[bool]]:
    return [
        and_(Sanction.target_kind == kind, Sanction.target_value == value)
        for kind, value in targets
    ]


# Built once: every post and edit runs it. Values of different kinds never
# coincide (an author id is a number, the keys are long hex digests), and the
# kinds are checked again below.
_ACTIVE = select(Sanction).where(
    Sanction.site_id == bindparam("site_id"),
    Sanction.target_value.in_(bindparam("values", expanding=True)),
    Sanction.lifted_at.is_(None),
    or_(Sanction.until.is_(None), Sanction.until > bindparam("now")),
)


# The write path's first look: most commenters have no sanction, and a plain
# statement on the session's connection costs a fraction of loading ORM rows
# (and no autoflush: nothing a post has pending changes what it finds).
_ANY_ACTIVE = (
    select(Sanction.id)
    .where(
        Sanction.site_id == bindparam("site_id"),
        Sanction.target_value.in_(bindparam("values", expanding=True)),
        Sanction.lifted_at.is_(None),
        or_(Sanction.until.is_(None), Sanction.until > bindparam("now")),
    )
    .limit(1)
)
#: The same look as a scalar subquery (an id, or NULL when none is in force),
#: for a caller that asks it in one statement with its own questions, with
#: :func:`in_force_params`, and calls :func:`check` only when it is not NULL.
ANY_IN_FORCE = _ANY_ACTIVE.scalar_subquery()


def in_force_params(
    site_id: int, author: Author | None, client_key: str | None, now: datetime
) -> dict[str, object]:
    """Return the parameters of ``ANY_IN_FORCE`` for the targets :func:`check` looks for."""
    values = sorted({value for _, value in targets_of(author, [client_key])})
    return {"site_id": site_id, "values": values, "now": now}


def active(site_id: int, targets: Sequence[Target], now: datetime) -> list[Sanction]:
    """Return the sanctions in force on the site against any of ``targets``, strongest first."""
    if not targets:
        return []
    wanted = {(TargetKind(kind), value) for kind, value in targets}
    params = {"site_id": site_id, "values": sorted({v for _, v in wanted}), "now": now}
    rows = [
        row
        for row in db.session.scalars(_ACTIVE, params)
        if (TargetKind(row.target_kind), row.target_value) in wanted
    ]
    return sorted(rows, key=lambda s: (_STRENGTH[s.kind], s.until is not None, s.id))


def check(
    site_id: int, author: Author | None, client_key: str | None, now: datetime
) -> list[reason_codes.Reason]:
    """Refuse a write by a banned or suspended commenter; return hold reasons for a held one.

    Called by the write path before it stores anything; a refusal leaves the
    unit of work to roll back.
    """
    targets = targets_of(author, [client_key])
    if not targets:
        return []
    params = in_force_params(site_id, author, client_key, now)
    if db.session.connection().execute(_ANY_ACTIVE, params).first() is None:
        return []
    found = active(site_id, targets, now)
    if not found:
        return []
    strongest = found[0]
    if strongest.kind == SanctionKind.BAN and strongest.until is None:
        raise errors.Forbidden("You can no longer comment on this site.", code="banned")
    if strongest.kind in (SanctionKind.BAN, SanctionKind.SUSPEND):
        until = max(s.until for s in found if s.kind == strongest.kind and s.until)
        code = "banned" if strongest.kind == SanctionKind.BAN else "suspended"
        raise errors.Forbidden(f"You can comment again on {say_date(until)}.", code=code)
    return [reason_codes.make(reason_codes.SANCTIONED)]


def describe(sanction: Sanction) -> str:
    """Return a sanction in a moderator's words ("banned until 3 December 2026")."""
    words = {
        SanctionKind.BAN: "banned",
        SanctionKind.SUSPEND: "suspended",
        SanctionKind.PREMODERATE: "always pre-moderated",
    }[SanctionKind(sanction.kind)]
    return f"{words} until {say_date(sanction.until)}" if sanction.until else words


def _checked_days(kind: SanctionKind, days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise errors.ValidationFailed(
            f"A sanction lasts from 1 to {MAX_DAYS} days.",
            errors={"days": f"must be from 1 to {MAX_DAYS}"},
        )
    if kind == SanctionKind.SUSPEND and days is None:
        raise errors.ValidationFailed(
            "Say for how many days to suspend.", errors={"days": "is required for a suspension"}
        )
    return days


def add(
    site_id: int,
    target: Target,
    kind: SanctionKind,
    *,
    actor: audit.Actor,
    days: int | None = None,
    reason: str | None = None,
    reject_recent: bool = False,
    now: datetime | None = None,
) -> tuple[Sanction, int]:
    """Sanction a target on a site in the caller's unit of work; return it and how many rejected.

    With a ban, ``reject_recent`` rejects the target's shown and held comments
    of the last :data:`RECENT_DAYS` days, each through the status function, so
    counts, pages and the audit log follow.
    """
    kind = SanctionKind(kind)
    days = _checked_days(kind, days)
    if reject_recent and kind != SanctionKind.BAN:
        raise errors.ValidationFailed(
            "Only a ban rejects recent comments.", errors={"reject_recent": "only with a ban"}
        )
    target_kind, value = TargetKind(target[0]), target[1].strip()
    if not value or len(value) > 255:
        raise errors.ValidationFailed("Name whom to sanction.", errors={"target": "is required"})
    database.writing()
    now = now or utcnow()
    sanction = Sanction(
        site_id=site_id,
        kind=kind,
        target_kind=target_kind,
        target_value=value,
        until=now + timedelta(days=days) if days else None,
        reason=(reason or "").strip()[:500] or None,
        created_by=actor.label[:254],
        created_at=now,
    )
    db.session.add(sanction)
    db.session.flush()
    audit.record(
        actor,
        f"sanction.{kind}",
        site_id=site_id,
        target=("sanction", sanction.id),
        reason=sanction.reason,
        after=_described(sanction),
    )
    rejected = 0
    if reject_recent:
        for comment in _recent_comments(site_id, (target_kind, value), now):
            note = f"banned (sanction {sanction.id})"
            moderation.set_status(comment, Status.REJECTED, actor=actor, note=note)
            rejected += 1
    return sanction, rejected


def _described(sanction: Sanction) -> dict[str, object]:
    return {
        "kind": str(sanction.kind),
        "target": f"{sanction.target_kind}:{sanction.target_value}",
        "until": sanction.until.isoformat() if sanction.until else None,
    }


def _recent_comments(site_id: int, target: Target, now: datetime) -> list[Comment]:
    kind, value = target
    query = (
        select(Comment)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(
            Thread.site_id == site_id,
            Comment.created_at >= now - timedelta(days=RECENT_DAYS),
            Comment.status.in_([Status.APPROVED, Status.PENDING]),
        )
        .order_by(Comment.id)
    )
    if kind == TargetKind.AUTHOR:
        author_id = int(value) if value.isdigit() and int(value) <= MAX_ID else 0
        query = query.where(Comment.author_id == author_id)
    elif kind == TargetKind.EMAIL:
        query = query.join(Author, Author.id == Comment.author_id).where(
            Author.site_id == site_id, Author.identity == identity.EMAIL_IDENTITY + value
        )
    else:
        query = query.where(Comment.client_key == value)
    return list(db.session.scalars(query))


def lift(site_id: int, sanction_id: int, *, actor: audit.Actor) -> Sanction:
    """End a sanction early, in the caller's unit of work; one of another site is missing."""
    database.writing()
    sanction = database.find(Sanction, sanction_id)
    if sanction is None or sanction.site_id != site_id:
        raise errors.NotFound(f"There is no sanction {sanction_id}.")
    if sanction.lifted_at is not None:
        raise errors.Conflict("That sanction was already lifted.", code="already_lifted")
    sanction.lifted_at, sanction.lifted_by = utcnow(), actor.label[:254]
    audit.record(
        actor,
        "sanction.lifted",
        site_id=site_id,
        target=("sanction", sanction.id),
        before=_described(sanction),
    )
    db.session.flush()
    return sanction


def of_targets(site_id: int, targets: Sequence[Target], *, limit: int = 50) -> list[Sanction]:
    """Return the site's sanctions, in force or not, against any of ``targets``, newest first."""
    if not targets:
        return []
    return list(
        db.session.scalars(
            select(Sanction)
            .where(Sanction.site_id == site_id, or_(*_naming(targets)))
            .order_by(Sanction.id.desc())
            .limit(limit)
        )
    )


def in_force(sanction: Sanction, now: datetime) -> bool:
    """Tell whether a sanction still applies."""
    return sanction.lifted_at is None and (sanction.until is None or sanction.until > now)
