"""A site's imports (admins): upload an export, follow its job, read its summary.

The request only keeps the file and queues a job (:mod:`comments.import_jobs`);
the import runs in the worker, or, where ``IMPORT_IN_PROCESS`` is on (the
embedded default), in a background thread of this process. The page
refreshes itself while a job is waiting or running.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.validators import DataRequired

from comments import import_jobs
from comments.admin import bp
from comments.admin.auth import actor, nav_entry, requires_role
from comments.database import unit_of_work
from comments.models import JobStatus, Role

nav_entry("Import", "admin.imports", Role.ADMIN, place=65)

FORMAT_LABELS = {
    "disqus": "Disqus (XML export)",
    "wordpress": "WordPress (WXR export)",
    "isso": "Isso (its SQLite database file)",
    "json": "comments (our own JSON export)",
}


class UploadForm(FlaskForm):
    """An export file and its format."""

    format = SelectField(
        "Format", choices=list(import_jobs.UPLOAD_FORMATS), validators=[DataRequired()]
    )
    file = FileField("Export file", validators=[FileRequired("Choose the export file.")])


def allow_upload() -> None:
    """Let an upload be as large as ``IMPORT_MAX_BYTES`` (run before CSRF reads the form)."""
    if request.endpoint == "admin.imports_upload":
        limit = int(current_app.config["IMPORT_MAX_BYTES"])
        request.max_content_length = limit
        request.max_form_memory_size = 64 * 1024  # the other fields; the file goes to disk


def _page(form: UploadForm, status: int = 200) -> tuple[str, int]:
    jobs = import_jobs.jobs_of(g.site.id)
    busy = any(job.status in (JobStatus.PENDING, JobStatus.RUNNING) for job in jobs)
    page = render_template(
        "admin/imports.html",
        form=form,
        jobs=jobs,
        busy=busy,
        labels=FORMAT_LABELS,
        max_mb=int(current_app.config["IMPORT_MAX_BYTES"]) // (1024 * 1024),
    )
    return page, status


@bp.get("/<slug>/imports", endpoint="imports")
@requires_role(Role.ADMIN)
def imports(slug: str) -> tuple[str, int]:
    """Show the upload form and the site's latest imports with their progress."""
    return _page(UploadForm(formdata=None))


@bp.post("/<slug>/imports", endpoint="imports_upload")
@requires_role(Role.ADMIN)
def imports_upload(slug: str) -> Response | tuple[str, int]:
    """Keep the uploaded export and queue its import."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    upload = form.file.data
    with unit_of_work():
        job = import_jobs.submit(
            g.site, form.format.data or "", upload.filename or "", upload.stream, actor=actor()
        )
    if current_app.config["IMPORT_IN_PROCESS"]:
        import_jobs.drain_in_background(current_app._get_current_object())  # type: ignore[attr-defined]
    flash(f"{upload.filename} is queued for import (job {job.id}).", "ok")
    return redirect(url_for("admin.imports", slug=slug))
