"""Cross-origin rules: CORS headers only for the origins a site registered.

Readers never get a cookie from the service, so responses carry no
``Access-Control-Allow-Credentials``. A preflight for a write names no site (its
body is not sent), so it is answered for an origin that any site lists; the
write itself is then refused unless its Origin belongs to the site it posts to.
"""

from __future__ import annotations

from flask import Response, g, request

from comments import sites, threads
from comments.api import bp, cache

# Authorization carries a signed-in reader's token, X-Comments-Reader a guest's
# reader id (votes, /me). The page itself is read without either, so that it
# stays a simple request with the same bytes for everyone.
ALLOWED_HEADERS = "Content-Type, Authorization, X-Edit-Token, X-Comments-Reader"
EXPOSED_HEADERS = "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
METHODS = "GET, POST, PATCH, DELETE, OPTIONS"


def _site_of_request() -> sites.HasOrigins | None:
    """Return the site the request is about, from its query, body or comment id."""
    if "cors_site" in g:
        return g.cors_site
    site: sites.HasOrigins | None = None
    slug = request.args.get("site")
    if slug is None and request.is_json:
        payload = request.get_json(silent=True, cache=True)
        if isinstance(payload, dict) and isinstance(payload.get("site"), str):
            slug = payload["site"]
    if slug is not None:
        # Section pages send this with every counts request: keep it cheap.
        site = cache.while_unchanged(("origins", slug), lambda: sites.origins_of(slug))
    elif request.view_args and isinstance(request.view_args.get("comment_id"), int):
        site = threads.site_of_comment(request.view_args["comment_id"])
    g.cors_site = site
    return site


def answer_for(site: sites.HasOrigins | None) -> None:
    """Let the CORS check of this answer use the site a write has just loaded.

    A write view hands over the site it checked the request's Origin against,
    so the answer's check needs no query of its own.
    """
    if site is not None:
        g.cors_site = site


def _origin_allowed(origin: str) -> bool:
    site = _site_of_request()
    if site is not None:
        return sites.allows_origin(site, origin)
    if request.method == "OPTIONS":
        return sites.any_site_allows(origin)
    return False


@bp.before_request
def answer_preflight() -> Response | None:
    """Answer a CORS preflight before any view or limit runs."""
    if request.method != "OPTIONS":
        return None
    response = Response(status=204)
    origin = request.headers.get("Origin")
    if origin and _origin_allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    response.vary.add("Origin")
    return response


def _vary_on_origin(response: Response) -> None:
    if "Vary" in response.headers:
        response.vary.add("Origin")
    else:
        # What ``vary.add`` gives on an answer without Vary, without parsing
        # and writing back a header set (most answers have none).
        response.headers["Vary"] = "Origin"


@bp.after_request
def add_cors_headers(response: Response) -> Response:
    """Let the site's own pages read the answer; nobody else."""
    _vary_on_origin(response)
    origin = request.headers.get("Origin")
    if request.method != "OPTIONS" and origin:
        try:
            allowed = _origin_allowed(origin)
        except Exception:  # never turn an answer into a 500 over CORS
            allowed = False
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response
