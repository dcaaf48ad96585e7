"""Signing in and out, the signed-in moderator, and the role check every page uses.

The session cookie (``comments_admin``, path ``/admin``) is HttpOnly,
SameSite=Lax and Secure whenever the request came over HTTPS. It holds the
moderator's id and the account's session epoch, which moves at logout and at
a password change, so a copied cookie stops working then. Signing in clears
the session first, so a cookie planted before login is never promoted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from comments import audit, identity, limits, sites, staff
from comments.admin import bp
from comments.admin.forms import LoginForm, LogoutForm
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Moderator, Role

F = TypeVar("F", bound=Callable[..., Any])
_ID, _EPOCH = "moderator", "epoch"


@bp.before_request
def _load_moderator() -> None:
    g.moderator = None
    moderator_id = session.get(_ID)
    if moderator_id is None:
        return
    account = db.session.get(Moderator, moderator_id)
    if account is None or account.session_epoch != session.get(_EPOCH):
        session.clear()
        return
    g.moderator = account


def actor_for(account: Moderator) -> audit.Actor:
    """Return an account as the audit log names it."""
    return audit.Actor(label=account.email, moderator_id=account.id)


def actor() -> audit.Actor:
    """Return the signed-in moderator as the audit log names them."""
    return actor_for(g.moderator)


def login_required(view: F) -> F:
    """Send visitors who are not signed in to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("moderator") is None:
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def requires_role(role: Role) -> Callable[[F], F]:
    """Let through moderators who hold ``role`` (or admin) on the site named by ``slug``.

    The site comes from the URL (``/admin/<slug>/...``) and is put on ``g.site``.
    Anybody else gets 404, the same answer as for a site that does not exist,
    so guessing URLs tells nothing about other sites.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, slug: str, **kwargs: Any) -> Any:
            site = sites.find_site(slug)
            held = staff.role_on(g.moderator, site.id) if site is not None else None
            if held is None or (role == Role.ADMIN and held != Role.ADMIN):
                abort(404)
            g.site, g.role = site, held
            return view(*args, slug=slug, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def _safe_next(target: str | None) -> str:
    # Only a path on this service: never an open redirect to another host.
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/admin"):
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Show the login form; sign the moderator in when the form is right."""
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        limits.admit_login(email)
        account = staff.authenticate(email, form.password.data or "")
        with unit_of_work():
            if account is None:
                audit.record(
                    audit.Actor(label=email.strip().lower()[:254]),
                    "staff.login_failed",
                    after={"client": identity.client_key(_secret(), request.remote_addr)},
                )
            else:
                staff.signed_in(account, form.password.data or "")
                audit.record(actor_for(account), "staff.login")
        if account is not None:
            session.clear()
            session.permanent = True
            session[_ID], session[_EPOCH] = account.id, account.session_epoch
            return redirect(_safe_next(request.args.get("next")))
        flash("That email and password do not match an account.", "error")
    status = 400 if request.method == "POST" else 200
    return render_template("admin/login.html", form=form), status  # type: ignore[return-value]


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


@bp.post("/logout")
def logout() -> Response:
    """Sign out everywhere this session was copied to, and go back to the login page."""
    form = LogoutForm()
    if form.validate_on_submit() and g.moderator is not None:
        with unit_of_work():
            staff.signed_out(g.moderator)
            audit.record(actor(), "staff.logout")
    session.clear()
    return redirect(url_for("admin.login"))


#: The areas of a site's part of the panel: (place, label, endpoint, least
#: role). Each area module adds its own entry; the menu shows them by place.
NAV: list[tuple[int, str, str, Role]] = []


def nav_entry(label: str, endpoint: str, role: Role = Role.MODERATOR, *, place: int) -> None:
    """Add an area to the menu shown on a site's pages, at ``place`` (lowest first)."""
    NAV.append((place, label, endpoint, role))
    NAV.sort(key=lambda entry: entry[0])


@bp.app_context_processor
def _admin_globals() -> dict[str, Any]:
    site, role = g.get("site"), g.get("role")
    menu = []
    if site is not None and role is not None:
        for _place, label, endpoint, least in NAV:
            if least == Role.MODERATOR or role == Role.ADMIN:
                menu.append((label, url_for(endpoint, slug=site.slug), endpoint))
    return {"logout_form": LogoutForm, "Role": Role, "site_menu": menu}
