"""A site's rules: what ``Site.settings`` holds, read with defaults, changed with checks.

Read them with :func:`settings_of`; change them with :func:`update_settings`,
which checks every field, says per field what is wrong, and writes the
change to the audit log with what it was before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from comments import audit, database, errors, sites, words
from comments.extensions import db
from comments.models import Moderation, Site, Thread, utcnow

DEFAULT_EDIT_WINDOW = 15 * 60
DEFAULT_REPORT_THRESHOLD = 3
DEFAULT_CLOSED_MESSAGE = "This discussion is closed."
GUESTS = ("allowed", "refused")
MAX_CLOSED_MESSAGE = 500


@dataclass(frozen=True)
class SiteSettings:
    """A site's rules, with the defaults filled in."""

    report_threshold: int = DEFAULT_REPORT_THRESHOLD
    # Seconds after posting during which the author may edit or delete.
    edit_window: int = DEFAULT_EDIT_WINDOW
    # Hold a commenter's comments until they have this many approved (0: off).
    premoderate_new: int = 0
    # Hold every comment with a link.
    premoderate_links: bool = False
    # A thread takes no new comments this many days after its first one (None: never).
    auto_close_days: int | None = None
    # What readers are told of a closed thread (None: DEFAULT_CLOSED_MESSAGE).
    closed_message: str | None = None
    banned_words: tuple[str, ...] = ()
    suspect_words: tuple[str, ...] = ()
    guests: str = "allowed"

    def words(self) -> words.Matcher:
        """Return the site's word lists, compiled (once per content)."""
        return words.matcher(self.banned_words, self.suspect_words)

    def closes_at(self, thread: Thread) -> datetime | None:
        """Return when ``thread`` stops taking comments by the auto-close rule, or None."""
        if self.auto_close_days is None or thread.created_at is None:
            return None
        return thread.created_at + timedelta(days=self.auto_close_days)

    def is_closed(self, thread: Thread, now: datetime) -> bool:
        """Tell whether ``thread`` is closed, by hand or by the auto-close rule."""
        closes_at = self.closes_at(thread)
        return bool(thread.closed) or (closes_at is not None and now >= closes_at)

    def message(self) -> str:
        """Return what readers are told of a closed thread."""
        return self.closed_message or DEFAULT_CLOSED_MESSAGE


KEYS = (
    "report_threshold",
    "edit_window",
    "premoderate_new",
    "premoderate_links",
    "auto_close_days",
    "closed_message",
    "banned_words",
    "suspect_words",
    "guests",
)


def settings_of(
    site: Site,
    *,
    edit_window: int = DEFAULT_EDIT_WINDOW,
    report_threshold: int = DEFAULT_REPORT_THRESHOLD,
) -> SiteSettings:
    """Return a site's rules; keys it does not set take the defaults given (the app's config)."""
    stored: Mapping[str, Any] = site.settings or {}
    values: dict[str, Any] = {"edit_window": edit_window, "report_threshold": report_threshold}
    for key in KEYS:
        if stored.get(key) is not None:
            values[key] = stored[key]
    values["banned_words"] = tuple(values.get("banned_words", ()))
    values["suspect_words"] = tuple(values.get("suspect_words", ()))
    return SiteSettings(**values)


def as_dict(settings: SiteSettings) -> dict[str, Any]:
    """Return the settings as stored (lists as lists)."""
    value = {key: getattr(settings, key) for key in KEYS}
    value["banned_words"] = list(settings.banned_words)
    value["suspect_words"] = list(settings.suspect_words)
    return value


def _integer(value: Any, low: int, high: int, what: str) -> tuple[int | None, str | None]:
    if isinstance(value, bool) or not isinstance(value, int):
        return None, f"must be a whole number of {what}"
    if not low <= value <= high:
        return None, f"must be between {low:,} and {high:,} {what}"
    return value, None


