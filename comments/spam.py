"""Spam and abuse guards: what refuses a comment and what holds it for review."""

from __future__ import annotations

from comments import errors, markup
from comments.models import Moderation

HELD_PRE_MODERATION = "Comments on this site appear after a moderator has approved them."
HELD_TOO_MANY_LINKS = (
    "Comments with more than {limit} links are checked by a moderator before they appear."
)


def check_honeypot(value: str | None) -> None:
    """Refuse a post whose hidden honeypot field was filled in (people never see it)."""
    if value:
        raise errors.Spam("Your comment could not be accepted.")


def hold_reasons(*, html: str, moderation: str, max_links: int) -> list[str]:
    """Return why a new comment must wait for a moderator (empty: publish it)."""
    reasons = []
    if moderation == Moderation.PRE.value:
        reasons.append(HELD_PRE_MODERATION)
    if markup.count_links(html) > max_links:
        reasons.append(HELD_TOO_MANY_LINKS.format(limit=max_links))
    return reasons
