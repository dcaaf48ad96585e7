"""Imports uploaded in the admin panel: a job row per file, run by a worker, not the request.

:func:`submit` keeps the uploaded file in the instance folder
(``imports/``) and writes a ``pending`` job row; :func:`run_next_job` claims
the oldest pending job (atomically: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the write lock on SQLite, so two workers never run one job),
imports it through the same code as ``comments import``, keeping the job's
counts up to date while it runs, and records the summary or the error. The
worker (``comments worker``) calls :func:`run_next_job` in its loop; until a
deployment runs one, the admin panel starts a daemon thread after an upload
that drains the queue in the serving process (``IMPORT_IN_PROCESS``).

A job left ``running`` by a process that died is claimed again after
``STALE_AFTER``; imports are idempotent, so running it again finishes it.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import IO

from flask import Flask, current_app
from sqlalchemy import or_, select

from comments import audit, database, errors, importers
from comments.extensions import db
from comments.importers import loading
from comments.models import ImportJob, JobStatus, Site, utcnow

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(hours=1)
#: The job's counts are written every this many records (each its own small transaction).
PROGRESS_EVERY = 500
UPLOAD_FORMATS = ("disqus", "wordpress", "isso", "json")


def upload_folder(app: Flask) -> Path:
    """Return where uploaded exports are kept (created on first use)."""
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def submit(
    site: Site, fmt: str, filename: str, stream: IO[bytes], *, actor: audit.Actor
) -> ImportJob:
    """Keep an uploaded export and queue its import, in the caller's unit of work."""
    if fmt not in UPLOAD_FORMATS:
        raise errors.ValidationFailed(
            f"Unknown import format {fmt!r}.", errors={"format": "not a format we import"}
        )
    path = upload_folder(current_app) / f"{uuid.uuid4().hex}.{fmt}"
    with open(path, "wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    database.writing()
    job = ImportJob(
        site_id=site.id,
        format=fmt,
        filename=(os.path.basename(filename) or "upload")[:255],
        path=str(path),
        status=JobStatus.PENDING,
        requested_by=actor.label[:254],
        moderator_id=actor.moderator_id,
        done=0,
        total=0,
    )
    db.session.add(job)
    db.session.flush()
    audit.record(
        actor,
        "comments.import_requested",
        site_id=site.id,
        target=("import_job", job.id),
        reason=f"{fmt} file {job.filename}",
    )
    return job


def jobs_of(site_id: int, limit: int = 20) -> list[ImportJob]:
    """Return the site's latest import jobs, newest first."""
    query = (
        select(ImportJob)
        .where(ImportJob.site_id == site_id)
        .order_by(ImportJob.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _claim() -> int | None:
    """Mark the oldest runnable job running and return its id (None: nothing to do)."""
    with database.unit_of_work():
        database.writing()
        stale = utcnow() - STALE_AFTER
        query = (
            select(ImportJob)
            .where(
                or_(
                    ImportJob.status == JobStatus.PENDING,
                    (ImportJob.status == JobStatus.RUNNING) & (ImportJob.started_at < stale),
                )
            )
            .order_by(ImportJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        job = db.session.scalar(query)
        if job is None:
            return None
        job.status = JobStatus.RUNNING
        job.started_at = utcnow()
        return job.id


def run_next_job() -> bool:
    """Claim and run one pending import job; return whether there was one.

    Needs an app context. Never raises for a bad file: the job records the error.
    """
    job_id = _claim()
    if job_id is None:
        return False
    job = db.session.get(ImportJob, job_id)
    assert job is not None  # noqa: S101 - claimed in the line above
    fmt, path, filename, site_id = job.format, job.path, job.filename, job.site_id
    actor = audit.Actor(label=job.requested_by, moderator_id=job.moderator_id)
    db.session.rollback()
    try:
        summary = _run(job_id, fmt, path, filename, site_id, actor)
    except errors.CommentsError as exc:
        # Name the file as its uploader knows it, not as it is kept here.
        _finish(job_id, JobStatus.FAILED, error=exc.detail.replace(Path(path).name, filename))
    except Exception:
        log.exception("import job %s failed", job_id)
        _finish(job_id, JobStatus.FAILED, error="The import stopped on an unexpected error.")
    else:
        _finish(job_id, JobStatus.DONE, summary=summary.as_dict())
    return True


def _run(
    job_id: int, fmt: str, path: str, filename: str, site_id: int, actor: audit.Actor
) -> loading.Summary:
    module = importers.format_module(fmt)
    total = module.count(path)
    _update(job_id, 0, total)
    seen = 0

    def progress(n: int) -> None:
        nonlocal seen
        seen += n
        if seen % PROGRESS_EVERY == 0:
            _update(job_id, seen, total)

    site = db.session.get(Site, site_id)
    if site is None:
        raise errors.NotFound("The site of this import is gone.")
    config = current_app.config
    options = loading.Options(
        site=site.slug,
        source=module.SOURCE,
        file_name=filename,
        secret=config["SECRET_KEY"],
        actor=actor,
        retention_days=int(config["RETENTION_ADDRESS_DAYS"]),
        progress=progress,
    )
    summary: loading.Summary = module.load(path, options)
    _update(job_id, total, total)
    return summary


def _update(job_id: int, done: int, total: int) -> None:
    with database.unit_of_work():
        database.writing()
        job = db.session.get(ImportJob, job_id)
        if job is not None:
            job.done, job.total = done, total


def _finish(
    job_id: int,
    status: JobStatus,
    *,
    summary: dict[str, object] | None = None,
    error: str | None = None,
) -> None:
    db.session.rollback()
    with database.unit_of_work():
        database.writing()
        job = db.session.get(ImportJob, job_id)
        if job is None:
            return
        job.status, job.summary, job.error = status, summary, error
        job.finished_at = utcnow()
        if status == JobStatus.DONE:
            job.done = job.total
    try:
        os.remove(job.path)  # imported (or refused): the upload need not stay
    except OSError:
        pass


def drain_in_background(app: Flask) -> threading.Thread:
    """Run queued jobs in a daemon thread of this process (the embedded default's worker)."""

    def drain() -> None:
        with app.app_context():
            try:
                while run_next_job():
                    pass
            finally:
                db.session.remove()

    thread = threading.Thread(target=drain, name="comments-imports", daemon=True)
    thread.start()
    return thread
