"""The worker: a small list of jobs run again and again (``comments worker``).

A job is a plain function that does one batch of work in its own unit(s) of
work and returns how much it did (0: nothing to do). The loop runs a job again
at once while it finds work, and otherwise after the job's interval. Adding a
job is one line in :func:`default_jobs`. ``comments serve`` runs the same loop
in a background thread; production runs ``comments worker`` next to the app
servers (as many as you like: each message is claimed by one of them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from comments import alerts, database, emails, import_jobs, notifications, outbox, retention
from comments.models import OutboxMessage, utcnow

log = logging.getLogger("comments.worker")

#: Rounds a job may run back to back in ``--once`` before the next job's turn.
MAX_BATCHES = 1000


@dataclass(frozen=True)
class Job:
    """One kind of background work: ``run()`` does a batch and says how much it did."""

    name: str
    run: Callable[[], int]
    every: float


def default_jobs(app: Flask) -> list[Job]:
    """Return the jobs of this service, with their intervals.

    A job that works through a queue of its own joins with one line.
    """
    interval = float(app.config["WORKER_INTERVAL"])
    return [
        Job("mail", lambda: deliver_mail(app), every=interval),
        Job("imports", lambda: run_import(app), every=interval),
        Job("retention", lambda: clear_addresses(app), every=3600),
    ]


_SAID: set[tuple[int, str]] = set()


def _say_once(app: Flask, what: str, message: str) -> None:
    if (id(app), what) not in _SAID:
        _SAID.add((id(app), what))
        log.warning(message)


def run_import(app: Flask) -> int:
    """Run one queued import uploaded in the admin panel, if there is one."""
    with app.app_context():
        return int(import_jobs.run_next_job())


def deliver_mail(app: Flask, *, limit: int = 50) -> int:
    """Send one batch of due emails; keep them waiting when mail is not set up."""
    config = app.config
    settings = outbox.SMTPSettings.from_config(config)
    base = config.get("PUBLIC_URL")
    if not settings.server or not base:
        missing = "MAIL_SERVER" if not settings.server else "PUBLIC_URL"
        _say_once(app, missing, f"mail: {missing} is not set; emails wait in the outbox")
        return 0
    if not config.get("MAIL_FROM"):
        settings = outbox.SMTPSettings(
            **{**settings.__dict__, "sender": f"comments@{urlsplit(base).hostname or 'localhost'}"}
        )
    links = emails.Links(base, config["SECRET_KEY"], int(config["MAIL_LINK_MAX_AGE"]))

    def compose(message: OutboxMessage) -> EmailMessage | None:
        if message.kind == "alert":
            return alerts.compose(message, links)
        return notifications.compose(message, links)

    with app.app_context():
        return outbox.deliver(settings, compose, limit=limit)


def clear_addresses(app: Flask) -> int:
    """Clear one batch of client addresses past the retention period."""
    with app.app_context(), database.unit_of_work():
        before = retention.cutoff(utcnow(), int(app.config["RETENTION_ADDRESS_DAYS"]))
        return retention.clear_addresses(before, secret=app.config["SECRET_KEY"])


def run_job(app: Flask, job: Job) -> int:
    """Run one batch of ``job``; an error is logged and counts as no work."""
    try:
        with app.app_context():
            return int(job.run())
    except Exception:
        log.exception("worker: job %s failed; trying again later", job.name)
        return 0


def run_once(app: Flask, jobs: list[Job]) -> dict[str, int]:
    """Run every job until it finds nothing more to do; return how much each did."""
    done = {}
    for job in jobs:
        total = 0
        for _ in range(MAX_BATCHES):
            did = run_job(app, job)
            total += did
            if not did:
                break
        done[job.name] = total
    return done


def run(app: Flask, jobs: list[Job], stop: threading.Event) -> None:
    """Run the jobs until ``stop`` is set: one with work again at once, else after its interval."""
    due = dict.fromkeys((job.name for job in jobs), 0.0)
    while not stop.is_set():
        for job in jobs:
            if stop.is_set():
                break
            if time.monotonic() >= due[job.name]:
                did = run_job(app, job)
                due[job.name] = time.monotonic() + (0 if did else job.every)
        stop.wait(max(0.0, min(due.values(), default=1.0) - time.monotonic()))


def start_in_background(app: Flask, jobs: list[Job] | None = None) -> tuple[threading.Thread, Any]:
    """Run the worker loop in a daemon thread of this process; return it and its stop event."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run, args=(app, jobs or default_jobs(app), stop), name="comments-worker", daemon=True
    )
    thread.start()
    return thread, stop
