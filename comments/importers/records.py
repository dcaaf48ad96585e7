"""What every importer's ``parse()`` yields: threads, posts and what it had to skip.

A format module turns its file into these records, in the file's order,
without holding more than one record at a time; ``loading.load`` stores them.
Threads come before the posts that name them (every format here writes them
so); a post may come before its parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from comments.models import Status


@dataclass(frozen=True)
class ThreadRecord:
    """An article's discussion as the source knew it."""

    external_id: str
    # The key our widget asks for (see comments.thread_keys); None: cannot be keyed.
    key: str | None
    url: str | None = None
    title: str | None = None
    closed: bool = False
    # Deleted in the source: its comments are kept, never shown.
    deleted: bool = False
    # The thread's own moderation mode ("pre", "post"), from our own export.
    moderation: str | None = None


@dataclass(frozen=True)
class AuthorRecord:
    """Who wrote a post, as the source said."""

    name: str
    email: str | None = None
    website: str | None = None
    # The publisher's own user id (Disqus SSO "remote" users): an SSO author here.
    sso_id: str | None = None
    # Our own export: the author's kind and identity, kept exactly.
    kind: str | None = None
    identity: str | None = None
    avatar_url: str | None = None
    badges: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostRecord:
    """One comment as the source had it."""

    external_id: str
    thread_external: str
    parent_external: str | None
    body: str
    # markup.MARKDOWN or markup.HTML: what ``body`` is written in.
    body_format: str
    created_at: datetime
    status: Status
    author: AuthorRecord
    author_name: str
    author_website: str | None = None
    remote_addr: str | None = None
    edited_at: datetime | None = None
    votes_up: int = 0
    votes_down: int = 0
    flag_count: int = 0
    pinned: bool = False
    featured: bool = False
    hold_reasons: tuple[dict[str, object], ...] = ()
    client_key: str | None = None


@dataclass(frozen=True)
class Skipped:
    """Something in the file that is not imported, and why (counted in the summary)."""

    reason: str
    external_id: str | None = None


Record = ThreadRecord | PostRecord | Skipped
