"""Rate-limit policy: whom a request counts against, and which limits apply.

Counters live in Flask-Limiter's storage (in memory, or in Redis so the limits
hold across every worker and host). The client address is
``request.remote_addr``; ``X-Forwarded-For`` is believed only as far as
``TRUSTED_PROXIES`` says, via Werkzeug's ProxyFix, which ``create_app``
installs. A client that forges the header gains nothing: with no trusted proxy
the header is ignored, and with N trusted proxies only the address the N-th
proxy saw is used.

Reading is limited by Flask-Limiter's decorator, before the view runs. Writes
are not: a post is counted by :func:`admit_post`, which the write path calls
once the post has passed every check, right before storing it; edits and
deletes by :func:`admit_edit`, once the request is well-formed. Checking and
counting are then one step, the storage's atomic increment, so requests in
flight at the same moment cannot all slip under the limit, and a post refused
for a reason the reader can fix never counts.

A post counts against several limits (per client, per client in one thread,
each per minute and per day). It takes them in turn; if one refuses, it gives
back what it took, its own refused increment included, so each counter is the
number of accepted posts plus those a moment away from being accepted or
refused. No counter can then pass its limit: at most the limit's amount of
requests hold a place at once, and accepted posts keep theirs. A give-back is
a decrement, which only the fixed-window strategy (the default) can do; with
``moving-window`` or ``sliding-window-counter`` every limit is tested first,
and a post refused by a later limit in a race may stay counted in an earlier
one. A post that fails after it was admitted (a database error) is given back
too.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from comments import errors

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


def edit_limit() -> str:
    """Return the per-client limit on edits and deletes from config."""
    return str(current_app.config["RATELIMIT_EDIT"])


def is_preflight() -> bool:
    """Tell whether the request is a CORS preflight, which no limit counts."""
    return request.method == "OPTIONS"


@dataclass(frozen=True)
class Rule:
    """One limit on one route, counted against the client's address."""

    limit: Callable[[], str]


# Every public route and the limits checked before its view runs. Values come
# from config at request time. Writes are counted by the view (see above).
ROUTES: dict[str, tuple[Rule, ...]] = {
    "api.list_comments": (Rule(read_limit),),
    "api.list_replies": (Rule(read_limit),),
    "api.counts": (Rule(read_limit),),
    "api.flag_comment": (Rule(read_limit),),
    "api.openapi": (Rule(read_limit),),
    "api.edit_comment": (Rule(read_limit),),
    "api.delete_comment": (Rule(read_limit),),
    "api.post_comment": (Rule(read_limit),),
    "api.vote_comment": (Rule(read_limit),),
    "api.me": (Rule(read_limit),),
    "api.thread_feed": (Rule(read_limit),),
    "api.site_feed": (Rule(read_limit),),
    # Avatars are not limited: drawing one reads nothing, and a long thread
    # shows hundreds, each cached by the browser for a year.
}


@dataclass(frozen=True)
class _Counter:
    """One counter in the storage: a limit item and whom it counts."""

    item: RateLimitItem
    identifiers: tuple[str, ...]


@dataclass(frozen=True)
class _Refusal:
    """The counter that refused this request, for the answer's headers."""

    amount: int
    reset_at: float
    wait: int


# Keys on ``g``: the counters a post took (given back if it fails after all),
# and the counter that refused a write.
_ADMITTED = "comments_limits_admitted"
_REFUSED = "comments_limits_refused"


@lru_cache(maxsize=64)
def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


def _counters(scope: str, spec: str, key: str) -> list[_Counter]:
    prefix = str(current_app.config["RATELIMIT_KEY_PREFIX"])
    return [_Counter(item, (prefix, scope, key)) for item in _items(spec)]


def _strategy() -> RateLimiter | None:
    """Return the limiter's counting strategy, or None when limits are off."""
    limiter: Limiter | None = current_app.extensions.get(_EXTENSION)
    if limiter is None or not (limiter.enabled and limiter.initialized):
        return None
    return limiter.limiter


def _give_back(strategy: RateLimiter, counters: list[_Counter]) -> None:
    storage = strategy.storage
    for counter in counters:
        key = counter.item.key_for(*counter.identifiers)
        # A counter whose window ended meanwhile is gone; do not start the
        # next window below zero.
        if storage.get(key) > 0:
            storage.incr(key, counter.item.get_expiry(), amount=-1)


def _take(counters: list[_Counter], detail: str) -> list[_Counter]:
    """Count one request against every counter, all or none, or raise RateLimited."""
    strategy = _strategy()
    if strategy is None:
        return []
    exact = isinstance(strategy, FixedWindowRateLimiter)
    if not exact:
        for counter in counters:
            if not strategy.test(counter.item, *counter.identifiers):
                _refuse(strategy, counter, detail)
    taken: list[_Counter] = []
    for counter in counters:
        admitted = strategy.hit(counter.item, *counter.identifiers)
        if admitted or exact:
            # A fixed window counts even the hit it refuses.
            taken.append(counter)
        if not admitted:
            if exact:
                _give_back(strategy, taken)
            _refuse(strategy, counter, detail)
    return taken


