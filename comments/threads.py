"""The read path: pages of a thread, replies under a comment, counts for many threads.

Every response is bounded whatever a thread's size: a page holds at most
``limit`` root comments, each with at most ``replies_per_root`` of its replies;
the rest is reached with opaque keyset cursors, so no query uses OFFSET and
deep pages cost what the first one does. Nothing here recurses: a chain of
thousands of replies is walked by ``root_id`` and posting order.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, select, text, tuple_, union_all

from comments import audit, database, errors, identity, sites
from comments.extensions import db
from comments.models import MAX_ID, PLACEHOLDER, Author, Comment, Site, Status, Thread
from comments.moderation import MAX_PINNED, is_shown

SORTS = ("newest", "oldest", "top")


@dataclass
class Node:
    """A comment placed in a page, with the replies placed under it."""

    comment: Comment
    in_reply_to: tuple[int, str] | None = None
    replies: list[Node] = field(default_factory=list)
    replies_cursor: str | None = None


@dataclass
class Page:
    """One page of a thread's root comments."""

    site: Site
    thread: Thread | None
    thread_key: str
    sort: str
    roots: list[Node]
    next_cursor: str | None
    prev_cursor: str | None = None


@dataclass
class Replies:
    """A run of replies under one root comment, flat and in posting order."""

    nodes: list[Node]
    next_cursor: str | None


def bad_cursor() -> errors.CommentsError:
    """Return the error for a cursor this service did not hand out."""
    return errors.CommentsError(
        "The page cursor is not valid.",
        errors={"cursor": "The cursor is not one this service handed out."},
    )


