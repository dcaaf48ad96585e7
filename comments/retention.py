"""Retention: a comment keeps its client's raw address for a few days, then only its hash.

The address helps a moderator for a short while (a burst of abuse from one
place); after ``RETENTION_ADDRESS_DAYS`` only the keyed hash
(``Comment.client_key``) remains, which is all that sanctions and reports by
address need. :func:`clear_addresses` does one batch in the caller's unit of
work, so ``comments purge`` and the worker run it batch after batch, each
batch its own unit; running it again finds nothing to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update

from comments import database, identity
from comments.extensions import db
from comments.models import Comment


def cutoff(now: datetime, days: int) -> datetime:
    """Return the moment before which addresses are no longer kept."""
    return now - timedelta(days=max(0, days))


def addresses_to_clear(before: datetime) -> int:
    """Return how many comments posted before ``before`` still hold a raw address."""
    query = select(func.count()).where(
        Comment.remote_addr.is_not(None), Comment.created_at < before
    )
    return int(db.session.scalar(query) or 0)


_SET_KEY = update(Comment).where(Comment.id == bindparam("cid")).values(client_key=bindparam("key"))


def clear_addresses(before: datetime, *, secret: str, limit: int = 1000) -> int:
    """Clear the raw address of up to ``limit`` comments posted before ``before``; say how many.

    A comment stored before client keys existed gets its key from the address
    first, so a sanction by address still finds it afterwards.
    """
    database.writing()
    rows = db.session.execute(
        select(Comment.id, Comment.remote_addr, Comment.client_key)
        .where(Comment.remote_addr.is_not(None), Comment.created_at < before)
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    missing = [
        {"cid": cid, "key": identity.client_key(secret, addr)} for cid, addr, key in rows if not key
    ]
    # Plain statements: nothing readers see changes, so no page version moves.
    connection = db.session.connection()
    if missing:
        connection.execute(_SET_KEY, missing)
    connection.execute(
        update(Comment).where(Comment.id.in_([row[0] for row in rows])).values(remote_addr=None)
    )
    return len(rows)
