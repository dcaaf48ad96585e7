"""Commands for background work and email: ``comments worker`` and ``comments outbox``."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from comments import outbox, worker
from comments.database import unit_of_work


def init_app(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(worker_command)
    app.cli.add_command(outbox_command)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one round of every job, then exit (cron, tests).")
@with_appcontext
def worker_command(once: bool) -> None:
    """Deliver email and apply retention, until stopped (SIGTERM or Ctrl-C)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs = worker.default_jobs(app)
    if once:
        done = worker.run_once(app, jobs)
        click.echo(", ".join(f"{name}: {n}" for name, n in done.items()))
        return
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"comments worker: {', '.join(job.name for job in jobs)}")
    worker.run(app, jobs, stop)
    click.echo("comments worker: stopped")


@click.command("outbox")
@click.option("--retry", is_flag=True, help="Put the failed messages back in line.")
@with_appcontext
def outbox_command(retry: bool) -> None:
    """Show the outgoing emails by state, and the latest failures."""
    if retry:
        with unit_of_work():
            again = outbox.retry_failed()
        click.echo(f"{again} failed messages will be tried again")
    counts = outbox.counts()
    click.echo("  ".join(f"{state}: {n}" for state, n in counts.items()))
    for message in outbox.failed():
        click.echo(
            f"failed {message.id}\t{message.kind}\t{message.recipient}\t"
            f"{message.attempts} attempts\t{message.last_error or ''}"
        )
