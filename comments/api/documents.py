"""Routes of the API that answer documents rather than JSON: Atom feeds and avatars.

Both are the same bytes for everyone and carry an ETag; a client that has
the current bytes gets ``304 Not Modified`` on ``If-None-Match``. A feed's
ETag comes from its version (``feeds.thread_version`` / ``site_version``),
read before any comment is, so an unchanged feed costs one small query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable

from flask import Response, current_app, request
from pydantic import BaseModel

from comments import avatars, feeds
from comments.api import atom, bp
from comments.api.schemas import SiteFeedQuery, ThreadFeedQuery
from comments.api.spec import operation
from comments.api.views import _query

#: How long shared caches and feed readers may keep a feed without asking again:
#: short, since a moderator's removal must leave the feed soon.
FEED_MAX_AGE = 60
AVATAR_CACHE = "public, max-age=31536000, immutable"
SVG = "image/svg+xml"

_FEED_RESPONSES: dict[int, tuple[str, type[BaseModel] | None]] = {
    200: ("An Atom feed, newest entry first (`FEED_ENTRIES`, 50, at most).", None),
    304: ("Not modified since the ETag given in `If-None-Match`.", None),
}
_FEED_MEDIA = {200: atom.MEDIA_TYPE, 304: ""}


def _etag(key: Hashable) -> str:
    return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()


def _document(etag: str, build: Callable[[], bytes], mimetype: str, cache: str) -> Response:
    """Answer ``build()``'s bytes with their ETag, or 304 when the client has them."""
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(build(), mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache
    return response


def _feed(key: tuple[object, ...], build: Callable[[], feeds.Feed]) -> Response:
    limit = int(current_app.config["FEED_ENTRIES"])
    etag = _etag((*key, limit, request.host, request.url))

    def render() -> bytes:
        return atom.render(build(), host=request.host, self_url=request.url)

    response = _document(etag, render, atom.MEDIA_TYPE, f"public, max-age={FEED_MAX_AGE}")
    if response.status_code == 200:
        response.headers["Content-Type"] = atom.MEDIA_TYPE + "; charset=utf-8"
    return response


@bp.get("/feeds/thread.atom")
@operation(
    "GET",
    "/feeds/thread.atom",
    summary="Atom feed of a thread's comments",
    description="The newest visible comments of one thread. A thread whose comments are "
    "all hidden is an empty feed; one nobody has commented on is a 404.",
    query=ThreadFeedQuery,
    responses=_FEED_RESPONSES,
    media=_FEED_MEDIA,
)
def thread_feed() -> Response:
    """Return the Atom feed of one thread."""
    q = _query(ThreadFeedQuery)
    version = feeds.thread_version(q.site, q.thread)
    limit = int(current_app.config["FEED_ENTRIES"])
    return _feed(("thread", *version), lambda: feeds.thread_feed(q.site, q.thread, limit=limit))


@bp.get("/feeds/site.atom")
@operation(
    "GET",
    "/feeds/site.atom",
    summary="Atom feed of a site's comments",
    description="The newest visible comments of every thread of the site.",
    query=SiteFeedQuery,
    responses=_FEED_RESPONSES,
    media=_FEED_MEDIA,
)
def site_feed() -> Response:
    """Return the Atom feed of a whole site."""
    q = _query(SiteFeedQuery)
    version = feeds.site_version(q.site)
    limit = int(current_app.config["FEED_ENTRIES"])
    return _feed(("site", *version), lambda: feeds.site_feed(q.site, limit=limit))


@bp.get("/avatars/<seed>.svg")
@operation(
    "GET",
    "/avatars/{seed}.svg",
    summary="An avatar drawn from a seed",
    description="An identicon (SVG) drawn from an author's `hash`: the same bytes for the "
    "same seed, cached for a year. Any 16 hex digits draw one.",
    path_params={"seed": {"type": "string", "pattern": "^[0-9a-f]{16}$"}},
    responses={
        200: ("The avatar, as SVG.", None),
        304: ("Not modified since the ETag given in `If-None-Match`.", None),
    },
    media={200: SVG, 304: ""},
)
def avatar(seed: str) -> Response:
    """Return the identicon of an avatar seed."""
    image = avatars.identicon(seed)  # refuses anything but a seed first
    return _document(_etag(("avatar", seed, image)), lambda: image, SVG, AVATAR_CACHE)