def _encode(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise bad_cursor() from exc
    if not isinstance(values, list):
        raise bad_cursor()
    return values


_BEFORE = "before"


def _sort_key(comment: Comment, sort: str, *, before: bool = False) -> list[Any]:
    first = comment.confidence if sort == "top" else comment.created_at.isoformat()
    return [sort, first, comment.id, *([_BEFORE] if before else [])]


def _key_values(cursor: str, sort: str) -> tuple[tuple[Any, int], bool]:
    """Return the sort key a cursor points at, and whether it reads backwards."""
    values = _decode(cursor)
    before = len(values) == 4 and values[3] == _BEFORE
    if before:
        values = values[:3]
    if len(values) != 3 or values[0] != sort or type(values[2]) is not int:
        raise bad_cursor()
    if sort == "top":
        if type(values[1]) is not int:
            raise bad_cursor()
        return (values[1], values[2]), before
    try:
        return (datetime.fromisoformat(values[1]), values[2]), before
    except (TypeError, ValueError) as exc:
        raise bad_cursor() from exc


def _order_columns(sort: str) -> tuple[Any, Any]:
    # ``top``: by confidence in the votes (comments.votes.confidence), an integer.
    first = Comment.confidence if sort == "top" else Comment.created_at
    return first, Comment.id


def _after(sort: str, key: tuple[Any, int], inclusive: bool = False) -> ColumnElement[bool]:
    """Return the condition for roots that come after ``key`` in ``sort`` order."""
    columns = tuple_(*_order_columns(sort))
    bound = tuple_(*key)
    if sort == "oldest":
        return columns >= bound if inclusive else columns > bound
    return columns <= bound if inclusive else columns < bound


def _before(sort: str, key: tuple[Any, int]) -> ColumnElement[bool]:
    """Return the condition for roots that come before ``key`` in ``sort`` order."""
    columns = tuple_(*_order_columns(sort))
    bound = tuple_(*key)
    return columns < bound if sort == "oldest" else columns > bound


# The placeholders' partial indexes' own clause (models.PLACEHOLDER), qualified.
_PLACEHOLDER = text("comments." + PLACEHOLDER.replace("reply_count", "comments.reply_count"))


def _roots_query(
    thread_id: int, sort: str, *, backwards: bool = False, placeholders: bool = False
) -> Select[Any]:
    """Return the query of a thread's roots in page order: visible ones, or placeholders."""
    first, second = _order_columns(sort)
    ascending = (sort == "oldest") != backwards
    order = (first.asc(), second.asc()) if ascending else (first.desc(), second.desc())
    shown = _PLACEHOLDER if placeholders else Comment.status == Status.APPROVED
    return (
        select(Comment)
        .where(
            Comment.thread_id == thread_id,
            shown,
            Comment.depth == 0,
            # Pinned roots head the first page instead (see _pinned_roots).
            Comment.pinned.is_(False),
        )
        .order_by(*order)
    )


def _merged_roots(
    thread_id: int,
    sort: str,
    condition: ColumnElement[bool] | None,
    *,
    backwards: bool,
    limit: int,
) -> list[Comment]:
    """Return up to ``limit`` roots in page order: the visible ones and the placeholders.

    Placeholders are few and have an index of their own, so they cost one
    more small query per page rather than a slower plan for the visible roots.
    """
    rows: list[Comment] = []
    for placeholders in (False, True):
        query = _roots_query(thread_id, sort, backwards=backwards, placeholders=placeholders)
        if condition is not None:
            query = query.where(condition)
        rows += db.session.scalars(query.limit(limit))
    ascending = (sort == "oldest") != backwards
    rows.sort(key=lambda c: _key_tuple(c, sort), reverse=not ascending)
    return rows[:limit]


def _pinned_roots(thread_id: int) -> list[Comment]:
    """Return the thread's pinned roots (a few at most), the earliest pinned first."""
    query = (
        select(Comment)
        .where(
            Comment.thread_id == thread_id,
            Comment.status == Status.APPROVED,
            Comment.depth == 0,
            Comment.pinned.is_(True),
        )
        .order_by(Comment.id)
        .limit(MAX_PINNED)
    )
    return list(db.session.scalars(query))


def find_thread(site: Site, key: str) -> Thread | None:
    """Return the thread with ``key`` on ``site``, or None when nobody has commented yet."""
    return db.session.scalar(select(Thread).where(Thread.site_id == site.id, Thread.key == key))


_LOCATE = (
    select(Site, Thread)
    .outerjoin(Thread, and_(Thread.site_id == Site.id, Thread.key == bindparam("key")))
    .where(Site.slug == bindparam("slug"))
)


def locate(site_slug: str, thread_key: str) -> tuple[Site, Thread | None]:
    """Return a site and its thread with ``thread_key`` (None if uncommented) in one query."""
    row = db.session.execute(_LOCATE, {"slug": site_slug, "key": thread_key}).first()
    if row is None:
        raise errors.NotFound(f"There is no site called {site_slug!r}.")
    return row[0], row[1]


_LOCATE_WITH_GUEST = _LOCATE.add_columns(Author).outerjoin(
    Author,
    and_(
        Author.site_id == Site.id,
        Author.kind == identity.GUEST,
        Author.identity == bindparam("identity"),
    ),
)


def locate_with_guest(
    site_slug: str, thread_key: str, guest_identity: str
) -> tuple[Site, Thread | None, Author | None]:
    """Return what :func:`locate` does and the site's guest author with ``guest_identity``.

    The author is None when that guest has not posted on the site before. One
    query for what a guest's post reads first (the write path's).
    """
    params = {"slug": site_slug, "key": thread_key, "identity": guest_identity}
    row = db.session.execute(_LOCATE_WITH_GUEST, params).first()
    if row is None:
        raise errors.NotFound(f"There is no site called {site_slug!r}.")
    return row[0], row[1], row[2]


@dataclass(frozen=True)
class Version:
    """What a cached page of a thread depends on, read in one small query."""

    site_id: int
    moderation: str
    origins: list[str]
    thread_id: int | None
    thread_version: int | None
    # For the auto-close rule, whose moment passes without any write.
    auto_close_days: int | None = None
    thread_created_at: datetime | None = None
    # Moves with votes; a cached page follows it within VOTE_TALLY_TTL (api/cache.py).
    tally_version: int | None = None

    def auto_closed(self, now: datetime) -> bool:
        """Tell whether the site's auto-close rule has closed the thread by ``now``."""
        if self.auto_close_days is None or self.thread_created_at is None:
            return False
        return now >= self.thread_created_at + timedelta(days=self.auto_close_days)


# Every page read runs this before anything else, so it goes the shortest way.
_VERSION_SQL = (
    "SELECT sites.id, sites.moderation, sites.origins, threads.id, threads.version, "
    "sites.auto_close_days, threads.created_at, threads.tally_version "
    "FROM sites LEFT OUTER JOIN threads ON threads.site_id = sites.id AND threads.key = ? "
    "WHERE sites.slug = ?"
)


def version_of(site_slug: str, thread_key: str) -> Version:
    """Return the site's and thread's state that a cached page must match."""
    rows = database.read_rows(_VERSION_SQL, (thread_key, site_slug))
    if not rows:
        raise errors.NotFound(f"There is no site called {site_slug!r}.")
    site_id, moderation, origins, thread_id, version, days, created, tallies = rows[0]
    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    return Version(
        site_id,
        moderation,
        sites.decode_origins(origins),
        thread_id,
        version,
        int(days) if days is not None else None,
        created,
        tallies,
    )


def check_page_query(sort: str, cursor: str | None) -> tuple[Any, int] | None:
    """Refuse an unknown sort or a cursor this service did not hand out; return its key."""
    if sort not in SORTS:
        raise errors.CommentsError(
            "Unknown sort order.", errors={"sort": "The sort must be newest, oldest or top."}
        )
    return _key_values(cursor, sort)[0] if cursor is not None else None


def get_page(
    site_slug: str,
    thread_key: str,
    *,
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = 20,
    around: int | None = None,
    replies_per_root: int = 3,
) -> Page:
    """Return one page of a thread: root comments with the first of their replies.

    A page that does not start at the top of the thread (a permalink's page,
    or one reached by ``next_cursor``) has a ``prev_cursor`` leading to the
    roots above it; following it returns the ``limit`` roots just above, in
    the same order, with their own ``prev_cursor``.
    """
    check_page_query(sort, cursor)
    site, thread = locate(site_slug, thread_key)
    if thread is None:
        if around is not None:
            raise errors.NotFound("That comment is not in this discussion.")
        return Page(site, None, thread_key, sort, [], None)

    target: Comment | None = None
    anchor: tuple[Any, int] | None = None
    backwards = False
    condition: ColumnElement[bool] | None = None
    if around is not None:
        target = _visible_comment(around, thread.id)
        root = target if target.root_id is None else db.session.get(Comment, target.root_id)
        if root is None or not is_shown(root.status, root.reply_count):
            raise errors.NotFound("That comment is not in this discussion.")
        if not root.pinned:  # a pinned root is on the first page
            anchor = _key_tuple(root, sort)
            condition = _after(sort, anchor, inclusive=True)
    elif cursor is not None:
        anchor, backwards = _key_values(cursor, sort)
        condition = _before(sort, anchor) if backwards else _after(sort, anchor)

    rows = _merged_roots(thread.id, sort, condition, backwards=backwards, limit=limit + 1)
    more = len(rows) > limit
    roots = rows[:limit]
    if backwards:
        roots.reverse()
        next_cursor = _encode(_sort_key(roots[-1], sort)) if roots else None
        prev_cursor = _encode(_sort_key(roots[0], sort, before=True)) if more and roots else None
    else:
        next_cursor = _encode(_sort_key(roots[-1], sort)) if more and roots else None
        prev_cursor = None
        if anchor is not None:
            top = _key_tuple(roots[0], sort) if roots else anchor
            if _any_before(thread.id, sort, top):
                prev_cursor = _encode([sort, _cursor_value(top[0]), top[1], _BEFORE])
    if anchor is None:
        roots = _pinned_roots(thread.id) + roots
    nodes = _attach_replies(roots, replies_per_root, target)
    return Page(site, thread, thread_key, sort, nodes, next_cursor, prev_cursor)


def _cursor_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _any_before(thread_id: int, sort: str, key: tuple[Any, int]) -> bool:
    for placeholders in (False, True):
        query = _roots_query(thread_id, sort, placeholders=placeholders)
        query = query.where(_before(sort, key)).with_only_columns(Comment.id)
        if db.session.scalar(query.limit(1)) is not None:
            return True
    return False


def _key_tuple(comment: Comment, sort: str) -> tuple[Any, int]:
    if sort == "top":
        return comment.confidence, comment.id
    return comment.created_at, comment.id


def _visible_comment(comment_id: int, thread_id: int | None = None) -> Comment:
    comment = database.find(Comment, comment_id)
    if (
        comment is None
        or comment.status != Status.APPROVED.value
        or (thread_id is not None and comment.thread_id != thread_id)
    ):
        raise errors.NotFound("That comment is not in this discussion.")
    return comment


def _replies_queries(root_id: int) -> tuple[Select[Any], Select[Any]]:
    """Return the queries of a root's visible replies and of its placeholders, by id."""
    return (
        select(Comment.id)
        .where(Comment.root_id == root_id, Comment.status == Status.APPROVED.value)
        .order_by(Comment.id),
        select(Comment.id).where(Comment.root_id == root_id, _PLACEHOLDER).order_by(Comment.id),
    )


def _attach_replies(roots: Sequence[Comment], per_root: int, target: Comment | None) -> list[Node]:
    """Fetch the first replies of every root in one query and nest them."""
    nodes = [Node(root) for root in roots]
    wanted = [root for root in roots if root.descendant_count > 0]
    if not wanted or per_root <= 0:
        return nodes

    parts = []
    for root in wanted:
        start = 0
        if target is not None and target.root_id == root.id:
            # A permalink to a reply: start this root's replies at the reply itself.
            start = _first_shown(root.id, per_root, target.id)
        for part in _replies_queries(root.id):
            part = part.where(Comment.id >= start) if start else part
            parts.append(part.limit(per_root).subquery().select())
    ids = union_all(*parts)
    replies = list(
        db.session.scalars(select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id))
    )
    by_root: dict[int, list[Comment]] = {}
    for reply in replies:
        run = by_root.setdefault(reply.root_id or 0, [])
        if len(run) < per_root:  # the first of the visible ones and the placeholders
            run.append(reply)
    names = _names(replies)
    for node in nodes:
        run = by_root.get(node.comment.id, [])
        _nest(node, run, names)
        shown = len(run)
        if run and node.comment.descendant_count > shown:
            node.replies_cursor = _encode(["r", run[-1].id])
        elif not run and node.comment.descendant_count > 0:
            node.replies_cursor = _encode(["r", 0])
    return nodes