def _refuse(strategy: RateLimiter, counter: _Counter, detail: str) -> None:
    stats = strategy.get_window_stats(counter.item, *counter.identifiers)
    wait = max(1, math.ceil(stats.reset_time - time.time()))
    setattr(g, _REFUSED, _Refusal(counter.item.amount, stats.reset_time, wait))
    raise errors.RateLimited(f"{detail} Please try again in {wait} seconds.", retry_after=wait)


def admit_post() -> None:
    """Count a post that passed every check against the posting limits, or refuse it."""
    client = client_address()
    counters = [
        *_counters("post", post_limit(), client),
        *_counters("post-thread", post_thread_limit(), client_thread_key()),
    ]
    setattr(g, _ADMITTED, _take(counters, "You are posting too quickly."))


def admit_edit() -> None:
    """Count a well-formed edit or delete against the editing limit, or refuse it."""
    # An edit counts even when it is refused afterwards (a wrong token, say):
    # that is what keeps anyone from guessing tokens quickly.
    counters = _counters("edit", edit_limit(), client_address())
    _take(counters, "You are changing comments too quickly.")


def _give_back_if_failed(response: Any) -> Any:
    # A post admitted by the limits but not stored after all (an error while
    # storing) does not count.
    taken: list[_Counter] | None = g.pop(_ADMITTED, None)
    strategy = _strategy()
    if taken and response.status_code >= 400 and strategy is not None:
        _give_back(strategy, taken)
    return response


def _give_back_on_error(exc: BaseException | None) -> None:
    # When an error propagates (tests, debug), the response hook never ran.
    taken: list[_Counter] | None = g.pop(_ADMITTED, None)
    strategy = _strategy()
    if taken and exc is not None and strategy is not None:
        _give_back(strategy, taken)


def _retry_after_only_when_refused(response: Any) -> Any:
    # Flask-Limiter sends Retry-After on every limited answer; it only means
    # something on a refusal. When a write limit refused, the headers speak of
    # that limit, not of the reading limit the decorator saw.
    refused: _Refusal | None = g.pop(_REFUSED, None)
    if refused is not None and response.status_code == 429:
        response.headers["Retry-After"] = str(refused.wait)
        if "X-RateLimit-Limit" in response.headers:
            response.headers["X-RateLimit-Limit"] = str(refused.amount)
            response.headers["X-RateLimit-Remaining"] = "0"
            response.headers["X-RateLimit-Reset"] = str(int(refused.reset_at))
    elif response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def init_app(app: Flask) -> Limiter:
    """Give the app its own limiter and wrap each public route in its limits."""
    if app.config.get("RATELIMIT_ENABLED", True):
        # Registered before the limiter's own hook (Flask runs after-request
        # hooks in reverse), so they run after it.
        app.after_request(_retry_after_only_when_refused)
        app.after_request(_give_back_if_failed)
        app.teardown_request(_give_back_on_error)
    limiter = Limiter(key_func=client_address, app=app, default_limits=[])
    app.extensions[_EXTENSION] = limiter
    if not limiter.enabled:
        # Limits off (``RATELIMIT_ENABLED``, read once, here and by the
        # limiter): nothing is ever counted or refused, so neither
        # Flask-Limiter's wrapper (which would run on every request only to
        # find limits off) nor the hooks above have anything to do.
        return limiter
    for endpoint, rules in ROUTES.items():
        view: Any = app.view_functions[endpoint]
        for rule in rules:
            view = limiter.limit(rule.limit, exempt_when=is_preflight)(view)
        app.view_functions[endpoint] = view
    return limiter


def current_limit() -> Any:
    """Return the limit the current request ran into, if any (for Retry-After)."""
    limiter: Limiter | None = current_app.extensions.get(_EXTENSION)
    return limiter.current_limit if limiter is not None else None


def admit_login(email: str) -> None:
    """Count a sign-in attempt against the address and against the account, or refuse it.

    Every attempt counts, right or wrong, before the password is checked: a
    guesser gets the same few tries per minute whichever addresses it uses
    for one account, and whichever accounts it tries from one address.
    """
    account = hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:24]
    config = current_app.config
    counters = [
        *_counters("login", str(config["RATELIMIT_LOGIN"]), client_address()),
        *_counters("login-account", str(config["RATELIMIT_LOGIN_ACCOUNT"]), account),
    ]
    _take(counters, "Too many sign-in attempts.")


def admit_flag() -> None:
    """Count a new report against the client's reporting limit, or refuse it.

    Called once the report is stored, in its unit of work: a refusal rolls
    it back, and repeated reports use nothing up. Checking and counting are
    one step in the storage, so workers that take reports at the same moment
    can't all slip under it.
    """
    counters = _counters("flag", str(current_app.config["RATELIMIT_FLAG"]), client_address())
    _take(counters, "You are reporting too quickly.")


def admit_vote() -> None:
    """Count a vote that changes something against the client's voting limit, or refuse it.

    Called in the vote's unit of work, before it is stored: a refusal rolls
    it back, and repeating a vote as it stands uses nothing up. Checking and
    counting are one step in the storage, as for :func:`admit_flag`.
    """
    counters = _counters("vote", str(current_app.config["RATELIMIT_VOTE"]), client_address())
    _take(counters, "You are voting too quickly.")
