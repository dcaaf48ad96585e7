"""The pages the links in emails open: confirm, unsubscribe, and staff decisions.

Opening a link never acts by itself: mail scanners and link previews open
links too. Each page asks, and its button posts back to the same address.
The signed token in the address is the credential, so these forms carry no
CSRF token (nothing here trusts a cookie). An unsubscribe link also takes
the RFC 8058 one-click ``POST`` that mail clients send without showing a page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from comments import alerts, errors, mail_words, notifications
from comments.database import unit_of_work
from comments.markup import plain_text

bp = Blueprint("email", __name__, url_prefix="/email")

Page = tuple[str, int]


def _page(status: int = 200, *, lang: str = "en", **context: Any) -> Page:
    return render_template("email/page.html", lang=lang, **context), status


#: Pages readers open; the others are for staff, who read the domain's own (English) words.
_READERS = ("email.confirm", "email.unsubscribe")


@bp.errorhandler(errors.CommentsError)
def _domain_error(exc: errors.CommentsError) -> Page:
    if request.endpoint not in _READERS:
        return _page(exc.status, message=exc.detail)
    # A link that is not valid says nothing of its reader's language: English.
    words = mail_words.words("en")
    expired = isinstance(exc, notifications.LinkExpired)
    return _page(exc.status, message=words["page.expired" if expired else "page.invalid"])


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _max_age() -> int:
    return int(current_app.config["MAIL_LINK_MAX_AGE"])


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Page:
    """Ask a reader to confirm their address; confirm it on POST."""
    if request.method == "POST":
        with unit_of_work():
            lang = notifications.confirm(token, secret=_secret(), max_age=_max_age())
        return _page(lang=lang, message=mail_words.words(lang)["page.confirmed"])
    data = notifications.read_link(
        token, notifications.CONFIRM, secret=_secret(), max_age=_max_age()
    )
    words = mail_words.words(data.get("l"))
    return _page(
        lang=mail_words.language(data.get("l")),
        message=words["page.confirm"],
        button=words["confirm.action"],
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> Page:
    """Ask a reader whether to stop reply emails; stop them on POST (also one-click)."""
    if request.method == "POST":
        with unit_of_work():
            lang = notifications.unsubscribe(token, secret=_secret())
        return _page(lang=lang, message=mail_words.words(lang)["page.unsubscribed"])
    data = notifications.read_link(token, notifications.UNSUBSCRIBE, secret=_secret(), max_age=None)
    words = mail_words.words(data.get("l"))
    return _page(
        lang=mail_words.language(data.get("l")),
        message=words["page.unsubscribe"],
        button=words["unsubscribe"],
    )


@bp.route("/alerts-off/<token>", methods=["GET", "POST"])
def alerts_off(token: str) -> Page:
    """Ask a staff member whether to stop one kind of alert; stop it on POST (also one-click)."""
    if request.method == "POST":
        with unit_of_work():
            alerts.turn_off(token, secret=_secret())
        return _page(message="Done: you will get no more of these alerts.")
    alerts.read_off_link(token, secret=_secret())
    return _page(message="Stop these alerts?", button="Stop these alerts")


@bp.route("/decide/<token>", methods=["GET", "POST"])
def decide(token: str) -> Page:
    """Show what a staff alert's link would do; do it on POST, as the staff member it names."""
    if request.method == "POST":
        with unit_of_work():
            asked, changed = alerts.decide_by_link(token, secret=_secret(), max_age=_max_age())
            status = str(asked.comment.status)
        if not changed:
            return _already(status)
        done = "approved" if asked.decision == "approve" else "rejected"
        return _page(message=f"Done: the comment is {done}.")
    asked = alerts.read_decision(token, secret=_secret(), max_age=_max_age())
    if not asked.still_open:
        return _already(str(asked.comment.status))
    verb = "Approve" if asked.decision == "approve" else "Reject"
    return _page(
        message=f"{verb} this comment by {asked.comment.author_name}?",
        detail=f"On {asked.site.name}; you act as {asked.moderator.email}.",
        quote=plain_text(asked.comment.html)[:2000],
        button=verb,
    )


def _already(status: str) -> Page:
    return _page(409, message=f"This comment was already decided ({status}); nothing changed.")