def _first_shown(root_id: int, per_root: int, target_id: int) -> int:
    """Return the id to start a root's replies at so that ``target_id`` is shown."""
    first = sorted(
        id_
        for query in _replies_queries(root_id)
        for id_ in db.session.scalars(query.limit(per_root))
    )
    return 0 if target_id in first[:per_root] else target_id


def shown_name(comment: Comment) -> str:
    """Return the author name readers see on a comment: none on a placeholder."""
    return comment.author_name if comment.status == Status.APPROVED else ""


def _names(replies: Iterable[Comment]) -> dict[int, str]:
    """Return author names of the comments these replies answer, in one query at most.

    A placeholder's author is not shown, so a reply to one answers no name.
    """
    known = {reply.id: shown_name(reply) for reply in replies}
    missing = {r.parent_id for r in replies if r.parent_id and r.parent_id not in known}
    if missing:
        rows = db.session.execute(
            select(Comment.id, Comment.author_name, Comment.status).where(Comment.id.in_(missing))
        )
        known.update({row[0]: row[1] if row[2] == Status.APPROVED else "" for row in rows})
    return known


def _nest(root: Node, run: Sequence[Comment], names: dict[int, str]) -> None:
    """Hang each reply under its parent when the parent is shown, else under the root."""
    placed: dict[int, Node] = {root.comment.id: root}
    root_name = shown_name(root.comment)
    for reply in run:
        parent_id = reply.parent_id or root.comment.id
        name = root_name if parent_id == root.comment.id else names.get(parent_id, "")
        node = Node(reply, in_reply_to=(parent_id, name))
        placed.get(parent_id, root).replies.append(node)
        placed[reply.id] = node


