"""Turn domain results into the JSON shapes declared in ``schemas.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from comments import identity, reasons, site_settings
from comments.models import Comment, Site, Status, Thread, utcnow
from comments.posting import Posted
from comments.readers import Personal
from comments.threads import Node, Page, Replies
from comments.votes import Voted


def timestamp(value: datetime | None) -> str | None:
    """Return an RFC 3339 UTC timestamp (stored times are naive UTC)."""
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def author(value: Comment) -> dict[str, Any]:
    """Return a comment's author as readers see them: as given with it, never their email.

    A signed-in (SSO) user shows as the publisher last described them.
    """
    who = value.author
    signed_in = who.kind == identity.SSO
    return {
        "name": who.name if signed_in else value.author_name,
        "avatar": who.avatar_url,
        "hash": who.avatar_seed,
        "website": who.website if signed_in else value.author_website,
        "badges": list(who.badges or ()),
    }


def placeholder_status(value: Comment) -> str:
    """Return what a placeholder says: ``deleted`` (by its author or staff) or ``removed``."""
    return "deleted" if value.status == Status.DELETED else "removed"


def comment(node: Node, *, is_root: bool | None = None, own: bool = False) -> dict[str, Any]:
    """Return one comment with the replies placed under it.

    A comment readers do not see that keeps its place for its replies comes as
    a placeholder: ``deleted: true``, no text, no author, nothing voted,
    ``status`` ``deleted`` or ``removed`` (held again for a moderator is
    removed too, for now). ``own``: the author's answer to their post or edit,
    which shows their text whatever its status.
    """
    c: Comment = node.comment
    root = c.root_id is None if is_root is None else is_root
    shown = own or c.status == Status.APPROVED
    return {
        "id": c.id,
        "parent_id": c.parent_id,
        "depth": c.depth,
        "html": c.html if shown else "",
        "author": author(c) if shown else None,
        "created_at": timestamp(c.created_at),
        "edited_at": timestamp(c.edited_at) if shown else None,
        "status": str(c.status) if shown else placeholder_status(c),
        "deleted": not shown,
        "pinned": bool(c.pinned),
        "featured": bool(c.featured) and shown,
        "votes": (
            {"up": c.votes_up, "down": c.votes_down, "score": c.score}
            if shown
            else {"up": 0, "down": 0, "score": 0}
        ),
        "reply_count": c.reply_count,
        "in_reply_to": (
            {"id": node.in_reply_to[0], "name": node.in_reply_to[1]} if node.in_reply_to else None
        ),
        # Replies hang at most a page's worth of replies deep, so this recursion is bounded.
        "replies": [comment(child, is_root=False) for child in node.replies],
        "replies_total": c.descendant_count if root else None,
        "replies_cursor": node.replies_cursor if root else None,
    }


def thread(site: Site, value: Thread | None, key: str) -> dict[str, Any]:
    """Return what the widget needs to know about a discussion."""
    rules = site_settings.settings_of(site)
    closed = value is not None and rules.is_closed(value, utcnow())
    return {
        "key": key,
        "url": value.url if value else None,
        "title": value.title if value else None,
        "closed": closed,
        # Only the site's own words: the widget says the default in the reader's language.
        "closed_message": rules.closed_message if closed else None,
        "comment_count": value.comment_count if value else 0,
        "moderation": (value.moderation if value else None) or site.moderation,
        # The same for every reader: whether the site takes guests' comments and votes.
        "guests_allowed": rules.guests != "refused",
    }


def page(value: Page) -> dict[str, Any]:
    """Return one page of a thread."""
    return {
        "site": value.site.slug,
        "thread": thread(value.site, value.thread, value.thread_key),
        "sort": value.sort,
        "comments": [comment(node, is_root=True) for node in value.roots],
        "next_cursor": value.next_cursor,
        "prev_cursor": value.prev_cursor,
    }


def replies(value: Replies) -> dict[str, Any]:
    """Return a run of replies."""
    return {
        "comments": [comment(node, is_root=False) for node in value.nodes],
        "next_cursor": value.next_cursor,
    }


def me(value: Personal) -> dict[str, Any]:
    """Return what is personal to one reader on a thread."""
    user = value.user
    return {
        "user": None
        if user is None
        else {"name": user.name, "avatar": user.avatar, "badges": list(user.badges)},
        "comments": [
            {"id": own.id, "editable_until": timestamp(own.editable_until)}
            for own in value.comments
        ],
        "votes": {str(cid): v for cid, v in value.votes.items()},
        "guests_allowed": value.guests_allowed,
    }


def voted(value: Voted) -> dict[str, Any]:
    """Return a comment's tallies after a vote."""
    return {
        "id": value.comment_id,
        "value": value.value,
        "votes": {"up": value.up, "down": value.down, "score": value.score},
    }


def posted(value: Posted, edit_token: str) -> dict[str, Any]:
    """Return a stored or edited comment, and why it is held when it is."""
    words = [reasons.describe(reason) for reason in value.reasons]
    return {
        "comment": comment(Node(value.comment, value.in_reply_to), own=True),
        "edit_token": edit_token,
        "editable_until": timestamp(value.editable_until),
        "held": value.held,
        "reason": " ".join(words) or None,
        "reasons": [
            {"code": r["code"], "params": dict(r.get("params", {})), "message": text}
            for r, text in zip(value.reasons, words, strict=True)
        ],
        "notify": value.notify,
    }
