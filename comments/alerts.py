"""Staff alerts: an email for each held comment and/or each reported one, with decision links.

Each staff member chooses per site (``/admin/SLUG/alerts``). *Held* means a
comment put in the queue when posted or edited (a rule, a sanction,
pre-moderation); *reported* means one readers' reports took off the page.
Both are seen by the :func:`comments.moderation.on_change` hook, so they are
enqueued in the transaction that held the comment.

An alert carries signed approve and reject links, bound to that staff member
and that comment, that expire after ``MAIL_LINK_MAX_AGE``. Opening one only
shows a confirmation page (mail scanners open links); confirming decides
through :func:`comments.moderation.decide` as that staff member, whose role on
the site is checked then, and the audit log records it with the note
"via email". A comment decided meanwhile is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import bindparam, select

from comments import audit, database, emails, errors, identity, markup, moderation, outbox, staff
from comments import reasons as reason_codes
from comments.extensions import db
from comments.models import (
    AlertPreference,
    Comment,
    Moderator,
    ModeratorRole,
    OutboxMessage,
    Site,
    Status,
    Thread,
)

DECISION, UNSUBSCRIBE = "mail-decision", "mail-alert-off"
HELD, REPORTED = "held", "reported"
LINK_DECISIONS = ("approve", "reject")
EMAIL_NOTE = "via email"


def preferences(moderator_id: int, site_id: int) -> AlertPreference:
    """Return a staff member's alert choices on a site (both off when never chosen)."""
    found = db.session.get(AlertPreference, (moderator_id, site_id))
    return found or AlertPreference(
        moderator_id=moderator_id, site_id=site_id, held=False, reported=False
    )


def choose(moderator_id: int, site_id: int, *, held: bool, reported: bool) -> AlertPreference:
    """Store a staff member's alert choices on a site, in the caller's unit of work."""
    database.writing()
    found = db.session.get(AlertPreference, (moderator_id, site_id))
    if found is None:
        found = AlertPreference(moderator_id=moderator_id, site_id=site_id)
        db.session.add(found)
    found.held, found.reported = held, reported
    db.session.flush()
    return found


def _wanting(wanted: Any) -> Any:
    return (
        select(Moderator.id, Moderator.email)
        .join(AlertPreference, AlertPreference.moderator_id == Moderator.id)
        .join(
            ModeratorRole,
            (ModeratorRole.moderator_id == Moderator.id)
            & (ModeratorRole.site_id == AlertPreference.site_id),
        )
        .where(AlertPreference.site_id == bindparam("site_id"), wanted.is_(True))
    )


# Built once: every held comment runs one of them.
_WANTING = {HELD: _wanting(AlertPreference.held), REPORTED: _wanting(AlertPreference.reported)}


@moderation.on_change
def _comment_held(comment: Comment, old: Status | None, new: Status) -> None:
    """Enqueue an alert to each staff member of the site who asked for this kind."""
    if new != Status.PENDING:
        return
    codes = {reason.get("code") for reason in comment.hold_reasons or []}
    kind = REPORTED if reason_codes.REPORTED in codes else HELD
    thread = db.session.get(Thread, comment.thread_id)
    if thread is None:
        return
    rows = db.session.execute(_WANTING[kind], {"site_id": thread.site_id}).all()
    for moderator_id, email in rows:
        outbox.enqueue(
            "alert",
            email,
            {"comment": comment.id, "moderator": moderator_id, "why": kind},
            f"alert:{kind}:{comment.id}:{moderator_id}",
        )


@dataclass(frozen=True)
class Decision:
    """What a decision link asks: this staff member, this decision, on this comment."""

    moderator: Moderator
    comment: Comment
    decision: str
    site: Site

    @property
    def still_open(self) -> bool:
        """Tell whether the comment still waits for a decision."""
        return self.comment.status == Status.PENDING


