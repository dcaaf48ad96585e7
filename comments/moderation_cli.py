"""Commands for staff accounts and moderation decisions, for scripts and emergencies.

``comments moderator add|list|remove``, ``comments queue`` and
``comments comment approve|reject|spam|delete|restore``. Every change runs
in one unit of work and is written to the audit log as the operator who ran
the command (``cli:<user>``).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from comments import errors, moderation, reasons, sites, staff
from comments.console import fail, operator
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Role, Site, Status, Thread


def init_app(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    for command in (moderator, queue, comment):
        app.cli.add_command(command)


@click.group()
def moderator() -> None:
    """Manage staff accounts of the admin panel."""


@moderator.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--site", "site_slugs", multiple=True, required=True, help="Repeat for each site.")
@click.option("--password", help="Prompted for when absent (new accounts).")
@with_appcontext
def moderator_add(email: str, role: str, site_slugs: tuple[str, ...], password: str | None) -> None:
    """Create a staff account, or give an existing one a role on more sites."""
    if password is None and staff.find(email) is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work():
            account = staff.add(
                email, role=Role(role), site_slugs=site_slugs, password=password, actor=operator()
            )
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"{account.email} is {role} of {', '.join(site_slugs)}")


@moderator.command("list")
@with_appcontext
def moderator_list() -> None:
    """List staff accounts with their role on each site."""
    slugs = {row[0]: row[1] for row in db.session.execute(db.select(Site.id, Site.slug))}
    for account in staff.list_all():
        held = ", ".join(f"{slugs.get(r.site_id, '?')}:{r.role}" for r in account.roles)
        seen = (
            account.last_login_at.isoformat(timespec="minutes")
            if account.last_login_at
            else "never"
        )
        click.echo(f"{account.email}\t{held or '-'}\tlast login {seen}")


@moderator.command("remove")
@click.argument("email")
@click.option(
    "--site", "site_slugs", multiple=True, help="Only these sites' roles; default: the account."
)
@with_appcontext
def moderator_remove(email: str, site_slugs: tuple[str, ...]) -> None:
    """Take a staff member's roles away, or delete the account."""
    try:
        with unit_of_work():
            staff.remove(email, site_slugs=site_slugs, actor=operator())
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"removed {email}" + (f" from {', '.join(site_slugs)}" if site_slugs else ""))


@click.command()
@click.option("--site", "site_slug", help="Only this site.")
@click.option(
    "--status",
    type=click.Choice([*(s.value for s in Status), "all"]),
    default=Status.PENDING.value,
    show_default=True,
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@with_appcontext
def queue(site_slug: str | None, status: str, limit: int) -> None:
    """List the newest comments waiting for (or past) a decision, and why they are held."""
    try:
        site_ids = None if site_slug is None else [sites.get_site(site_slug).id]
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    chosen = None if status == "all" else Status(status)
    rows = moderation.queue(status=chosen, site_ids=site_ids, limit=limit)
    found = db.select(Thread.id, Thread.key).where(Thread.id.in_({c.thread_id for c in rows}))
    keys = {row[0]: row[1] for row in db.session.execute(found)}
    for c in rows:
        why = "; ".join(reasons.describe(r) for r in c.hold_reasons) if c.hold_reasons else ""
        text = " ".join(c.body.split())
        click.echo(
            f"{c.id}\t{c.status}\t{keys.get(c.thread_id, '?')}\t{c.author_name}\t"
            f"{c.created_at.isoformat(timespec='minutes')}\t{text[:80]}"
            + (f"\t[{why}]" if why else "")
        )
    if not rows:
        click.echo("nothing here", err=True)


@click.group()
def comment() -> None:
    """Decide on comments: approve, reject, spam, delete, restore."""


def _decision(name: str, summary: str) -> click.Command:
    @click.argument("ids", nargs=-1, required=True, type=click.IntRange(min=1))
    @click.option("--reason", help="Why (a reason code or a short note), for the audit log.")
    @with_appcontext
    def command(ids: tuple[int, ...], reason: str | None) -> None:
        actor = operator()
        try:
            with unit_of_work():
                for comment_id in ids:
                    moderation.decide(comment_id, name, actor=actor, note=reason)
        except errors.CommentsError as exc:
            raise fail(exc) from exc
        click.echo(f"{name}: {' '.join(str(i) for i in ids)}")

    command.__doc__ = summary
    return click.command(name)(command)


for _name, _summary in (
    ("approve", "Show the comments to readers."),
    ("reject", "Take the comments off the page (they stay in the Rejected queue)."),
    ("spam", "Mark the comments as spam."),
    ("delete", "Delete the comments."),
    ("restore", "Bring removed comments back to where they were before."),
):
    comment.add_command(_decision(_name, _summary))
