"""The admin panel's import page: upload, a job run by the worker, progress and summary."""

from __future__ import annotations

import io
import threading
import time

from sqlalchemy import func, select

from comments import import_jobs
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Comment, ImportJob, Role
from tests.admin_helpers import csrf_token, make_moderator, sign_in
from tests.factories import make_site
from tests.import_helpers import DATA

URL = "/admin/news/imports"


def _upload(client, content: bytes, fmt: str = "disqus", name: str = "disqus.xml"):
    token = csrf_token(client, URL)
    return client.post(
        URL,
        data={"csrf_token": token, "format": fmt, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _admin(app, client):
    make_moderator(app, "admin@news.example", Role.ADMIN)
    sign_in(client, "admin@news.example")


def test_upload_queues_a_job_that_the_worker_runs(app_factory, client_factory=None):
    app = app_factory(IMPORT_IN_PROCESS=False)
    client = app.test_client()
    make_site(app)
    _admin(app, client)
    response = _upload(client, (DATA / "disqus.xml").read_bytes())
    assert response.status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "disqus.xml" in page and "pending" in page
    assert 'http-equiv="refresh"' in page  # the page follows the job while it waits
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0  # not in the request
        assert import_jobs.run_next_job() is True
        assert import_jobs.run_next_job() is False
        job = db.session.scalar(select(ImportJob))
        assert job.status == "done" and job.done == job.total > 0
        assert db.session.scalar(select(func.count(Comment.id))) == 8
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"comments.import_requested", "comments.imported"} <= actions
    page = client.get(URL).get_data(as_text=True)
    assert "comments imported:" in page and "5 approved" in page
    assert "skipped: 1 comments whose thread is not in the file" in page
    assert 'http-equiv="refresh"' not in page


def test_a_bad_file_fails_its_job_with_the_reason(app_factory):
    app = app_factory(IMPORT_IN_PROCESS=False)
    client = app.test_client()
    make_site(app)
    _admin(app, client)
    _upload(client, b"<disqus>\n<post>", name="broken.xml")
    with app.app_context():
        assert import_jobs.run_next_job() is True
    page = client.get(URL).get_data(as_text=True)
    assert "failed" in page and "broken.xml: line 2: not well-formed XML" in page


def test_upload_runs_in_a_background_thread_with_import_in_process(app_factory):
    app = app_factory(IMPORT_IN_PROCESS=True)
    client = app.test_client()
    make_site(app)
    _admin(app, client)
    _upload(client, (DATA / "wordpress.xml").read_bytes(), "wordpress", "wp.xml")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.scalar(select(ImportJob))
            if job.status in ("done", "failed"):
                break
        time.sleep(0.1)
    # The thread ends once the queue is empty: wait for it, so that nothing of
    # it outlives the test's database.
    for thread in threading.enumerate():
        if thread.name == "comments-imports":
            thread.join(30)
    assert job.status == "done", job.error
    assert job.summary["comments"] == {"approved": 2, "deleted": 1, "pending": 1, "spam": 1}


def test_two_workers_never_run_the_same_job(app_factory):
    app = app_factory(IMPORT_IN_PROCESS=False)
    make_site(app)
    with app.app_context(), unit_of_work():
        from comments import audit, sites

        job_site = sites.get_site("news")
        import_jobs.submit(
            job_site,
            "disqus",
            "d.xml",
            io.BytesIO((DATA / "disqus.xml").read_bytes()),
            actor=audit.Actor("test"),
        )
    ran: list[bool] = []

    def work() -> None:
        with app.app_context():
            ran.append(import_jobs.run_next_job())
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for each in threads:
        each.start()
    for each in threads:
        each.join(60)
    assert sorted(ran) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 8


def test_moderators_do_not_see_the_import_page(app, client, site):
    make_moderator(app)
    sign_in(client)
    assert client.get(URL).status_code in (403, 404)


def test_upload_needs_a_file_and_its_csrf_token(app, client, site):
    _admin(app, client)
    token = csrf_token(client, URL)
    response = client.post(URL, data={"csrf_token": token, "format": "disqus"})
    assert response.status_code == 400 and "Choose the export file." in response.get_data(True)
    response = client.post(
        URL,
        data={"format": "disqus", "file": (io.BytesIO(b"<disqus/>"), "d.xml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(ImportJob.id))) == 0


def test_upload_over_the_size_limit_is_refused(app_factory):
    app = app_factory(IMPORT_MAX_BYTES=1024, IMPORT_IN_PROCESS=False)
    client = app.test_client()
    make_site(app)
    _admin(app, client)
    response = _upload(client, b"x" * 4096)
    assert response.status_code == 413


def test_the_worker_runs_an_uploaded_import(app_factory):
    from comments import worker

    app = app_factory()  # IMPORT_IN_PROCESS off, as by default: nothing runs it but the worker
    client = app.test_client()
    make_site(app)
    _admin(app, client)
    assert _upload(client, (DATA / "disqus.xml").read_bytes()).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0
    done = worker.run_once(app, worker.default_jobs(app))
    assert done["imports"] == 1
    with app.app_context():
        assert db.session.scalar(select(ImportJob.status)) == "done"
        assert db.session.scalar(select(func.count(Comment.id))) == 8
