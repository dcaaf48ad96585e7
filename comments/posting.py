"""The write path: allowlisted fields -> checks -> guards -> save -> render once."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from comments import (
    database,
    errors,
    identity,
    markup,
    moderation,
    notifications,
    readers,
    sanctions,
    site_settings,
    sites,
    spam,
    threads,
)
from comments import reasons as reason_codes
from comments.extensions import db
from comments.models import Author, Comment, Site, Status, Thread, utcnow


@dataclass(frozen=True)
class NewComment:
    """What a reader submits, already checked for shape by the API layer."""

    site: str
    thread: str
    body: str
    # A guest's name; None when a signed-in user posts (their token names them).
    name: str | None = None
    url: str | None = None
    title: str | None = None
    parent_id: int | None = None
    email: str | None = None
    website: str | None = None
    honeypot: str | None = None
    remote_addr: str | None = None
    # The Origin header of a browser's request; None for server-to-server calls.
    origin: str | None = None
    # Email the author about replies to this comment (needs ``email``), in ``lang``.
    notify: bool = False
    lang: str | None = None
    # The sign-in token and reader id the request carried.
    reader: readers.Reader = readers.ANONYMOUS


@dataclass(frozen=True)
class Policy:
    """The settings the write path obeys, taken from config by the caller."""

    secret: str
    max_links: int = 3
    # Seconds after posting during which the author may edit or delete.
    edit_window: int = 15 * 60
    max_body_length: int = 10_000
    # Counts the post against the rate limits, or raises; called once a post
    # has passed every check, in the same step as storing it.
    admit: Callable[[], None] | None = None
    # Seconds a site's previous SSO secret keeps working after a rotation.
    sso_grace: int = 24 * 3600

    def auth(self) -> readers.Auth:
        """Return the settings readers are resolved with."""
        return readers.Auth(self.secret, self.sso_grace)


@dataclass(frozen=True)
class Posted:
    """A stored comment, why it is held when it is, and until when its author may change it."""

    comment: Comment
    reasons: list[reason_codes.Reason]
    in_reply_to: tuple[int, str] | None = None
    editable_until: datetime | None = None
    # Reply emails: "active", "confirm" (a confirmation email is on its way), or None.
    notify: str | None = None
    # The site it was posted to, as the write path loaded it (the API's CORS
    # check of the answer uses it instead of reading the site again).
    site: Site | None = None

    @property
    def held(self) -> bool:
        """Tell whether the comment waits for a moderator."""
        return self.comment.status != Status.APPROVED


def create_comment(new: NewComment, policy: Policy) -> Posted:
    """Store a new comment or reply in the caller's unit of work, or raise.

    Raising leaves the unit to roll back: nothing of a refused post is kept.
    """
    spam.check_honeypot(new.honeypot)
    body = _checked_body(new.body, policy)
    # Rendering is the slow part and needs no database: do it before queueing to write.
    html = _render(body)
    returning_guest: Author | None = None
    if new.name and not new.reader.token:
        # A guest's post (a reader token, valid or not, never takes the guest
        # branch below): their author row comes with the site and thread.
        guest = identity.guest_identity(policy.secret, new.name, new.email, new.remote_addr)
        site, thread, returning_guest = threads.locate_with_guest(new.site, new.thread, guest)
    else:
        site, thread = threads.locate(new.site, new.thread)
    policy = _for_site(policy, site)
    known = readers.resolve(site, new.reader, policy.auth(), utcnow())
    readers.refuse_guest(site, known)
    if new.origin is not None and not sites.allows_origin(site, new.origin):
        raise errors.Forbidden(
            "This page is not allowed to post to this site.", code="origin_refused"
        )
    # Only now the writers' lock (SQLite): what was read above may be a moment old.
    database.writing(keep_reads=True)
    thread = _thread_for(site, thread, new)
    parent = _parent_for(thread, new.parent_id)
    in_reply_to = (parent.id, parent.author_name) if parent else None
    if known.user is not None:
        author = readers.author_of(site, known.user, policy.secret)
        name, website = author.name, author.website
    elif new.name:
        author = (
            returning_guest
            if returning_guest is not None
            else identity.guest_author(
                site.id, new.name, new.email, remote_addr=new.remote_addr, secret=policy.secret
            )
        )
        name, website = new.name, new.website
    else:
        raise errors.ValidationFailed(
            "Please check the form. Your name is required.",
            errors={"author": "Your name is required."},
        )
    # A signed-in reader hears about replies at the email their publisher gave.
    email = author.email if known.user is not None else new.email
    if new.notify and not email:
        raise errors.ValidationFailed(
            "Give your email to hear about replies.",
            errors={"author.email": "An email is needed to tell you about replies."},
        )
    client = identity.client_key(policy.secret, new.remote_addr) if new.remote_addr else None
    # One statement asks both: is a sanction in force, and is this a repeat?
    now = utcnow()
    look = sanctions.in_force_params(site.id, author, client, now)
    look.update(tid=thread.id, aid=author.id, body=body)
    first = db.session.connection().execute(_FIRST_LOOK, look).one()
    held = sanctions.check(site.id, author, client, now) if first.sanction is not None else []
    if author.id is not None and first.duplicate is not None:
        raise errors.Conflict("You have already posted this comment here.", code="duplicate")
    held += spam.hold_reasons(
        html=html,
        moderation=site.moderation,
        max_links=policy.max_links,
        rules=spam.rules_for(site_settings.settings_of(site), thread, author, name),
    )
    if policy.admit is not None:
        policy.admit()
    comment = Comment(
        thread_id=thread.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author=author,
        author_name=name,
        author_website=website,
        body=body,
        html=html,
        markup_version=markup.POLICY_VERSION,
        remote_addr=new.remote_addr,
        client_key=client,
        reader_key=known.reader_key,
    )
    moderation.set_status(comment, Status.PENDING if held else Status.APPROVED, reasons=held)
    notify = None
    if new.notify and email:
        notify = notifications.subscribe(comment, site.id, email, new.lang, secret=policy.secret)
    return Posted(
        comment, held, in_reply_to, _editable_until(comment, policy), notify=notify, site=site
    )


def edit_comment(
    comment_id: int,
    token: str | None,
    body: str,
    policy: Policy,
    *,
    origin: str | None = None,
    reader: readers.Reader = readers.ANONYMOUS,
) -> Posted:
    """Replace the text of a reader's own comment, within the edit window.

    The edited text goes through the same rules as a new comment: if it now
    needs a moderator (too many links, a pre-moderated site), it is held again.
    """
    body = _checked_body(body, policy)
    database.writing()
    comment, site = _own_comment(comment_id, token, policy, origin, reader)
    # An imported HTML comment stays HTML; everything written here is Markdown.
    html = _render(body, comment.body_format)
    policy = _for_site(policy, site)
    held = sanctions.check(site.id, comment.author, comment.client_key, utcnow())
    held += spam.hold_reasons(
        html=html,
        moderation=site.moderation,
        max_links=policy.max_links,
        rules=spam.rules_for(site_settings.settings_of(site), comment.thread, None),
    )
    if body != comment.body:
        moderation.keep_revision(comment, editor="author")
        comment.body, comment.html = body, html
        comment.markup_version = markup.POLICY_VERSION
        comment.edited_at = utcnow()
        if comment.status == Status.APPROVED and held:
            moderation.set_status(comment, Status.PENDING, reasons=held)
        elif comment.status == Status.PENDING:
            comment.hold_reasons = held or comment.hold_reasons
        db.session.flush()
    shown = list(comment.hold_reasons) if comment.status != Status.APPROVED else []
    return Posted(comment, shown, _in_reply_to(comment), _editable_until(comment, policy))


def delete_comment(
    comment_id: int,
    token: str | None,
    policy: Policy,
    *,
    origin: str | None = None,
    reader: readers.Reader = readers.ANONYMOUS,
) -> None:
    """Delete a reader's own comment, within the edit window.

    A comment with shown replies stays in its place as a placeholder ("Comment
    deleted", no text, no author) so that its replies keep their context; one
    without replies goes. Either way it no longer counts (its replies do).
    """
    database.writing()
    comment, _site = _own_comment(comment_id, token, policy, origin, reader)
    moderation.set_status(comment, Status.DELETED)


def _for_site(policy: Policy, site: Site) -> Policy:
    """Return the policy with the site's own edit window."""
    window = site_settings.settings_of(site, edit_window=policy.edit_window).edit_window
    return replace(policy, edit_window=window)


def _editable_until(comment: Comment, policy: Policy) -> datetime:
    # The edit token is signed after the comment is stored, so it lives a
    # little longer than this: the author is never told more than is true.
    return comment.created_at + timedelta(seconds=policy.edit_window)


def _checked_body(body: str, policy: Policy) -> str:
    body = unicodedata.normalize("NFC", body)
    if len(body) > policy.max_body_length:
        limit = f"{policy.max_body_length:,}"
        raise errors.ValidationFailed(
            f"Your comment is longer than {limit} characters.",
            errors={"body": f"Your comment is longer than {limit} characters; please shorten it."},
        )
    return body


def _own_comment(
    comment_id: int, token: str | None, policy: Policy, origin: str | None, reader: readers.Reader
) -> tuple[Comment, Site]:
    """Return a comment its author may still change, with its site, or raise.

    The author is known by the comment's edit token, or, for a comment a
    signed-in user wrote, by their sign-in token within the edit window.
    """
    comment = database.find(Comment, comment_id)
    if comment is None or comment.status not in (Status.APPROVED, Status.PENDING):
        raise errors.NotFound("That comment does not exist (any more).")
    thread = db.session.get(Thread, comment.thread_id)
    site = db.session.get(Site, thread.site_id) if thread else None
    if thread is None or site is None:
        raise errors.NotFound("That comment does not exist (any more).")
    policy = _for_site(policy, site)
    if origin is not None and not sites.allows_origin(site, origin):
        raise errors.Forbidden(
            "This page is not allowed to change comments of this site.", code="origin_refused"
        )
    now = utcnow()
    known = readers.resolve(site, reader, policy.auth(), now)
    readers.refuse_guest(site, known)
    written = comment.author
    allowed = (
        known.user is not None
        and written.kind == identity.SSO
        and written.identity == known.user.sub
        and now < _editable_until(comment, policy)
    ) or (
        token is not None
        and identity.check_edit_token(policy.secret, token, comment.id, policy.edit_window)
    )
    if not allowed:
        minutes = max(1, policy.edit_window // 60)
        period = "1 minute" if minutes == 1 else f"{minutes} minutes"
        raise errors.Forbidden(
            f"You can change your own comment for {period} after posting it.",
            code="not_editable",
        )
    site_settings.refuse_if_closed(site, thread)
    return comment, site


def _in_reply_to(comment: Comment) -> tuple[int, str] | None:
    if comment.parent_id is None:
        return None
    parent = db.session.get(Comment, comment.parent_id)
    return (parent.id, threads.shown_name(parent)) if parent else None


# Built once: it runs on every post, inside the write lock.
_DUPLICATE = (
    select(Comment.id)
    .where(
        Comment.thread_id == bindparam("tid"),
        Comment.author_id == bindparam("aid"),
        Comment.body == bindparam("body"),
        Comment.status.in_([Status.APPROVED, Status.PENDING]),
    )
    .limit(1)
)


# Built once: what every post asks after it knows its author, in one statement.
_FIRST_LOOK = select(
    sanctions.ANY_IN_FORCE.label("sanction"), _DUPLICATE.scalar_subquery().label("duplicate")
)


def _thread_for(site: Site, thread: Thread | None, new: NewComment) -> Thread:
    """Return the comment's thread, creating it on the first comment."""
    if new.url is not None and not sites.allows_origin(site, sites.origin_of(new.url)):
        raise errors.ValidationFailed(
            "The page address is not on this site.",
            errors={"url": "The page address is not on one of the site's origins."},
        )
    if thread is None:
        query = select(Thread).where(Thread.site_id == site.id, Thread.key == new.thread)
        if new.url is None:
            raise errors.ValidationFailed(
                "The page address is missing.",
                errors={"url": "The page address is needed for the first comment on a page."},
            )
        thread = Thread(
            site_id=site.id, key=new.thread, url=new.url, title=new.title, comment_count=0
        )
        thread = database.add_or_find(thread, query)
    site_settings.refuse_if_closed(site, thread)
    if new.title and not thread.title:
        thread.title = new.title
    return thread


def _parent_for(thread: Thread, parent_id: int | None) -> Comment | None:
    """Return the comment replied to; it must be visible and in the same thread."""
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread.id or parent.status != Status.APPROVED:
        raise errors.ValidationFailed(
            "The comment you are replying to is not available.",
            errors={"parent_id": "The comment you reply to is not in this discussion."},
        )
    return parent


def _render(body: str, source_format: str = markup.MARKDOWN) -> str:
    try:
        html = markup.render_source(body, source_format)
    except errors.MarkupRefused as exc:
        raise errors.ValidationFailed(exc.detail, errors={"body": exc.detail}) from exc
    if not markup.surely_shows_text(html) and is_blank(markup.plain_text(html)):
        raise errors.ValidationFailed(
            "Your comment is empty once formatting is removed.",
            errors={"body": "Your comment has no visible text."},
        )
    return html


_INVISIBLE = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})


def is_blank(text: str) -> bool:
    """Tell whether ``text`` shows nothing: only spaces and invisible or format characters."""
    return all(ch.isspace() or unicodedata.category(ch) in _INVISIBLE for ch in text)
