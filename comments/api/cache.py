"""Rendered pages of threads, kept per process and checked against the thread's version.

A page is rebuilt only when its thread's ``version`` has moved, which every
write that changes what readers see makes happen (the session hook in
``comments/versions.py``). The
version is read from the database on every request, so all workers and hosts
agree on what is current; what is cached is only the work of building the page.
The same key, hashed, is the response's ETag, so a browser that has the page
gets a 304.

Votes are the exception (see ``comments.votes``): they move the thread's
``tally_version``, not its ``version``. A cached page built with older
tallies is served until it is ``VOTE_TALLY_TTL`` seconds old, then rebuilt;
under a stream of votes each worker rebuilds a page at most once per TTL,
and the tallies a page shows are at most that many seconds behind. The
ETag names the tallies the body was built with, so a 304 is only ever sent
for the very bytes the cache would send.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from flask import Response, current_app, g, request

from comments import database

MAX_ENTRIES = 512
_EXTENSION = "comments.pages"
_MEMO = "comments.memo"


class Entry(NamedTuple):
    """A rendered page: its ETag and bytes, the tallies it was built with, and when."""

    etag: str
    body: bytes
    tally: Hashable = None
    built: float = 0.0


class PageCache:
    """A small LRU of rendered pages, one per app (so tests' apps never share one)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: Hashable, value: Any) -> None:
        """Keep ``value``, forgetting the least recently used page past the size."""
        with self._lock:
            self._pages[key] = value
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def recall(self, key: Hashable) -> Any:
        """Return the page kept for ``key``, if any."""
        with self._lock:
            value = self._pages.get(key)
            if value is not None:
                self._pages.move_to_end(key)
            return value

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._pages.clear()


def _cache(name: str = _EXTENSION) -> PageCache:
    cache: PageCache | None = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, PageCache())
    return cache


def while_unchanged(key: Hashable, compute: Callable[[], Any]) -> Any:
    """Return ``compute()``, reusing the last answer while the database has not changed.

    Only where the database can say so cheaply (SQLite's change stamp); elsewhere
    ``compute()`` runs every time. The stamp is read before computing, so a
    commit that lands meanwhile makes the next call compute again.

    A value that carries the requested site's origins (a page's version, a
    section page's counts) also answers the request's CORS check, so that check
    costs no query of its own.
    """
    stamp = database.change_stamp()
    if stamp is None:
        value = compute()
    else:
        memo = _cache(_MEMO)
        hit = memo.recall(key)
        if hit is not None and hit[0] == stamp:
            value = hit[1]
        else:
            value = compute()
            memo.remember(key, (stamp, value))
    if isinstance(getattr(value, "origins", None), list) and "cors_site" not in g:
        g.cors_site = value
    return value


def json_page(
    key: Hashable, build: Callable[[], Any], *, tally: Hashable = None, tally_ttl: float = 0.0
) -> Response:
    """Return the JSON for ``key``, from the cache or from ``build()``; answer 304 when fresh.

    ``tally`` names the vote tallies the page would show now; a kept page built
    with other tallies is reused until it is ``tally_ttl`` seconds old.
    """
    pages = _cache()
    entry: Entry | None = pages.recall(key)
    now = time.monotonic()
    if entry is not None and entry.tally != tally and now - entry.built >= tally_ttl:
        entry = None
    if entry is None:
        body = current_app.json.dumps(build()).encode()
        etag = hashlib.blake2b(repr((key, tally)).encode(), digest_size=12).hexdigest()
        entry = Entry(etag, body, tally, now)
        pages.remember(key, entry)
    etag, body = entry.etag, entry.body
    # Only a request that sends If-None-Match needs it parsed.
    if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    # Shared caches must ask again: the page changes the moment a comment lands.
    response.headers["Cache-Control"] = "no-cache"
    return response
