"""The dashboard: the sites a moderator looks after, with what waits in their queues."""

from __future__ import annotations

from flask import g, render_template
from sqlalchemy import func, select

from comments import staff
from comments.admin import bp
from comments.admin.auth import login_required
from comments.extensions import db
from comments.models import Comment, Site, Status, Thread


@bp.get("/")
@login_required
def dashboard() -> str:
    """List the moderator's sites with their comments by status."""
    ids = staff.site_ids(g.moderator)
    rows = db.session.execute(
        select(Thread.site_id, Comment.status, func.count(Comment.id))
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Thread.site_id.in_(ids))
        .group_by(Thread.site_id, Comment.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for site_id, status, count in rows:
        counts.setdefault(site_id, {})[str(status)] = count
    mine = list(db.session.scalars(select(Site).where(Site.id.in_(ids)).order_by(Site.slug)))
    return render_template(
        "admin/dashboard.html",
        sites=mine,
        counts=counts,
        statuses=[s.value for s in Status],
        roles={site.id: staff.role_on(g.moderator, site.id) for site in mine},
    )
