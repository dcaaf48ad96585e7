"""The ``comments`` command: serve, manage sites and threads, maintain stored HTML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade as migrate_upgrade
from werkzeug.serving import run_simple

from comments import (
    audit,
    errors,
    mail_cli,
    maintenance,
    migration_cli,
    moderation_cli,
    posting,
    sanctions_cli,
    site_settings,
    sites,
    threads,
    worker,
)
from comments.console import fail, operator
from comments.database import unit_of_work
from comments.pages import DEMO_SITE


def init_app(app: Flask) -> None:
    """Attach the commands to the app's CLI (``flask`` and ``comments`` alike)."""
    for command in (serve, site, thread, rerender, recount):
        app.cli.add_command(command)
    moderation_cli.init_app(app)
    migration_cli.init_app(app)
    sanctions_cli.init_app(app)
    mail_cli.init_app(app)


def upgrade_database() -> None:
    """Apply every migration the database has not seen yet."""
    migrate_upgrade()


DEMO_COMMENTS = [
    ("Sam Okafor", "Finally! The freight yard has been an eyesore for **years**."),
    (
        "Ada Brooks",
        "We need *homes*, not lawns. See the housing report: https://example.org/report",
    ),
    (
        "Jun Park",
        "Keeping the cranes is a lovely touch.\n\n> two of the old loading cranes\n\nYes!",
    ),
]


@unit_of_work()
def ensure_demo(origins: Sequence[str]) -> None:
    """Create the demo site, and a few comments on its article the first time."""
    site = sites.ensure_site(DEMO_SITE, name="The Daily Demo", origins=origins)
    if threads.find_thread(site, "demo-article") is not None:
        return
    policy = posting.Policy(secret=current_app.config["SECRET_KEY"], max_links=3)
    url = origins[0] + "/"
    first = None
    for name, body in DEMO_COMMENTS:
        posted = posting.create_comment(
            posting.NewComment(
                site=DEMO_SITE,
                thread="demo-article",
                url=url,
                title="City council approves new riverside park",
                body=body,
                name=name,
                parent_id=first.id if first else None,
            ),
            policy,
        )
        first = first or posted.comment


_ANY_ADDRESS = ("0.0.0.0", "::")  # noqa: S104 - compared with, never bound here


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--origin",
    "origins",
    multiple=True,
    help="Another address the demo is reached at (http://host:port); repeat for each.",
)
@with_appcontext
def serve(host: str, port: int, origins: tuple[str, ...]) -> None:
    """Migrate the database, make sure the demo site exists, and serve."""
    upgrade_database()
    names = {"127.0.0.1", "localhost"} | ({host} if host not in _ANY_ADDRESS else set())
    local = sorted(f"http://{name}:{port}" for name in names)
    try:
        ensure_demo([*local, *origins])
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"comments: demo article at http://{host}:{port}/ (site 'demo')")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.config["DEMO"] = True
    # Links in emails point here unless PUBLIC_URL says otherwise.
    app.config["PUBLIC_URL"] = app.config["PUBLIC_URL"] or (origins or local)[0]
    # The embedded default: one process, so email goes out from a thread of it.
    _thread, stop = worker.start_in_background(app)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        stop.set()


@click.group()
def site() -> None:
    """Register and change sites."""


@site.command("add")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--origin", "origins", multiple=True, required=True, help="Repeat for each.")
@click.option("--moderation", type=click.Choice(["post", "pre"]), default="post")
@with_appcontext
def site_add(slug: str, name: str, origins: tuple[str, ...], moderation: str) -> None:
    """Register a site and the origins its pages are served from."""
    try:
        with unit_of_work():
            created = sites.create_site(slug, name=name, origins=origins, moderation=moderation)
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"added site {created.slug}: {', '.join(created.origins)}")


@site.command("update")
@click.argument("slug")
@click.option("--name")
@click.option("--origin", "origins", multiple=True, help="Replaces the list; repeat for each.")
@click.option("--moderation", type=click.Choice(["post", "pre"]))
@click.option(
    "--sso-secret",
    help="The secret the site's backend signs its users' tokens with (32 characters or "
    "more; an empty string turns sign-in off). The previous secret keeps working for "
    "SSO_ROTATION_GRACE seconds.",
)
@with_appcontext
def site_update(
    slug: str,
    name: str | None,
    origins: tuple[str, ...],
    moderation: str | None,
    sso_secret: str | None,
) -> None:
    """Change a site's name, origins, moderation mode or SSO secret."""
    try:
        with unit_of_work():
            changed = sites.update_site(
                slug,
                name=name,
                origins=origins or None,
                moderation=moderation,
                sso_secret=sso_secret,
            )
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"updated site {changed.slug}")