def get_replies(comment_id: int, *, cursor: str | None = None, limit: int = 20) -> Replies:
    """Return the next replies under a root comment, flat, in posting order.

    The root may be a placeholder; placeholders among the replies come in
    their place.
    """
    root = database.find(Comment, comment_id)
    if root is None or not is_shown(root.status, root.reply_count):
        raise errors.NotFound("That comment is not in this discussion.")
    if root.root_id is not None:
        raise errors.CommentsError(
            "Replies are listed under top-level comments only.",
            errors={"id": "The comment is a reply, not a top-level comment."},
        )
    after = 0
    if cursor is not None:
        values = _decode(cursor)
        if len(values) != 2 or values[0] != "r" or type(values[1]) is not int:
            raise bad_cursor()
        after = values[1]
    rows: list[Comment] = []
    for ids in _replies_queries(root.id):
        query = select(Comment).where(
            Comment.id.in_(ids.where(Comment.id > after).limit(limit + 1))
        )
        rows += db.session.scalars(query)
    rows.sort(key=lambda r: r.id)
    more = len(rows) > limit
    rows = rows[:limit]
    names = _names(rows)
    names[root.id] = shown_name(root)
    nodes = [
        Node(r, in_reply_to=(r.parent_id, names.get(r.parent_id, "")) if r.parent_id else None)
        for r in rows
    ]
    next_cursor = _encode(["r", rows[-1].id]) if more and rows else None
    return Replies(nodes, next_cursor)


