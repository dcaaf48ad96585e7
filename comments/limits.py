"""Rate-limit policy: whom a request counts against, and which limits apply.

Flask-Limiter does the counting (in memory, or in Redis so the limits hold
across every worker and host). The client address is ``request.remote_addr``;
``X-Forwarded-For`` is believed only as far as ``TRUSTED_PROXIES`` says, via
Werkzeug's ProxyFix, which ``create_app`` installs. A client that forges the
header gains nothing: with no trusted proxy the header is ignored, and with N
trusted proxies only the address the N-th proxy saw is used.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request


def client_address() -> str:
    """Return the address a request counts against."""
    return request.remote_addr or "unknown"


def client_thread_key() -> str:
    """Return a key for one client posting in one thread."""
    payload = request.get_json(silent=True, cache=True)
    site = thread = ""
    if isinstance(payload, dict):
        site = str(payload.get("site", ""))[:100]
        thread = str(payload.get("thread", ""))[:500]
    digest = hashlib.sha256(f"{site}\x00{thread}".encode()).hexdigest()[:24]
    return f"{client_address()}/{digest}"


def post_limit() -> str:
    """Return the per-client posting limit from config."""
    return str(current_app.config["RATELIMIT_POST"])


def post_thread_limit() -> str:
    """Return the per-client, per-thread posting limit from config."""
    return str(current_app.config["RATELIMIT_POST_THREAD"])


def read_limit() -> str:
    """Return the per-client reading limit from config."""
    return str(current_app.config["RATELIMIT_READ"])


def counts_after_success(response: object) -> bool:
    """Count only posts that were accepted, so a reader fixing a typo is not locked out."""
    status = getattr(response, "status_code", 500)
    return bool(status < 400)


def is_preflight() -> bool:
    """Tell whether the request is a CORS preflight, which no limit counts."""
    return request.method == "OPTIONS"
