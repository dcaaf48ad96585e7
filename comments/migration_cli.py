"""The ``comments import`` and ``comments export`` commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from comments import errors, exporters, importers
from comments.console import fail, operator
from comments.importers import loading


def init_app(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)


@click.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(importers.FORMATS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_slug", required=True, help="The site the comments go to.")
@click.option("--dry-run", is_flag=True, help="Say what would happen; store nothing.")
@click.option(
    "--key",
    type=click.Choice(["link", "post-id"]),
    default="link",
    show_default=True,
    help="WordPress: key threads by their link (as the widget does) or by post id.",
)
@click.option("--pingbacks", is_flag=True, help="WordPress: import pingbacks and trackbacks too.")
@with_appcontext
def import_command(
    fmt: str, file: Path, site_slug: str, dry_run: bool, key: str, pingbacks: bool
) -> None:
    """Import a Disqus, WordPress or Isso export (or our own JSON export) into a site.

    Idempotent: running it again stores nothing new, a newer export adds only
    what is new, and an interrupted run is finished by the next one.
    """
    module = importers.format_module(fmt)
    extra = {"key": key, "pingbacks": pingbacks} if fmt == "wordpress" else {}
    config = current_app.config
    try:
        total = module.count(file, **extra)
        with click.progressbar(
            length=total, label=f"Importing {file.name}", show_pos=True, file=sys.stderr
        ) as bar:
            options = loading.Options(
                site=site_slug,
                source=module.SOURCE,
                file_name=file.name,
                secret=config["SECRET_KEY"],
                actor=operator(),
                retention_days=int(config["RETENTION_ADDRESS_DAYS"]),
                dry_run=dry_run,
                progress=bar.update,
            )
            summary = module.load(file, options, **extra)
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    if dry_run:
        click.echo("dry run: nothing was stored")
    for line in summary.lines():
        click.echo(line)


@click.command("export")
@click.option("--site", "site_slug", required=True)
@click.option("--format", "fmt", type=click.Choice(exporters.FORMATS), required=True)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: standard output."
)
@with_appcontext
def export_command(site_slug: str, fmt: str, output: Path | None) -> None:
    """Export a site's threads and comments as our JSON (to restore) or as Disqus XML."""
    try:
        total = exporters.count(site_slug)
        with click.progressbar(
            length=total, label=f"Exporting {site_slug}", show_pos=True, file=sys.stderr
        ) as bar:
            if output is None:
                exporters.export(site_slug, fmt, sys.stdout.buffer, progress=bar.update)
                sys.stdout.buffer.flush()
            else:
                with open(output, "wb") as stream:
                    exporters.export(site_slug, fmt, stream, progress=bar.update)
    except errors.CommentsError as exc:
        raise fail(exc) from exc
    if output is not None:
        click.echo(f"exported {total} comments of {site_slug} to {output}", err=True)
