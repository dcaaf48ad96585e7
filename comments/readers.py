"""Who a reader is on a site, and what is personal to them on a page (``GET /me``).

A reader travels in headers, never in a cookie: the publisher's sign-in token
(``Authorization: Bearer``, see ``comments.sso``) and, for guests, a random id
the widget keeps in the browser (``X-Comments-Reader``). Neither is stored:
a signed-in reader is their author row (kind ``sso``, identity = the
publisher's ``sub``); a guest is a keyed hash of their reader id and address
(``identity.reader_key``).

The page of a thread is the same for everyone; :func:`personal` answers the
rest: who is signed in, which comments are theirs and until when they may
change them, and how they voted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from comments import errors, identity, site_settings, sso, threads
from comments.extensions import db
from comments.models import Author, Comment, Site, Status, Vote

# /me answers at most this many of a reader's comments and votes in one thread.
MAX_OWN_COMMENTS = 100
MAX_OWN_VOTES = 500
MAX_READER_ID = 64


@dataclass(frozen=True)
class Reader:
    """What a request says about who sends it."""

    token: str | None = None
    reader_id: str | None = None
    remote_addr: str | None = None


# A request that says nothing of who sends it (server-to-server calls, tests).
ANONYMOUS = Reader()


@dataclass(frozen=True)
class Known:
    """A reader resolved on one site."""

    user: sso.User | None
    # Set for guests who sent a reader id: what their votes are keyed by.
    reader_key: str | None

    @property
    def signed_in(self) -> bool:
        """Tell whether the publisher's token vouches for this reader."""
        return self.user is not None


@dataclass(frozen=True)
class Auth:
    """The settings readers are resolved with, taken from config by the caller."""

    secret: str
    sso_grace: int = 24 * 3600


def resolve(site: Site, reader: Reader, auth: Auth, now: datetime) -> Known:
    """Return who the reader is on ``site``; a token that does not hold raises Unauthorized."""
    user = sso.verify(reader.token, site, now=now, grace=auth.sso_grace) if reader.token else None
    key = None
    if user is None and reader.reader_id is not None:
        rid = reader.reader_id.strip()
        if not rid or len(rid) > MAX_READER_ID or not rid.isprintable():
            raise errors.CommentsError(
                "The reader id is not valid.",
                errors={"X-Comments-Reader": f"1 to {MAX_READER_ID} printable characters"},
            )
        key = identity.reader_key(auth.secret, rid, reader.remote_addr)
    return Known(user, key)


def author_of(site: Site, user: sso.User, secret: str) -> Author:
    """Return the signed-in user's author row on the site, brought up to date with the token."""
    return identity.sso_author(
        site.id, user.sub, name=user.name, email=user.email, avatar=user.avatar,
        website=user.url, badges=list(user.badges), secret=secret,
    )  # fmt: skip


def refuse_guest(site: Site, known: Known) -> None:
    """Refuse a guest's write on a site that takes signed-in users only."""
    if not known.signed_in and not guests_allowed(site):
        raise errors.Forbidden(
            "Only signed-in readers can take part here; please sign in.", code="sign_in_required"
        )


def guests_allowed(site: Site) -> bool:
    """Tell whether the site lets guests post, edit and vote (its ``guests`` setting)."""
    return site_settings.settings_of(site).guests != "refused"


def voter(known: Known, author: Author | None) -> str | None:
    """Return the key a reader's votes are stored under, or None when they can't vote."""
    if author is not None:
        return f"user:{author.id}"
    return f"reader:{known.reader_key}" if known.reader_key else None


@dataclass(frozen=True)
class Own:
    """One of the reader's comments on the page, and until when they may change it."""

    id: int
    editable_until: datetime | None


@dataclass(frozen=True)
class Personal:
    """What is personal to one reader on one thread."""

    user: sso.User | None
    comments: list[Own]
    votes: dict[int, int]
    guests_allowed: bool


def personal(
    site_slug: str, thread_key: str, reader: Reader, auth: Auth, *, now: datetime,
    edit_window: int,
) -> Personal:  # fmt: skip
    """Return the reader's own comments and votes on a thread, and who they are."""
    site, thread = threads.locate(site_slug, thread_key)
    known = resolve(site, reader, auth, now)
    allowed = guests_allowed(site)
    if thread is None:
        return Personal(known.user, [], {}, allowed)
    author = identity.find_sso_author(site.id, known.user.sub) if known.user else None
    if author is None and known.reader_key is None:
        return Personal(known.user, [], {}, allowed)
    window = site_settings.settings_of(site, edit_window=edit_window).edit_window
    mine = select(Comment.id, Comment.created_at).where(
        Comment.thread_id == thread.id, Comment.status.in_([Status.APPROVED, Status.PENDING])
    )
    if author is not None:
        mine = mine.where(Comment.author_id == author.id)
    else:
        mine = mine.where(Comment.reader_key == known.reader_key)
    rows = db.session.execute(mine.order_by(Comment.id.desc()).limit(MAX_OWN_COMMENTS))
    # Only a signed-in author may change a comment without its edit token.
    own = [
        Own(cid, created + timedelta(seconds=window) if author is not None else None)
        for cid, created in rows
    ]
    votes: dict[int, int] = {}
    key = voter(known, author)
    if key is not None:
        query = (
            select(Vote.comment_id, Vote.value)
            .where(Vote.voter == key, Vote.thread_id == thread.id)
            .order_by(Vote.id.desc())
            .limit(MAX_OWN_VOTES)
        )
        votes = {cid: value for cid, value in db.session.execute(query)}
    return Personal(known.user, own, votes, allowed)
