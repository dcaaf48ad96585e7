"""Spam and abuse guards: what refuses a comment and what holds it for review."""

from __future__ import annotations

from comments import errors, markup, reasons
from comments.models import Moderation


def check_honeypot(value: str | None) -> None:
    """Refuse a post whose hidden honeypot field was filled in (people never see it)."""
    if value:
        raise errors.Spam("Your comment could not be accepted.")


def hold_reasons(*, html: str, moderation: str, max_links: int) -> list[reasons.Reason]:
    """Return why a new comment must wait for a moderator (empty: publish it)."""
    held = []
    if moderation == Moderation.PRE.value:
        held.append(reasons.make(reasons.PREMODERATED))
    links = markup.count_links(html)
    if links > max_links:
        held.append(reasons.make(reasons.TOO_MANY_LINKS, count=links, limit=max_links))
    return held
