"""Commenters as the moderation desk sees them: finding one, and their history on a site.

An author row groups a commenter's comments on one site (see ``identity``).
A moderator finds one by a name they used, or by their email: an exact
match, compared with the keyed hash a guest's identity carries, so the
email is never searched in clear where it was never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from comments import database, errors, identity, sanctions
from comments.extensions import db
from comments.models import Author, Comment, Sanction, Status, TargetKind, Thread

MAX_QUERY = 200


@dataclass
class Found:
    """One commenter in the search results."""

    author: Author
    comments: int
    last_seen: datetime | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find(site_id: int, text: str, *, secret: str, limit: int = 50) -> list[Found]:
    """Return the site's commenters whose email is ``text`` or whose names contain it."""
    text = text.strip()
    if not text:
        return []
    if len(text) > MAX_QUERY:
        raise errors.ValidationFailed(
            "That search is too long.", errors={"q": f"at most {MAX_QUERY} characters"}
        )
    if "@" in text:
        email = text.casefold()
        wanted = or_(
            Author.identity == identity.EMAIL_IDENTITY + identity.email_key(secret, email),
            func.lower(Author.email) == email.lower(),
        )
        query = select(Author.id).where(Author.site_id == site_id, wanted)
    else:
        pattern = _like(text.lower())
        by_comment = (
            select(Comment.author_id)
            .join(Thread, Thread.id == Comment.thread_id)
            .where(
                Thread.site_id == site_id,
                func.lower(Comment.author_name).like(pattern, escape="\\"),
            )
        )
        query = select(Author.id).where(
            Author.site_id == site_id,
            or_(
                func.lower(Author.name).like(pattern, escape="\\"),
                Author.id.in_(by_comment),
                # A signed-in user by the publisher's id for them, exactly.
                and_(Author.kind == identity.SSO, Author.identity == text),
            ),
        )
    ids = list(db.session.scalars(query.order_by(Author.id.desc()).limit(limit)))
    stats = {
        row[0]: (row[1], row[2])
        for row in db.session.execute(
            select(Comment.author_id, func.count(), func.max(Comment.created_at))
            .where(Comment.author_id.in_(ids))
            .group_by(Comment.author_id)
        )
    }
    authors = {a.id: a for a in db.session.scalars(select(Author).where(Author.id.in_(ids)))}
    return [Found(authors[i], *stats.get(i, (0, None))) for i in ids if i in authors]


def author_of_site(site_id: int, author_id: int) -> Author:
    """Return the site's author with this id; one of another site is as good as missing."""
    author = database.find(Author, author_id)
    if author is None or author.site_id != site_id:
        raise errors.NotFound(f"There is no commenter {author_id} on this site.")
    return author


@dataclass
class History:
    """What the desk knows of a commenter on one site."""

    author: Author
    first_seen: datetime
    last_seen: datetime | None
    counts: dict[str, int]
    names: list[str]
    websites: list[str]
    client_keys: list[str]
    sanctions: list[Sanction]


def history(author: Author) -> History:
    """Return a commenter's history on their site."""
    mine = Comment.author_id == author.id
    first, last = db.session.execute(
        select(func.min(Comment.created_at), func.max(Comment.created_at)).where(mine)
    ).one()
    counts = {str(s): 0 for s in Status}
    for status, count in db.session.execute(
        select(Comment.status, func.count()).where(mine).group_by(Comment.status)
    ):
        counts[str(status)] = int(count)
    names = list(db.session.scalars(select(Comment.author_name).where(mine).distinct().limit(20)))
    websites = list(
        db.session.scalars(
            select(Comment.author_website)
            .where(mine, Comment.author_website.is_not(None))
            .distinct()
            .limit(20)
        )
    )
    keys = list(
        db.session.scalars(
            select(Comment.client_key)
            .where(mine, Comment.client_key.is_not(None))
            .group_by(Comment.client_key)
            .order_by(func.max(Comment.id).desc())
            .limit(20)
        )
    )
    found = sanctions.of_targets(author.site_id, sanctions.targets_of(author, keys))
    return History(
        author=author,
        first_seen=first or author.created_at,
        last_seen=last,
        counts=counts,
        names=sorted(set(names) | {author.name}),
        websites=sorted(w for w in websites if w),
        client_keys=[k for k in keys if k],
        sanctions=found,
    )


def recent_comments(
    author: Author, *, before: int | None = None, limit: int = 20
) -> tuple[list[Comment], int | None]:
    """Return a commenter's comments in any status, newest first, and the next cursor."""
    query = select(Comment).where(Comment.author_id == author.id).order_by(Comment.id.desc())
    if before is not None:
        query = query.where(Comment.id < before)
    found = list(db.session.scalars(query.limit(limit + 1)))
    page = found[:limit]
    return page, page[-1].id if len(found) > limit and page else None


def target(author: Author, kind: TargetKind) -> sanctions.Target:
    """Return how a sanction names this commenter: their author row, or their latest address."""
    if kind == TargetKind.CLIENT:
        key = db.session.scalar(
            select(Comment.client_key)
            .where(Comment.author_id == author.id, Comment.client_key.is_not(None))
            .order_by(Comment.id.desc())
            .limit(1)
        )
        if key is None:
            raise errors.ValidationFailed(
                "This commenter's comments have no address on record.",
                errors={"target": "no address on record"},
            )
        return TargetKind.CLIENT, key
    return TargetKind.AUTHOR, str(author.id)
