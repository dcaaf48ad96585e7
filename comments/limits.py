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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter

_EXTENSION = "comments.limiter"


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


@dataclass(frozen=True)
class Rule:
    """One limit on one route: how many, counted against whom, and what counts."""

    limit: Callable[[], str]
    key: Callable[[], str] | None = None
    only_accepted: bool = False


# Every public route and its limits. Values come from config at request time.
ROUTES: dict[str, tuple[Rule, ...]] = {
    "api.list_comments": (Rule(read_limit),),
    "api.list_replies": (Rule(read_limit),),
    "api.counts": (Rule(read_limit),),
    "api.flag_comment": (Rule(read_limit),),
    "api.openapi": (Rule(read_limit),),
    "api.edit_comment": (Rule(read_limit),),
    "api.delete_comment": (Rule(read_limit),),
    "api.post_comment": (
        Rule(read_limit),
        Rule(post_limit, only_accepted=True),
        Rule(post_thread_limit, key=client_thread_key, only_accepted=True),
    ),
}


def _retry_after_only_when_refused(response: Any) -> Any:
    # Flask-Limiter sends Retry-After on every limited answer; it only means
    # something on a refusal.
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def init_app(app: Flask) -> Limiter:
    """Give the app its own limiter and wrap each public route in its limits."""
    # Registered before the limiter's own hook, so it runs after it.
    app.after_request(_retry_after_only_when_refused)
    limiter = Limiter(key_func=client_address, app=app, default_limits=[])
    for endpoint, rules in ROUTES.items():
        view: Any = app.view_functions[endpoint]
        for rule in rules:
            view = limiter.limit(
                rule.limit,
                key_func=rule.key,
                exempt_when=is_preflight,
                deduct_when=counts_after_success if rule.only_accepted else None,
            )(view)
        app.view_functions[endpoint] = view
    app.extensions[_EXTENSION] = limiter
    return limiter


def current_limit() -> Any:
    """Return the limit the current request ran into, if any (for Retry-After)."""
    limiter: Limiter | None = current_app.extensions.get(_EXTENSION)
    return limiter.current_limit if limiter is not None else None


def admit_login(email: str) -> None:
    """Count a sign-in attempt against the address and the account, or refuse it."""
    limiter: Limiter | None = current_app.extensions.get(_EXTENSION)
    if limiter is None or not (limiter.enabled and limiter.initialized):
        return
    from limits import parse_many

    from comments import errors

    prefix = str(current_app.config["RATELIMIT_KEY_PREFIX"])
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]
    for setting, key in (
        ("RATELIMIT_LOGIN", client_address()),
        ("RATELIMIT_LOGIN_ACCOUNT", account),
    ):
        for item in parse_many(str(current_app.config[setting])):
            if not limiter.limiter.hit(item, prefix, "login", key):
                raise errors.RateLimited(
                    "Too many sign-in attempts; wait a minute and try again.", retry_after=60
                )


def admit_flag() -> None:
    """Count a new report against the client's reporting limit, or refuse it.

    Called once the report is stored, in its unit of work: a refusal rolls
    it back, and refused or repeated reports use nothing up. Checking and
    counting are one step in the storage (an increment), so workers and
    hosts that take reports at the same moment can't all slip under it.
    """
    limiter: Limiter | None = current_app.extensions.get(_EXTENSION)
    if limiter is None or not (limiter.enabled and limiter.initialized):
        return
    import math
    import time

    from limits import parse_many

    from comments import errors

    prefix = str(current_app.config["RATELIMIT_KEY_PREFIX"])
    for item in parse_many(str(current_app.config["RATELIMIT_FLAG"])):
        if not limiter.limiter.hit(item, prefix, "flag", client_address()):
            stats = limiter.limiter.get_window_stats(item, prefix, "flag", client_address())
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise errors.RateLimited(
                f"You are reporting too quickly. Please try again in {wait} seconds.",
                retry_after=wait,
            )
