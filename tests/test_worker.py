"""The worker: its jobs, one round (--once), a graceful stop, and two workers on one outbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import yaml
from sqlalchemy import func, select, update

from comments import worker
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Comment, MailState, OutboxMessage, utcnow
from tests import factories
from tests.mailbox import SMTPServer
from tests.test_mail import ask

ROOT = Path(__file__).resolve().parent.parent


def test_two_workers_racing_on_one_outbox_send_each_message_once(app_factory):
    server = SMTPServer().start()
    try:
        first = app_factory(**server.config())
        second = app_factory(**server.config())
        factories.make_site(first)
        client = first.test_client()
        expected = sorted(f"r{n}@example.com" for n in range(40))
        for address in expected:
            ask(client, email=address)
        start = threading.Barrier(2)
        failures: list[BaseException] = []

        def work(app) -> None:
            try:
                start.wait()
                for _ in range(200):
                    worker.deliver_mail(app, limit=3)
                    with app.app_context():
                        left = db.session.scalar(
                            select(func.count(OutboxMessage.id)).where(
                                OutboxMessage.state.in_([MailState.PENDING, MailState.SENDING])
                            )
                        )
                        db.session.rollback()
                    if not left:
                        return
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(app,)) for app in (first, second)]
        for each in threads:
            each.start()
        for each in threads:
            each.join(60)
        assert not failures
        assert sorted(m["To"] for m in server.inbox.messages) == expected
    finally:
        server.stop()


def test_a_message_whose_worker_died_is_sent_after_its_lease(app_factory):
    server = SMTPServer().start()
    try:
        app = app_factory(**server.config())
        factories.make_site(app)
        ask(app.test_client())
        with app.app_context(), unit_of_work():
            # A worker claimed it and vanished: its lease ran out a moment ago.
            db.session.execute(
                update(OutboxMessage).values(
                    state=MailState.SENDING, claim="gone", lease_until=utcnow(), attempts=1
                )
            )
        assert worker.deliver_mail(app) == 1
        assert len(server.inbox.messages) == 1
    finally:
        server.stop()


def test_once_runs_every_job_a_round_and_exits(app_factory):
    app = app_factory(RETENTION_ADDRESS_DAYS=0)
    factories.make_site(app)
    factories.post_ok(app.test_client())
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "mail: 0, imports: 0, retention: 1"
    with app.app_context():
        assert db.session.scalar(select(Comment.remote_addr)) is None


def test_a_job_that_fails_does_not_stop_the_others(app, caplog):
    ran = []

    def broken() -> int:
        raise RuntimeError("boom")

    jobs = [worker.Job("broken", broken, 1), worker.Job("fine", lambda: ran.append(1) or 0, 1)]
    assert worker.run_once(app, jobs) == {"broken": 0, "fine": 0}
    assert ran == [1]
    assert "job broken failed" in caplog.text


def test_the_loop_runs_a_busy_job_again_at_once_and_stops_when_told(app):
    stop = threading.Event()
    calls = []

    def job() -> int:
        calls.append(1)
        if len(calls) == 5:
            stop.set()
        return 1

    worker.run(app, [worker.Job("busy", job, every=3600)], stop)
    assert len(calls) == 5


def test_the_worker_command_stops_gracefully_on_sigterm(tmp_path, database_url):
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_SECRET_KEY": "test-secret",
        "COMMENTS_INSTANCE_PATH": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "comments.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("comments worker: mail, imports, retention")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "comments worker: stopped" in out


def test_compose_runs_a_worker_from_the_same_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    app, runner = services["app"], services["worker"]
    assert runner["build"] == app["build"] == "."
    assert runner["entrypoint"] == ["comments", "worker"]
    assert runner["depends_on"]["app"]["condition"] == "service_healthy"
    for name in ("COMMENTS_DATABASE_URL", "COMMENTS_SECRET_KEY", "COMMENTS_MAIL_SERVER"):
        assert runner["environment"][name] == app["environment"][name]
