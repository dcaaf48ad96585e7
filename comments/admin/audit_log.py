"""The audit log of a site: its staff's actions, filtered, a page at a time, and as CSV.

Every moderator of a site sees its log: a newsroom lets the whole desk see
who decided what. Signing in and out belongs to an account, not to a site,
so those events are shown to the site's admins only, for the accounts that
hold a role on the site now.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from flask import Response, g, render_template, request, stream_with_context
from sqlalchemy import select

from comments import audit
from comments.admin import auth, bp
from comments.admin.audit_forms import AuditFilterForm
from comments.admin.auth import requires_role
from comments.extensions import db
from comments.models import (
    AuditEvent,
    Comment,
    Moderator,
    ModeratorRole,
    Role,
    Thread,
    utcnow,
)

PAGE_SIZE = 50
CSV_COLUMNS = (
    "id",
    "time_utc",
    "who",
    "action",
    "target_type",
    "target_id",
    "reason",
    "before",
    "after",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _staff_emails(site_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Moderator.email)
            .join(ModeratorRole, ModeratorRole.moderator_id == Moderator.id)
            .where(ModeratorRole.site_id == site_id)
            .order_by(Moderator.email)
        )
    )


def _filters(form: AuditFilterForm) -> dict[str, Any]:
    """Return the arguments of :func:`audit.query` for the site on ``g`` and the form."""
    accounts = _staff_emails(g.site.id) if g.role == Role.ADMIN else []
    since, until = form.since.data, form.until.data
    return {
        "site_ids": [g.site.id],
        "accounts": accounts,
        "action": form.action.data or None,
        "actor": form.who.data or None,
        "target": ("comment", form.comment.data) if form.comment.data else None,
        "since": datetime.combine(since, time()) if since else None,
        "until": datetime.combine(until, time()) + timedelta(days=1) if until else None,
    }


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(event: AuditEvent) -> list[tuple[str, str, str | None]]:
    """Return an event's fields as (name, before, after); after is None when nothing moved.

    An event with only a before (a removal) or only an after (a sign-in
    attempt) shows those values as they were.
    """
    before, after = event.before or {}, event.after or {}
    if event.before is None or event.after is None:
        return [(key, _shown(value), None) for key, value in {**before, **after}.items()]
    rows: list[tuple[str, str, str | None]] = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        rows.append((key, _shown(old), None if old == new else _shown(new)))
    return rows


def _comment_links(events: list[AuditEvent]) -> dict[int, str]:
    """Return the public permalink of each comment the events name, on this site."""
    ids = {e.target_id for e in events if e.target_type == "comment" and e.target_id}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Comment.id, Thread.url)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Comment.id.in_(ids), Thread.site_id == g.site.id)
    )
    return {
        cid: f"{url.split('#', 1)[0]}#comment-{cid}"
        for cid, url in rows
        if url and url.startswith(("https://", "http://"))
    }


@bp.get("/<slug>/audit")
@requires_role(Role.MODERATOR)
def audit_log(slug: str) -> tuple[str, int]:
    """Show the site's audit log, newest first, filtered, a page at a time."""
    form = AuditFilterForm(request.args)
    events: list[AuditEvent] = []
    if form.validate():
        q = audit.query(**_filters(form), before_id=form.before.data)
        events = list(db.session.scalars(q.limit(PAGE_SIZE + 1)))
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    page = render_template(
        "admin/audit.html",
        form=form,
        events=events,
        changes=changes,
        links=_comment_links(events),
        words=audit.ACTIONS,
        staff=_staff_emails(g.site.id),
        args=args,
        older=events[-1].id if more else None,
        paged=form.before.data is not None,
    )
    return page, 200 if not form.errors else 400


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _row(event: AuditEvent) -> list[Any]:
    def as_json(value: Any) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    return [
        _cell(v)
        for v in (
            event.id,
            event.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") if event.created_at else "",
            event.actor,
            event.action,
            event.target_type or "",
            event.target_id if event.target_id is not None else "",
            event.reason or "",
            as_json(event.before),
            as_json(event.after),
        )
    ]


class _Echo:
    """A file whose ``write`` hands back the line, so ``csv.writer`` yields rows one by one."""

    def write(self, line: str) -> str:
        return line


def csv_lines(filters: dict[str, Any]) -> Iterator[str]:
    """Yield the header and one CSV line per event (RFC 4180, formulas neutralised)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in audit.events(**filters):
        yield writer.writerow(_row(event))


@bp.get("/<slug>/audit.csv")
@requires_role(Role.MODERATOR)
def audit_csv(slug: str) -> Response | tuple[str, int]:
    """Stream the filtered audit log as a CSV file, whatever its size."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("admin/error.html", message="Those filters are not valid."), 400
    lines = stream_with_context(csv_lines(_filters(form)))
    name = f"audit-{g.site.slug}-{utcnow():%Y%m%d}.csv"
    return Response(
        lines,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


auth.nav_entry("Audit log", "admin.audit_log", Role.MODERATOR, place=70)
