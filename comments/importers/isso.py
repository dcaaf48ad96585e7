"""Isso: its SQLite database file (``comments.db``), read without changing it.

Threads are Isso's ``threads`` (``uri``, ``title``); comments its
``comments`` (``tid``, ``parent``, ``created`` and ``modified`` as Unix
times, ``mode``, Markdown ``text``, ``author``, ``email``, ``website``,
``likes``, ``dislikes``, ``remote_addr``).

Decisions:

- A thread is keyed by its ``uri`` as the widget keys a path by default
  (Isso stores the page's path), or as it is when it is not a path (a
  ``data-isso-id``).
- ``mode`` 1 is approved, 2 pending, 4 deleted (Isso keeps a deleted
  comment that has replies); anything else pending.
- The text is Markdown, as ours is.
- Isso stores addresses already anonymised (the last part zeroed): they are
  kept as given, under the same retention as any address.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from comments import errors, markup, thread_keys
from comments.importers import loading
from comments.importers.records import AuthorRecord, PostRecord, Record, ThreadRecord
from comments.models import Status

SOURCE = "isso"
_MODES = {1: Status.APPROVED, 2: Status.PENDING, 4: Status.DELETED}


def _connect(path: str | Path) -> sqlite3.Connection:
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("SELECT id, uri, title FROM threads LIMIT 1").fetchall()
        conn.execute(
            "SELECT tid, id, parent, created, modified, mode, remote_addr, text, author,"
            " email, website, likes, dislikes FROM comments LIMIT 1"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise errors.ImportFailed(
            f"{Path(path).name}: not an Isso database ({exc}).", code="malformed"
        ) from exc
    return conn


def parse(path: str | Path) -> Iterator[Record]:
    """Yield Isso's threads, then its comments, one row at a time."""
    conn = _connect(path)
    try:
        for tid, uri, title in conn.execute("SELECT id, uri, title FROM threads ORDER BY id"):
            uri = (uri or "").strip()
            key = thread_keys.default_key(uri) if uri.startswith("/") else uri
            yield ThreadRecord(external_id=str(tid), key=key or None, url=None, title=title)
        rows = conn.execute(
            "SELECT tid, id, parent, created, modified, mode, remote_addr, text, author,"
            " email, website, likes, dislikes FROM comments ORDER BY id"
        )
        for row in rows:
            yield _comment(*row)
    finally:
        conn.close()


def load(path: str | Path, options: loading.Options) -> loading.Summary:
    """Import an Isso database into ``options.site``."""
    return loading.load(parse(path), options)


def count(path: str | Path) -> int:
    """Return how many records ``parse`` will yield."""
    conn = _connect(path)
    try:
        threads = conn.execute("SELECT count(*) FROM threads").fetchone()[0]
        comments = conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    finally:
        conn.close()
    return int(threads) + int(comments)


def _time(value: float | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(float(value), UTC).replace(tzinfo=None)


def _comment(
    tid: int,
    comment_id: int,
    parent: int | None,
    created: float,
    modified: float | None,
    mode: int,
    remote_addr: str | None,
    text: str | None,
    author: str | None,
    email: str | None,
    website: str | None,
    likes: int | None,
    dislikes: int | None,
) -> Record:
    name = (author or "").strip()
    return PostRecord(
        external_id=str(comment_id),
        thread_external=str(tid),
        parent_external=str(parent) if parent else None,
        body=text or "",
        body_format=markup.MARKDOWN,
        created_at=_time(created) or datetime(1970, 1, 1),
        edited_at=_time(modified),
        status=_MODES.get(mode, Status.PENDING),
        author=AuthorRecord(name=name, email=(email or "").strip() or None, website=website),
        author_name=name or "Guest",
        author_website=(website or "").strip() or None,
        remote_addr=remote_addr,
        votes_up=int(likes or 0),
        votes_down=int(dislikes or 0),
    )
