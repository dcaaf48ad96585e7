"""The commenters area: find a commenter, their history on the site, and their sanctions."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from comments import commenters, sanctions
from comments.admin import auth, bp
from comments.admin.people_forms import LiftForm, SanctionForm
from comments.admin.threads import id_arg, queue_url, text_arg
from comments.database import unit_of_work
from comments.models import Role, SanctionKind, TargetKind, utcnow

auth.nav_entry("Commenters", "admin.people", Role.MODERATOR, place=30)


@bp.get("/<slug>/people", endpoint="people")
@auth.requires_role(Role.MODERATOR)
def people_search(slug: str) -> str:
    """Find the site's commenters by a name they used or by their email."""
    query = text_arg("q", commenters.MAX_QUERY)
    found = commenters.find(g.site.id, query, secret=current_app.config["SECRET_KEY"])
    return render_template("admin/people.html", query=query, found=found)


def _profile(author_id: int, form: SanctionForm, status: int = 200) -> tuple[str, int]:
    author = commenters.author_of_site(g.site.id, author_id)
    recent, next_before = commenters.recent_comments(author, before=id_arg("before"))
    return render_template(
        "admin/person.html",
        history=commenters.history(author),
        recent=recent,
        next_before=next_before,
        form=form,
        lift_form=LiftForm(),
        now=utcnow(),
        in_force=sanctions.in_force,
        say_date=sanctions.say_date,
        queue_url=queue_url,
    ), status


@bp.get("/<slug>/people/<int:author_id>")
@auth.requires_role(Role.MODERATOR)
def person(slug: str, author_id: int) -> tuple[str, int]:
    """Show a commenter's history on the site, their recent comments and sanctions."""
    return _profile(author_id, SanctionForm())


@bp.post("/<slug>/people/<int:author_id>/sanctions")
@auth.requires_role(Role.MODERATOR)
def sanction_add(slug: str, author_id: int) -> Response | tuple[str, int]:
    """Sanction the commenter: pre-moderate, suspend or ban, by author or address."""
    author = commenters.author_of_site(g.site.id, author_id)
    form = SanctionForm()
    if not form.validate_on_submit():
        return _profile(author_id, form, 400)
    with unit_of_work():
        _sanction, rejected = sanctions.add(
            g.site.id,
            commenters.target(author, TargetKind(form.target.data)),
            SanctionKind(form.kind.data),
            actor=auth.actor(),
            days=form.days.data,
            reason=form.reason.data,
            reject_recent=bool(form.reject_recent.data),
        )
    flash(f"Sanction added; {rejected} recent comments rejected.", "ok")
    return redirect(url_for("admin.person", slug=slug, author_id=author_id))


@bp.post("/<slug>/people/<int:author_id>/sanctions/<int:sanction_id>/lift")
@auth.requires_role(Role.MODERATOR)
def sanction_lift(slug: str, author_id: int, sanction_id: int) -> Response:
    """Lift one of the commenter's sanctions."""
    commenters.author_of_site(g.site.id, author_id)
    if not LiftForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        sanctions.lift(g.site.id, sanction_id, actor=auth.actor())
    flash("Sanction lifted.", "ok")
    return redirect(url_for("admin.person", slug=slug, author_id=author_id))
