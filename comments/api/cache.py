"""Rendered pages of threads, kept per process and checked against the thread's version.

A page is rebuilt only when its thread's ``version`` has moved, which every
write that changes what readers see makes happen (the session hook in
``comments/versions.py``). The
version is read from the database on every request, so all workers and hosts
agree on what is current; what is cached is only the work of building the page.
The same key, hashed, is the response's ETag, so a browser that has the page
gets a 304.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app, g, request

from comments import database

MAX_ENTRIES = 512
_EXTENSION = "comments.pages"
_MEMO = "comments.memo"


class PageCache:
    """A small LRU of rendered pages, one per app (so tests' apps never share one)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: Hashable, value: tuple[str, bytes]) -> None:
        """Keep ``value``, forgetting the least recently used page past the size."""
        with self._lock:
            self._pages[key] = value
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def recall(self, key: Hashable) -> tuple[str, bytes] | None:
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
            memo.remember(key, (stamp, value))  # type: ignore[arg-type]
    if isinstance(getattr(value, "origins", None), list) and "cors_site" not in g:
        g.cors_site = value
    return value


def json_page(key: Hashable, build: Callable[[], Any]) -> Response:
    """Return the JSON for ``key``, from the cache or from ``build()``; answer 304 when fresh."""
    pages = _cache()
    entry = pages.recall(key)
    if entry is None:
        body = current_app.json.dumps(build()).encode()
        etag = hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()
        entry = (etag, body)
        pages.remember(key, entry)
    etag, body = entry
    # Only a request that sends If-None-Match needs it parsed.
    if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    # Shared caches must ask again: the page changes the moment a comment lands.
    response.headers["Cache-Control"] = "no-cache"
    return response