@site.command("rotate-sso-secret")
@click.argument("slug")
@with_appcontext
def site_rotate_sso_secret(slug: str) -> None:
    """Generate a new SSO secret for a site and print it, once.

    The previous secret keeps verifying tokens for SSO_ROTATION_GRACE seconds
    (24 hours unless set otherwise), time to deploy the new one.
    """
    try:
        with unit_of_work():
            changed, secret = sites.rotate_sso_secret(slug)
            audit.record(operator(), "site.sso_rotated", site_id=changed.id,
                         target=("site", changed.id))  # fmt: skip
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(secret)
    click.echo(f"new SSO secret of {changed.slug} (shown once; keep it in your backend)", err=True)


@site.command("list")
@with_appcontext
def site_list() -> None:
    """List the sites with their moderation mode and origins."""
    for each in sites.list_sites():
        click.echo(f"{each.slug}\t{each.moderation}\t{each.name}\t{' '.join(each.origins)}")


@click.group()
def thread() -> None:
    """Close and reopen discussions, and set their moderation mode."""


def _set_closed(slug: str, key: str, closed: bool) -> None:
    try:
        with unit_of_work():
            threads.close(slug, key, closed, actor=operator())
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"{'closed' if closed else 'opened'} {slug}/{key}")


@thread.command("close")
@click.argument("slug")
@click.argument("key")
@with_appcontext
def thread_close(slug: str, key: str) -> None:
    """Close a discussion: comments stay visible, nobody can post."""
    _set_closed(slug, key, True)


@thread.command("open")
@click.argument("slug")
@click.argument("key")
@with_appcontext
def thread_open(slug: str, key: str) -> None:
    """Reopen a closed discussion."""
    _set_closed(slug, key, False)


@thread.command("moderate")
@click.argument("slug")
@click.argument("key")
@click.argument("mode", type=click.Choice(threads.THREAD_MODES))
@with_appcontext
def thread_moderate(slug: str, key: str, mode: str) -> None:
    """Give a discussion its own moderation mode (pre, post), or the site's again (site)."""
    try:
        with unit_of_work():
            threads.set_moderation(slug, key, mode, operator())
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    click.echo(f"{slug}/{key}: moderation {mode}")


@site.command("words")
@click.argument("slug")
@click.option("--banned", type=click.File(encoding="utf-8"), help="One word per line.")
@click.option("--suspect", type=click.File(encoding="utf-8"), help="One word per line.")
@with_appcontext
def site_words(slug: str, banned: TextIO | None, suspect: TextIO | None) -> None:
    """Replace a site's banned or suspect words with the lines of a file ('-': stdin)."""
    changes = {}
    for key, source in (("banned_words", banned), ("suspect_words", suspect)):
        if source is not None:
            changes[key] = source.read().splitlines()
    try:
        with unit_of_work():
            changed = site_settings.update_settings(slug, changes, actor=operator())
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    rules = site_settings.settings_of(changed)
    click.echo(
        f"{slug}: {len(rules.banned_words)} banned words, {len(rules.suspect_words)} suspect words"
    )


@click.command()
@click.option("--batch", default=500, show_default=True, help="Comments per transaction.")
@with_appcontext
def rerender(batch: int) -> None:
    """Rebuild every comment's stored HTML from its Markdown (after a policy change).

    Each batch is its own unit of work, so readers and writers go on meanwhile
    and an interrupted run can simply be started again.
    """
    last = changed = seen = 0
    while True:
        with unit_of_work():
            done = maintenance.rerender_batch(last, batch)
        if done is None:
            break
        for comment_id, detail in done.kept:
            click.echo(f"comment {comment_id}: kept its old HTML ({detail})", err=True)
        last, seen, changed = done.last_id, seen + done.seen, changed + done.changed
    click.echo(f"rerendered {seen} comments, {changed} changed")


@click.command()
@click.option("--site", "site_slug", help="Only this site's threads.")
@with_appcontext
def recount(site_slug: str | None) -> None:
    """Rebuild comment counts and page versions from the stored comments.

    For after an import or a fix made by hand in the database. Each thread is
    its own unit of work; running it again changes nothing.
    """
    try:
        ids = maintenance.thread_ids(site_slug)
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    fixed = 0
    with click.progressbar(ids, label="Recounting threads", show_pos=True) as bar:
        for thread_id in bar:
            with unit_of_work():
                fixed += maintenance.recount_thread(thread_id)
    click.echo(f"recounted {len(ids)} threads, {fixed} corrected")


def _create_app() -> Flask:
    from comments import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Run and manage the comments service."""


if __name__ == "__main__":
    main()