def site_of_comment(comment_id: int) -> Site | None:
    """Return the site a comment belongs to (for CORS), or None."""
    if not 0 < comment_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Site)
        .join(Thread, Thread.site_id == Site.id)
        .join(Comment, Comment.thread_id == Thread.id)
        .where(Comment.id == comment_id)
    )


class Counts(dict[str, int]):
    """Visible comment counts by thread key, with the site's origins read alongside."""

    def __init__(self, counts: dict[str, int], origins: list[str]) -> None:
        super().__init__(counts)
        self.origins = origins


def counts(site_slug: str, keys: Sequence[str]) -> Counts:
    """Return the visible comment count of each thread key (0 for unknown threads).

    The site's origins come with them, in the same statement, so that the
    CORS check of a section page's request needs no query of its own.
    """
    result = dict.fromkeys(keys, 0)
    wanted = list(result)
    # Section pages ask for many of these; a plain statement keeps them cheap.
    placeholders = ", ".join("?" * len(wanted))  # only placeholders are formatted in
    sql = (
        "SELECT CAST(sites.origins AS TEXT), threads.key, threads.comment_count FROM sites "  # noqa: S608
        "LEFT OUTER JOIN threads ON threads.site_id = sites.id "
        f"AND threads.key IN ({placeholders}) WHERE sites.slug = ?"
    )
    rows = database.read_rows(sql, (*wanted, site_slug))
    if not rows:
        sites.get_site(site_slug)  # an unknown site is an error, not a page of zeros
    result.update({key: count for _, key, count in rows if key is not None})
    return Counts(result, sites.decode_origins(rows[0][0]) if rows else [])


def _thread_to_change(site_slug: str, key: str) -> tuple[Site, Thread]:
    """Return a site and its thread for staff to change, creating a thread nobody commented on."""
    database.writing()
    site = sites.get_site(site_slug)
    thread = find_thread(site, key)
    if thread is None:
        thread = Thread(site_id=site.id, key=key, comment_count=0)
        db.session.add(thread)
        db.session.flush()
    return site, thread


def set_closed(site_slug: str, key: str, closed: bool) -> Thread:
    """Close or reopen a thread; closing a thread nobody has commented on creates it."""
    _site, thread = _thread_to_change(site_slug, key)
    thread.closed = closed
    db.session.flush()
    return thread


def close(site_slug: str, key: str, closed: bool, *, actor: audit.Actor) -> Thread:
    """Close or reopen a thread as staff, in the caller's unit of work, and log it."""
    thread = set_closed(site_slug, key, closed)
    audit.record(
        actor,
        "thread.closed" if closed else "thread.opened",
        site_id=thread.site_id,
        target=("thread", thread.id),
        after={"key": thread.key, "closed": closed},
    )
    return thread


#: A thread's own moderation mode, or "site" to follow the site's rules again.
THREAD_MODES = ("pre", "post", "site")


def set_moderation(site_slug: str, key: str, mode: str, actor: audit.Actor) -> Thread:
    """Give a thread its own moderation mode ("pre", "post") or the site's ("site").

    A thread nobody has commented on yet is created, as for closing it. The
    change is written to the audit log in the caller's unit of work.
    """
    if mode not in THREAD_MODES:
        raise errors.ValidationFailed(
            "The moderation mode must be pre, post or site.",
            errors={"moderation": "must be pre, post or site"},
        )
    site, thread = _thread_to_change(site_slug, key)
    before = thread.moderation
    thread.moderation = None if mode == "site" else mode
    db.session.flush()
    if before != thread.moderation:
        audit.record(
            actor,
            "thread.moderation",
            site_id=site.id,
            target=("thread", thread.id),
            before={"moderation": before},
            after={"moderation": thread.moderation},
        )
    return thread
