"""The threads area: a site's threads with their counts, closing and reopening, one thread."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from comments import thread_lists, threads
from comments.admin import auth, bp
from comments.admin.people_forms import CloseForm, ThreadModerationForm
from comments.database import unit_of_work
from comments.models import MAX_ID, Role

auth.nav_entry("Threads", "admin.threads", Role.MODERATOR, place=20)


def id_arg(name: str) -> int | None:
    """Return a query argument that must be an id when present; refuse anything else with 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        abort(400)
    return int(raw)


def text_arg(name: str, limit: int = 200) -> str:
    """Return a query argument as text, refusing one longer than ``limit`` with 400."""
    value = request.args.get(name, "").strip()
    if len(value) > limit:
        abort(400)
    return value


def queue_url(comment_id: int) -> str:
    """Return where a comment is decided: the All queue narrowed to that comment."""
    return url_for("admin.queue", slug=g.site.slug, name="all", comment=comment_id)


@bp.get("/<slug>/threads", endpoint="threads")
@auth.requires_role(Role.MODERATOR)
def threads_list(slug: str) -> str:
    """List the site's threads, newest first, with search and their counts."""
    search, state = text_arg("q"), request.args.get("state", "all")
    if state not in thread_lists.STATES:
        abort(400)
    listing = thread_lists.list_threads(
        g.site.id, search=search, state=state, before=id_arg("before")
    )
    return render_template(
        "admin/threads.html", listing=listing, search=search, state=state, form=CloseForm()
    )


@bp.get("/<slug>/threads/<int:thread_id>")
@auth.requires_role(Role.MODERATOR)
def thread_detail(slug: str, thread_id: int) -> str:
    """Show a thread's comments in every status, in thread order, a page of roots at a time."""
    thread = thread_lists.thread_of_site(g.site.id, thread_id)
    page = thread_lists.thread_page(thread, after=id_arg("after"))
    moderation = ThreadModerationForm(formdata=None, moderation=thread.moderation or "site")
    return render_template(
        "admin/thread.html",
        page=page,
        thread=thread,
        form=CloseForm(),
        moderation_form=moderation,
        queue_url=queue_url,
    )


@bp.get("/<slug>/comments/<int:comment_id>/history")
@auth.requires_role(Role.MODERATOR)
def comment_history(slug: str, comment_id: int) -> str:
    """Show a comment as it is now and every earlier version, by its author or by staff."""
    history = thread_lists.comment_history(g.site.id, comment_id)
    return render_template("admin/history.html", history=history, queue_url=queue_url)


@bp.post("/<slug>/threads/<int:thread_id>/moderation")
@auth.requires_role(Role.MODERATOR)
def thread_moderation(slug: str, thread_id: int) -> Response:
    """Give the thread its own moderation (pre-moderate this story), or the site's again."""
    thread = thread_lists.thread_of_site(g.site.id, thread_id)
    form = ThreadModerationForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        threads.set_moderation(slug, thread.key, form.moderation.data or "site", auth.actor())
    flash(f"Moderation of “{thread.title or thread.key}” saved.", "ok")
    return redirect(url_for("admin.thread_detail", slug=slug, thread_id=thread_id))


def _close(slug: str, thread_id: int, closed: bool) -> Response:
    thread = thread_lists.thread_of_site(g.site.id, thread_id)
    if not CloseForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        threads.close(slug, thread.key, closed, actor=auth.actor())
    flash(f"{'Closed' if closed else 'Reopened'} “{thread.title or thread.key}”.", "ok")
    back = request.form.get("back") == "thread"
    target = (
        url_for("admin.thread_detail", slug=slug, thread_id=thread_id)
        if back
        else url_for("admin.threads", slug=slug)
    )
    return redirect(target)


@bp.post("/<slug>/threads/<int:thread_id>/close")
@auth.requires_role(Role.MODERATOR)
def thread_close(slug: str, thread_id: int) -> Response:
    """Close a thread: its comments stay, nobody can post or edit."""
    return _close(slug, thread_id, True)


@bp.post("/<slug>/threads/<int:thread_id>/reopen")
@auth.requires_role(Role.MODERATOR)
def thread_reopen(slug: str, thread_id: int) -> Response:
    """Reopen a closed thread."""
    return _close(slug, thread_id, False)
