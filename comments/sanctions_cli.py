"""Commands for sanctions and retention: ``comments ban``, ``comments unban``, ``comments purge``.

Each change runs in one unit of work (``purge``: one per batch) and is written
to the audit log as the operator who ran the command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from comments import errors, identity, retention, sanctions, sites
from comments.console import fail, operator
from comments.database import unit_of_work
from comments.models import SanctionKind, TargetKind, utcnow


def init_app(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    for command in (ban, unban, purge):
        app.cli.add_command(command)


def _target(email: str | None, author_id: int | None) -> sanctions.Target:
    if (email is None) == (author_id is None):
        raise click.UsageError("Name the commenter with --email or --author (one of them).")
    if email is not None:
        if "@" not in email:
            raise click.BadParameter("is not an email address", param_hint="--email")
        return TargetKind.EMAIL, identity.email_key(current_app.config["SECRET_KEY"], email)
    return TargetKind.AUTHOR, str(author_id)


_WHO = [
    click.option("--email", help="The commenter's email (stored only as its keyed hash)."),
    click.option("--author", "author_id", type=click.IntRange(1, 2**31 - 1), help="Author id."),
]


F = TypeVar("F", bound=Callable[..., Any])


def _who(command: F) -> F:
    for option in reversed(_WHO):
        command = option(command)
    return command


@click.command()
@click.argument("slug")
@_who
@click.option("--days", type=click.IntRange(1, sanctions.MAX_DAYS), help="Default: for good.")
@click.option("--reject-recent", is_flag=True, help="Reject their comments of the last 30 days.")
@click.option("--reason", help="Why, for the audit log.")
@with_appcontext
def ban(
    slug: str,
    email: str | None,
    author_id: int | None,
    days: int | None,
    reject_recent: bool,
    reason: str | None,
) -> None:
    """Ban a commenter from a site: their next comment is refused."""
    target = _target(email, author_id)
    try:
        with unit_of_work():
            site = sites.get_site(slug)
            sanction, rejected = sanctions.add(
                site.id,
                target,
                SanctionKind.BAN,
                actor=operator(),
                days=days,
                reason=reason,
                reject_recent=reject_recent,
            )
            until = sanctions.say_date(sanction.until) if sanction.until else "for good"
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"banned on {slug} ({until}); {rejected} recent comments rejected")


@click.command()
@click.argument("slug")
@_who
@with_appcontext
def unban(slug: str, email: str | None, author_id: int | None) -> None:
    """Lift a commenter's bans and suspensions on a site."""
    target = _target(email, author_id)
    try:
        with unit_of_work():
            site = sites.get_site(slug)
            lifted = 0
            for sanction in sanctions.active(site.id, [target], utcnow()):
                if sanction.kind != SanctionKind.PREMODERATE:
                    sanctions.lift(site.id, sanction.id, actor=operator())
                    lifted += 1
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"lifted {lifted} sanctions on {slug}")


@click.command()
@click.option(
    "--days",
    type=click.IntRange(min=0),
    help="Keep addresses this many days (default: RETENTION_ADDRESS_DAYS).",
)
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def purge(days: int | None, batch: int) -> None:
    """Clear the raw client address of comments older than the retention period."""
    config = current_app.config
    keep = config["RETENTION_ADDRESS_DAYS"] if days is None else days
    before = retention.cutoff(utcnow(), int(keep))
    total = retention.addresses_to_clear(before)
    cleared = 0
    with click.progressbar(length=total, label="Clearing addresses") as bar:
        while True:
            with unit_of_work():
                done = retention.clear_addresses(before, secret=config["SECRET_KEY"], limit=batch)
            if not done:
                break
            cleared += done
            bar.update(done)
    click.echo(f"cleared {cleared} addresses older than {keep} days")