def _word_list(value: Any) -> tuple[list[str] | None, str | None]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return None, "must be a list of words"
    cleaned = list(dict.fromkeys(w.strip() for w in value if w.strip()))
    if len(cleaned) > words.MAX_WORDS:
        return None, f"may hold at most {words.MAX_WORDS:,} words"
    for word in cleaned:
        problem = words.problem(word)
        if problem is not None:
            return None, f"“{word[:40]}” {problem}"
    return cleaned, None


def _check(key: str, value: Any) -> tuple[Any, str | None]:
    """Return the value to store for ``key`` and None, or None and what is wrong."""
    if key == "report_threshold":
        return _integer(value, 1, 1000, "reports")
    if key == "edit_window":
        return _integer(value, 60, 7 * 24 * 3600, "seconds")
    if key == "premoderate_new":
        return _integer(value, 0, 100, "comments")
    if key == "premoderate_links":
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if key == "auto_close_days":
        return (None, None) if value is None else _integer(value, 1, 3650, "days")
    if key == "closed_message":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None, None
        if not isinstance(value, str):
            return None, "must be text"
        if len(value.strip()) > MAX_CLOSED_MESSAGE:
            return None, f"must be at most {MAX_CLOSED_MESSAGE} characters"
        return value.strip(), None
    if key in ("banned_words", "suspect_words"):
        return _word_list(value)
    if key == "guests":
        return (value, None) if value in GUESTS else (None, "must be allowed or refused")
    return None, "is not a setting"


def update_settings(
    slug: str,
    changes: Mapping[str, Any],
    *,
    actor: audit.Actor,
    moderation: str | None = None,
    origins: list[str] | None = None,
) -> Site:
    """Change a site's rules in the caller's unit of work, or raise naming each wrong field.

    ``moderation`` (post or pre) and ``origins`` are the site's own columns,
    changed here too so that one form saves all at once. Nothing is changed
    unless every field is right. The audit log gets the fields that changed,
    before and after.
    """
    database.writing()
    site = sites.get_site(slug)
    stored = dict(site.settings or {})
    problems: dict[str, str] = {}
    for key, value in changes.items():
        checked, problem = _check(key, value)
        if problem is not None:
            problems[key] = problem
        elif checked is None:
            stored.pop(key, None)
        else:
            stored[key] = checked
    if moderation is not None and moderation not in {m.value for m in Moderation}:
        problems["moderation"] = "must be post or pre"
    if origins is not None:
        try:
            origins = sorted({sites.normalise_origin(o) for o in origins if o.strip()})
        except errors.ValidationFailed as exc:
            problems["origins"] = exc.detail
        if not origins:
            problems["origins"] = "at least one origin is needed"
    if problems:
        raise errors.ValidationFailed("Some settings are not right.", errors=problems)
    before = _shown(site.settings or {}, site.moderation, site.origins)
    after = _shown(stored, moderation or site.moderation, origins or site.origins)
    changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
    if not changed:
        return site
    _refresh_pages(site, changed)
    site.settings = stored
    sites.update_site(slug, moderation=moderation, origins=origins)
    audit.record(
        actor,
        "site.settings",
        site_id=site.id,
        target=("site", site.id),
        before={k: before.get(k) for k in sorted(changed)},
        after={k: after.get(k) for k in sorted(changed)},
    )
    return site


def _shown(settings: Mapping[str, Any], moderation: str, origins: list[str]) -> dict[str, Any]:
    return {**settings, "moderation": moderation, "origins": list(origins)}


# What a thread's pages show of the site's rules: changing these moves every page's version.
_SHOWN = ("auto_close_days", "closed_message", "guests")


def _refresh_pages(site: Site, changed: set[str]) -> None:
    if changed & set(_SHOWN):
        # One statement, however many threads: the session hook sees no ORM change here.
        db.session.connection().execute(
            update(Thread).where(Thread.site_id == site.id).values(version=Thread.version + 1)
        )


def refuse_if_closed(site: Site, thread: Thread) -> None:
    """Refuse a write to a thread closed by hand or by the auto-close rule, in the site's words."""
    settings = settings_of(site)
    if settings.is_closed(thread, utcnow()):
        raise errors.Forbidden(settings.message(), code="thread_closed")
