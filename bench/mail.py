"""Benchmark email: what asking for reply emails adds to a post, and the worker's delivery rate.

Run ``python bench/mail.py`` from the repository root. On a SQLite file in a
temporary folder it posts 200 comments with an email, half of them asking
for reply emails (``notify``: one subscription and one outbox row each), and
prints the median and p95 time of a post of each kind, measured in-process
through the test client. Then it confirms the addresses, posts 500 replies
(500 emails in the outbox) and times ``deliver_mail`` sending them all to a
local aiosmtpd server, in messages per second.
"""

from __future__ import annotations

import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import update  # noqa: E402

from comments import create_app, sites, worker  # noqa: E402
from comments.database import unit_of_work  # noqa: E402
from comments.extensions import db  # noqa: E402
from comments.models import MailAddress, utcnow  # noqa: E402

POSTS = 200
REPLIES = 500


class Sink:
    async def handle_DATA(self, _server, _session, _envelope):  # noqa: N802
        return "250 OK"


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def main() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": tmp,
                "RATELIMIT_ENABLED": False,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": port,
                "MAIL_USE_TLS": False,
                "PUBLIC_URL": "http://comments.bench",
            }
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            with unit_of_work():
                sites.create_site("news", name="News", origins=["https://news.example"])
        client = app.test_client()
        timings: dict[bool, list[float]] = {False: [], True: []}
        parents = []
        for n in range(POSTS):
            notify = n % 2 == 1
            body = {
                "site": "news",
                "thread": f"story-{n % 10}",
                "url": f"https://news.example/story-{n % 10}",
                "body": f"Comment {n}",
                "author": {"name": f"Reader {n}", "email": f"r{n}@example.com"},
                "notify": notify,
            }
            start = time.perf_counter()
            response = client.post("/api/v1/comments", json=body)
            timings[notify].append(time.perf_counter() - start)
            assert response.status_code == 201, response.get_json()
            if notify:
                parents.append((response.get_json()["comment"]["id"], n % 10))
        print(f"post without notify: {_ms(timings[False])}")
        print(f"post with notify:    {_ms(timings[True])}")
        worker.deliver_mail(app, limit=1000)  # the confirmations
        with app.app_context(), unit_of_work():
            db.session.execute(update(MailAddress).values(confirmed_at=utcnow()))
        for n in range(REPLIES):
            parent, thread = parents[n % len(parents)]
            client.post(
                "/api/v1/comments",
                json={
                    "site": "news",
                    "thread": f"story-{thread}",
                    "parent_id": parent,
                    "body": f"Reply {n}",
                    "author": {"name": "Replier"},
                },
            )
        start = time.perf_counter()
        sent = 0
        while done := worker.deliver_mail(app):
            sent += done
        elapsed = time.perf_counter() - start
        print(f"delivered {sent} emails in {elapsed:.2f} s: {sent / elapsed:.0f} per second")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    controller.stop()


if __name__ == "__main__":
    main()
