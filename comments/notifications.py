"""Reply notifications: readers who gave an email hear when someone answers their comment.

What is notified: the *direct* replies to the comment the reader posted with
``notify`` (not replies further down, nor other comments of the thread), once
each reply is visible. A held reply is told when a moderator approves it; a
rejected, spam or deleted one never. Nobody is told of their own reply (the
keyed hashes of the two emails are compared), and each reply reaches each
address at most once (the outbox's dedupe key), whatever happens to the reply
afterwards.

Double opt-in: the first request from an address on a site sends a
confirmation email with a signed link; until the reader confirms, nothing
else is sent there. Once the address is confirmed on the site, later requests
from it are active at once. Every email carries a signed one-click
unsubscribe link (RFC 8058).

The hook is :func:`comments.moderation.on_change`: a comment becomes visible
only through ``set_status``, so posting, the queue, bulk actions and email
approval links all enqueue here, in the same transaction as the change.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select

from comments import database, emails, errors, identity, mail_words, markup, moderation, outbox
from comments.extensions import db
from comments.models import (
    Author,
    Comment,
    MailAddress,
    OutboxMessage,
    Site,
    Status,
    Subscription,
    Thread,
    utcnow,
)

CONFIRM, UNSUBSCRIBE = "mail-confirm", "mail-unsubscribe"
ACTIVE, NEEDS_CONFIRMATION = "active", "confirm"
#: Characters of a reply quoted in the email.
QUOTE_LENGTH = 600


def subscribe(comment: Comment, site_id: int, email: str, lang: str | None, *, secret: str) -> str:
    """Ask for emails about replies to ``comment``; say whether it is active or awaits confirmation.

    Runs in the caller's unit of work (the post's). The first request from
    an address on the site enqueues one confirmation email (at most one a day).
    """
    database.writing()
    address = _address(site_id, email, secret)
    lang = mail_words.language(lang)
    subscription = Subscription(comment_id=comment.id, address_id=address.id, lang=lang)
    db.session.add(subscription)
    db.session.flush()
    if address.confirmed_at is not None:
        return ACTIVE
    outbox.enqueue(
        "confirm",
        address.email,
        {"address": address.id, "subscription": subscription.id},
        f"confirm:{address.id}:{utcnow().date().isoformat()}",
    )
    return NEEDS_CONFIRMATION


def _address(site_id: int, email: str, secret: str) -> MailAddress:
    key = identity.email_key(secret, email)
    query = select(MailAddress).where(MailAddress.site_id == site_id, MailAddress.email_key == key)
    address = db.session.scalar(query)
    if address is None:
        # The same reader's other post may be storing it at this moment: no error, one row.
        database.insert_new(
            MailAddress,
            {"site_id": site_id, "email_key": key, "email": email.strip(), "created_at": utcnow()},
        )
        address = db.session.scalars(query).one()
    return address


def read_link(token: str, purpose: str, *, secret: str, max_age: int | None) -> dict[str, Any]:
    """Return what a confirmation or unsubscribe link carries, or raise NotFound (or Expired)."""
    data = identity.unsign(secret, purpose, token, max_age)
    if data is None:
        if max_age is not None and identity.token_expired(secret, purpose, token, max_age):
            raise LinkExpired("This link has expired.")
        raise errors.NotFound("This link is not valid (any more).")
    return data


class LinkExpired(errors.CommentsError):
    """A genuine link that is too old."""

    status = 410
    code = "expired"


def confirm(token: str, *, secret: str, max_age: int) -> str:
    """Confirm the address a confirmation link names; return the reader's language."""
    data = read_link(token, CONFIRM, secret=secret, max_age=max_age)
    database.writing()
    address = database.find(MailAddress, int(data.get("a") or 0))
    if address is None:
        raise errors.NotFound("This link is not valid (any more).")
    if address.confirmed_at is None:
        address.confirmed_at = utcnow()
    return mail_words.language(data.get("l"))


