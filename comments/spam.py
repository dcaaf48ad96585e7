"""Spam and abuse guards: what refuses a comment and what holds it for review."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, func, select

from comments import errors, markup, reasons, words
from comments.extensions import db
from comments.models import Author, Comment, Moderation, Status, Thread
from comments.site_settings import SiteSettings

BANNED_WORD = (
    "Your comment contains a word this site does not allow. Please rephrase it and post again."
)
BANNED_NAME = "Your name contains a word this site does not allow. Please choose another."


def check_honeypot(value: str | None) -> None:
    """Refuse a post whose hidden honeypot field was filled in (people never see it)."""
    if value:
        raise errors.Spam("Your comment could not be accepted.")


@dataclass(frozen=True)
class Rules:
    """What a site and a thread ask of a comment, beyond the app-wide guards."""

    settings: SiteSettings
    # The thread's own mode ("pre" or "post"), or None to follow the site's rules.
    thread_moderation: str | None = None
    # Counts the author's approved comments on the site, only when a rule needs it;
    # None (an edit) skips the new-commenter rule: the author was let in once.
    approved: Callable[[int], int] | None = None
    # The name given with the comment, which readers see beside it.
    name: str | None = None


def hold_reasons(
    *, html: str, moderation: str, max_links: int, rules: Rules | None = None
) -> list[reasons.Reason]:
    """Return why a new comment must wait for a moderator (empty: publish it).

    Raise ValidationFailed when the text holds one of the site's banned words.
    A thread's own mode replaces the site's: "pre" holds everything, "post"
    lifts the site's holds for new commenters and links (word lists and the
    link limit still apply).
    """
    held = []
    if rules is not None:
        held.extend(_word_reasons(html, rules.settings, rules.name))
    override = rules.thread_moderation if rules is not None else None
    if override == Moderation.PRE.value:
        held.insert(0, reasons.make(reasons.PREMODERATED_THREAD))
    elif override is None and moderation == Moderation.PRE.value:
        held.insert(0, reasons.make(reasons.PREMODERATED))
    elif override is None and rules is not None:
        held.extend(_new_commenter(rules))
    links = markup.count_links(html)
    site_wants = rules is not None and override is None and rules.settings.premoderate_links
    if links and site_wants:
        held.append(reasons.make(reasons.HAS_LINKS, count=links))
    elif links > max_links:
        held.append(reasons.make(reasons.TOO_MANY_LINKS, count=links, limit=max_links))
    return held


def _word_reasons(html: str, settings: SiteSettings, name: str | None) -> list[reasons.Reason]:
    if not (settings.banned_words or settings.suspect_words):
        return []
    matcher = settings.words()
    found = matcher.find(markup.plain_text(html))
    named = matcher.find(name) if name else words.Found(None, None)
    # The word itself is not repeated back: it may be a slur.
    if found.banned is not None:
        raise errors.ValidationFailed(BANNED_WORD, errors={"body": BANNED_WORD}, code="banned_word")
    if named.banned is not None:
        raise errors.ValidationFailed(
            BANNED_NAME, errors={"author.name": BANNED_NAME}, code="banned_word"
        )
    suspect = found.suspect or named.suspect
    if suspect is not None:
        return [reasons.make(reasons.SUSPECT_WORD, word=suspect)]
    return []


def _new_commenter(rules: Rules) -> list[reasons.Reason]:
    needed = rules.settings.premoderate_new
    if needed <= 0 or rules.approved is None:
        return []
    approved = rules.approved(needed)
    if approved >= needed:
        return []
    return [reasons.make(reasons.NEW_COMMENTER, approved=approved, needed=needed)]


# One indexed query (ix_comments_author_status), and it stops counting at what is needed.
_APPROVED = select(func.count()).select_from(
    select(Comment.id)
    .where(Comment.author_id == bindparam("aid", type_=Integer), Comment.status == Status.APPROVED)
    .limit(bindparam("enough", type_=Integer))
    .subquery()
)


def approved_count(author_id: int | None, enough: int) -> int:
    """Return how many approved comments the author has, counting at most ``enough``."""
    if author_id is None:
        return 0
    return int(db.session.scalar(_APPROVED, {"aid": author_id, "enough": enough}) or 0)


def rules_for(
    settings: SiteSettings, thread: Thread, author: Author | None, name: str | None = None
) -> Rules:
    """Return the rules for a comment by ``author`` (named ``name``) in ``thread``.

    ``author`` None is an edit: only the text changes.
    """
    if author is None:
        return Rules(settings, thread.moderation)
    author_id = author.id
    return Rules(
        settings, thread.moderation, lambda enough: approved_count(author_id, enough), name
    )