def read_decision(token: str, *, secret: str, max_age: int) -> Decision:
    """Return what a decision link asks, or raise (invalid, expired, or no longer staff)."""
    data = identity.unsign(secret, DECISION, token, max_age)
    if data is None:
        if identity.token_expired(secret, DECISION, token, max_age):
            raise errors.Forbidden(
                "This link has expired; decide in the queue instead.", code="expired"
            )
        raise errors.NotFound("This link is not valid.")
    account = database.find(Moderator, int(data.get("m") or 0))
    comment = database.find(Comment, int(data.get("c") or 0))
    thread = db.session.get(Thread, comment.thread_id) if comment is not None else None
    site = db.session.get(Site, thread.site_id) if thread is not None else None
    if account is None or comment is None or site is None or data.get("d") not in LINK_DECISIONS:
        raise errors.NotFound("This link is not valid.")
    if staff.role_on(account, site.id) is None:
        raise errors.Forbidden(
            "You no longer moderate this site, so this link does nothing.", code="forbidden"
        )
    return Decision(account, comment, str(data["d"]), site)


def decide_by_link(token: str, *, secret: str, max_age: int) -> tuple[Decision, bool]:
    """Carry out a decision link, in the caller's unit of work; say whether it changed anything.

    A comment that is no longer pending (decided by someone else, or by this
    link before) is left exactly as it is.
    """
    database.writing()
    asked = read_decision(token, secret=secret, max_age=max_age)
    if not asked.still_open:
        return asked, False
    moderation.decide(
        asked.comment.id,
        asked.decision,
        actor=audit.Actor(label=asked.moderator.email, moderator_id=asked.moderator.id),
        note=EMAIL_NOTE,
        site_ids=staff.site_ids(asked.moderator),
    )
    return asked, True


def read_off_link(token: str, *, secret: str) -> dict[str, Any]:
    """Return what an alert's unsubscribe link names, or raise NotFound."""
    data = identity.unsign(secret, UNSUBSCRIBE, token)
    if data is None or data.get("k") not in (HELD, REPORTED):
        raise errors.NotFound("This link is not valid.")
    return data


def turn_off(token: str, *, secret: str) -> str:
    """Turn off the kind of alert an unsubscribe link names; return which kind."""
    data = read_off_link(token, secret=secret)
    database.writing()
    found = db.session.get(AlertPreference, (int(data.get("m") or 0), int(data.get("s") or 0)))
    if found is not None:
        setattr(found, str(data["k"]), False)
        db.session.flush()
    return str(data["k"])


def compose(message: OutboxMessage, links: emails.Links) -> EmailMessage | None:
    """Return the email of an alert row, or None once the comment no longer waits."""
    payload: dict[str, Any] = message.payload or {}
    account = database.find(Moderator, int(payload.get("moderator") or 0))
    comment = database.find(Comment, int(payload.get("comment") or 0))
    if account is None or comment is None or comment.status != Status.PENDING:
        return None
    thread = db.session.get(Thread, comment.thread_id)
    site = db.session.get(Site, thread.site_id) if thread else None
    if thread is None or site is None or staff.role_on(account, site.id) is None:
        return None
    kind = REPORTED if payload.get("why") == REPORTED else HELD

    def decision_url(decision: str) -> str:
        data = {"m": account.id, "c": comment.id, "d": decision}
        return links.url("/email/decide/" + identity.sign(links.secret, DECISION, data))

    off = identity.sign(links.secret, UNSUBSCRIBE, {"m": account.id, "s": site.id, "k": kind})
    why = " ".join(reason_codes.describe(r) for r in comment.hold_reasons or [])
    title = thread.title or thread.key
    verb = "was reported by readers" if kind == REPORTED else "is held for review"
    return emails.build(
        emails.Draft(
            subject=f"[{site.name}] A comment {verb}: {title}",
            lang="en",
            paragraphs=[
                f"A comment by {comment.author_name} on “{title}” {verb}.",
                *([f"Why: {why}"] if why else []),
            ],
            quote=markup.plain_text(comment.html)[:1000],
            actions=[
                ("Approve", decision_url("approve")),
                ("Reject", decision_url("reject")),
                ("Open the queue", links.url(f"/admin/{site.slug}/queue/pending")),
            ],
            unsubscribe_url=links.url("/email/alerts-off/" + off),
            unsubscribe_label="Stop these alerts",
            footer=f"You asked for these alerts on {site.name}; the links work for"
            f" {max(1, links.max_age // 86400)} days.",
        )
    )