def unsubscribe(token: str, *, secret: str) -> str:
    """End the subscription an unsubscribe link names (again: no harm); return the language."""
    data = read_link(token, UNSUBSCRIBE, secret=secret, max_age=None)
    database.writing()
    subscription = database.find(Subscription, int(data.get("s") or 0))
    if subscription is not None:
        db.session.delete(subscription)
        db.session.flush()
    return mail_words.language(data.get("l"))


def _author_key(author: Author) -> str | None:
    """Return the keyed hash of an author's email, however the author is known."""
    if author.identity.startswith(identity.EMAIL_IDENTITY):
        return author.identity[len(identity.EMAIL_IDENTITY) :]
    if author.email:
        return identity.email_key(current_app.config["SECRET_KEY"], author.email)
    return None


# Built once: every reply that becomes visible runs it.
_SUBSCRIBERS = (
    select(Subscription.id, MailAddress.id, MailAddress.email, MailAddress.email_key)
    .join(MailAddress, MailAddress.id == Subscription.address_id)
    .where(Subscription.comment_id == bindparam("parent"), MailAddress.confirmed_at.is_not(None))
)


@moderation.on_change
def _reply_became_visible(comment: Comment, old: Status | None, new: Status) -> None:
    """Enqueue an email to each confirmed subscriber of the comment a now-visible reply answers."""
    if comment.parent_id is None or not moderation.is_visible(new) or moderation.is_visible(old):
        return
    rows = db.session.execute(_SUBSCRIBERS, {"parent": comment.parent_id}).all()
    if not rows:
        return
    own = _author_key(comment.author)
    for subscription_id, address_id, email, key in rows:
        if own is not None and key == own:
            continue  # never told of one's own reply
        outbox.enqueue(
            "reply",
            email,
            {"subscription": subscription_id, "comment": comment.id},
            f"reply:{comment.id}:{address_id}",
        )


def compose(message: OutboxMessage, links: emails.Links) -> EmailMessage | None:
    """Return the email of a reader's outbox row, or None if what it tells of is gone."""
    payload = message.payload or {}
    subscription = database.find(Subscription, int(payload.get("subscription") or 0))
    if subscription is None:
        return None  # unsubscribed meanwhile (or the comment was removed for good)
    address = db.session.get(MailAddress, subscription.address_id)
    comment = db.session.get(Comment, subscription.comment_id)
    if address is None or comment is None:
        return None
    thread = db.session.get(Thread, comment.thread_id)
    site = db.session.get(Site, thread.site_id) if thread else None
    if thread is None or site is None:
        return None
    words = mail_words.words(subscription.lang)
    title = thread.title or thread.key
    unsubscribe_url = links.url(
        "/email/unsubscribe/"
        + identity.sign(links.secret, UNSUBSCRIBE, {"s": subscription.id, "l": subscription.lang})
    )
    common: dict[str, Any] = {
        "lang": subscription.lang,
        "unsubscribe_url": unsubscribe_url,
        "unsubscribe_label": words["unsubscribe"],
        "footer": words["footer"].format(site=site.name),
    }
    if message.kind == "confirm":
        if address.confirmed_at is not None:
            return None  # confirmed by an earlier link: nothing to ask
        token = identity.sign(links.secret, CONFIRM, {"a": address.id, "l": subscription.lang})
        return emails.build(
            emails.Draft(
                subject=words["confirm.subject"].format(site=site.name),
                paragraphs=[words["confirm.intro"].format(title=title), words["confirm.ignore"]],
                actions=[(words["confirm.action"], links.url("/email/confirm/" + token))],
                **common,
            )
        )
    reply = database.find(Comment, int(payload.get("comment") or 0))
    if reply is None or not moderation.is_visible(reply.status) or address.confirmed_at is None:
        return None  # the reply was taken down before the email left
    quote = markup.plain_text(reply.html)
    if len(quote) > QUOTE_LENGTH:
        quote = quote[: QUOTE_LENGTH - 1].rstrip() + "…"
    actions = [(words["reply.action"], f"{thread.url}#comment-{reply.id}")] if thread.url else []
    return emails.build(
        emails.Draft(
            subject=words["reply.subject"].format(name=reply.author_name, title=title),
            paragraphs=[words["reply.intro"].format(name=reply.author_name)],
            quote=quote,
            actions=actions,
            **common,
        )
    )
