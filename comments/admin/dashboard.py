"""The dashboards: all of a moderator's sites at ``/admin/``, and each site's own page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import g, render_template
from sqlalchemy import func, select

from comments import outbox, staff, stats
from comments.admin import auth, bp
from comments.admin.auth import login_required, requires_role
from comments.extensions import db
from comments.models import Comment, Role, Site, Status, Thread


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
    # The outbox is the deployment's, not a site's: its failures are shown to admins.
    is_admin = bool(staff.site_ids(g.moderator, at_least=Role.ADMIN))
    return render_template(
        "admin/dashboard.html",
        mail=outbox.counts() if is_admin else None,
        sites=mine,
        counts=counts,
        statuses=[s.value for s in Status],
        roles={site.id: staff.role_on(g.moderator, site.id) for site in mine},
    )


DAYS = 30
# The chart's drawing area, in SVG user units (the SVG scales to its box).
_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 720, 220, 44, 28, 12


@dataclass(frozen=True)
class Bar:
    """One day's bar of the chart, placed in SVG user units."""

    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


def _nice_ceiling(value: int) -> int:
    """Return the smallest 1, 2 or 5 times a power of ten that is at least ``value``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart(days: list[tuple[date, int]]) -> dict[str, Any]:
    """Return the geometry of the comments-per-day bar chart."""
    top = _nice_ceiling(max([count for _, count in days] + [1]))
    plot_w, plot_h = _WIDTH - _LEFT - 8, _HEIGHT - _BOTTOM - _TOP
    band = plot_w / max(len(days), 1)
    bars = []
    for n, (day, count) in enumerate(days):
        height = plot_h * count / top
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(_LEFT + n * band + band * 0.15, 1),
                y=round(_TOP + plot_h - height, 1),
                width=round(band * 0.7, 1),
                height=round(height, 1),
            )
        )
    ticks = [
        (value, round(_TOP + plot_h - plot_h * value / top, 1)) for value in (0, top // 2, top)
    ]
    return {
        "width": _WIDTH,
        "height": _HEIGHT,
        "left": _LEFT,
        "right": _WIDTH - 8,
        "base": _TOP + plot_h,
        "bars": bars,
        "ticks": sorted(set(ticks)),
        "labels": [b for n, b in enumerate(bars) if n % 7 == 0 or n == len(bars) - 1],
        "total": sum(b.count for b in bars),
        "busiest": max(bars, key=lambda b: b.count) if bars else None,
    }


@bp.get("/<slug>/")
@requires_role(Role.MODERATOR)
def site_dashboard(slug: str) -> str:
    """Show a site's queues, its comments per day, its busiest threads and reported authors."""
    days = stats.period(DAYS)
    return render_template(
        "admin/site_dashboard.html",
        sizes=stats.queue_sizes(g.site.id),
        chart=chart(stats.per_day(g.site.id, days)),
        threads=stats.active_threads(g.site.id, days),
        reported=stats.most_reported(g.site.id, days),
        days=DAYS,
    )


# The site's first page: first in its menu, whatever the order modules load in.
auth.nav_entry("Dashboard", "admin.site_dashboard", Role.MODERATOR, place=0)
