"""The queues: what waits for a decision and why, and the decisions themselves.

``/admin/<slug>/queue/<name>`` lists a queue (pending, reported, spam,
approved, rejected, deleted, all) with filters and a keyset cursor. Every
decision is a POST to ``/admin/<slug>/queue/act`` (one comment, or those
ticked in the bulk form) or to a comment's edit page, and goes through
``moderation`` with the signed-in moderator as the actor, so it is audited
and shows on the public page at once. After a decision the moderator is sent
back to the queue they came from, with a message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from comments import moderation
from comments import queue as queues
from comments.admin import auth, bp
from comments.admin.forms import ActionForm, EditForm, QueueFilterForm
from comments.database import unit_of_work
from comments.models import MAX_ID, Role

auth.nav_entry("Queue", "admin.queue", Role.MODERATOR, place=10)

SHORTCUTS = [
    ("j", "next comment"),
    ("k", "previous comment"),
    ("a", "approve"),
    ("r", "reject (choose a reason, then Enter)"),
    ("s", "spam"),
    ("o", "open the thread"),
    ("x", "select for a bulk action"),
]
_DONE = {
    "approve": "Approved",
    "reject": "Rejected",
    "spam": "Marked as spam",
    "delete": "Deleted",
    "restore": "Restored",
    "pin": "Pinned",
    "unpin": "Unpinned",
    "feature": "Featured",
    "unfeature": "No longer featured",
}


@bp.get("/<slug>/queue")
@bp.get("/<slug>/queue/<name>")
@auth.requires_role(Role.MODERATOR)
def queue(slug: str, name: str = "pending") -> tuple[str, int]:
    """Show one page of a queue, filtered, newest or oldest first."""
    if name not in queues.QUEUES:
        abort(404)
    filters = QueueFilterForm(formdata=request.args)
    if not filters.validate():
        return _page(name, filters, None), 400
    page = queues.list_queue(
        g.site.id,
        name,
        filters=queues.Filters(
            thread=(filters.thread.data or "").strip(),
            author=(filters.author.data or "").strip(),
            text=(filters.text.data or "").strip(),
            comment=filters.comment.data,
        ),
        order=filters.order.data or "newest",
        cursor=filters.cursor.data or None,
        limit=filters.limit.data or 20,
    )
    return _page(name, filters, page), 200


def _page(name: str, filters: QueueFilterForm, page: queues.QueuePage | None) -> str:
    kept = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return render_template(
        "admin/queue.html",
        name=name,
        queues=list(queues.QUEUES),
        filters=filters,
        page=page,
        kept=kept,
        here=request.full_path.rstrip("?"),
        action_form=ActionForm(formdata=None),
        reject_reasons=moderation.REJECT_REASONS,
        shortcuts=SHORTCUTS,
        excerpt=queues.excerpt,
    )


@bp.post("/<slug>/queue/act")
@auth.requires_role(Role.MODERATOR)
def act(slug: str) -> Response | tuple[str, int]:
    """Apply one action to the comments named in the form, all or none; back to the queue."""
    form = ActionForm()
    ids = _ids(request.form.getlist("ids"))
    if not form.validate() or ids is None:
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())
        message = detail or "Choose the comments to act on."
        return render_template("admin/error.html", message=message), 400
    action = form.action.data or ""
    with unit_of_work():
        done = moderation.act(
            ids,
            action,
            actor=auth.actor(),
            site_ids=[g.site.id],
            reason=form.reason.data,
            note=form.note.data,
        )
    count = len(done)
    flash(f"{_DONE[action]} {count} comment{'s' if count != 1 else ''}.", "ok")
    return redirect(_back(form.next.data))


def _ids(values: list[str]) -> list[int] | None:
    try:
        ids = [int(v) for v in values]
    except ValueError:
        return None
    if not ids or len(ids) > moderation.MAX_BULK or not all(0 < i <= MAX_ID for i in ids):
        return None
    return ids


def _back(target: str | None) -> str:
    # Only back to this site's queue: never an open redirect.
    prefix = url_for("admin.queue", slug=g.site.slug)
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and parts.path.startswith(prefix):
        return target
    return prefix


@bp.route("/<slug>/queue/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@auth.requires_role(Role.MODERATOR)
def edit(slug: str, comment_id: int) -> Response | tuple[str, int]:
    """Show a comment's edit form; save the new text with the moderator's note."""
    comment = moderation.staff_comment(comment_id, [g.site.id])
    form = EditForm()
    if request.method == "GET":
        form.body.data = comment.body
        form.next.data = _back(request.args.get("next"))
    elif form.validate():
        with unit_of_work():
            moderation.edit(
                comment_id,
                form.body.data or "",
                actor=auth.actor(),
                note=form.note.data or "",
                site_ids=[g.site.id],
            )
        flash(f"Edited comment {comment_id}; the earlier text is kept.", "ok")
        return redirect(_back(form.next.data))
    status = 400 if request.method == "POST" else 200
    back = _back(form.next.data)
    return render_template("admin/queue_edit.html", form=form, comment=comment, back=back), status
