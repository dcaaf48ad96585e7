"""Time the first page of a moderation queue of 100,000 comments against one of 10.

Seeds a fresh SQLite file with two sites: ``big`` (100,000 comments over 200
threads by 1,000 authors, a fifth of them pending) and ``small`` (10 comments), then opens the
first page of each site's Pending and All queues in the admin panel, newest
and oldest first, and a page deep into the big one by its cursor. The budget:
a big queue's page takes at most 3x a small one's and under 250 ms (median
of 15). Seeding takes some seconds; the timing itself well under one.

Usage: ``python bench/queues.py`` (exit 1 when a budget is missed).
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from comments import audit, create_app, sites, staff
from comments.cli import upgrade_database
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Author, Comment, Role, Status, Thread

BIG, SMALL = 100_000, 10
PASSWORD = "bench password 1"
ROUNDS = 15
_CURSOR = re.compile(r'rel="next" href="[^"]*cursor=([^&"]+)')


def seed(app: Any) -> None:
    """Create both sites, a moderator of both, and their comments in bulk."""
    with app.app_context(), unit_of_work():
        for slug in ("big", "small"):
            sites.create_site(slug, name=slug.title(), origins=["https://news.example"])
        staff.add(
            "bench@news.example",
            role=Role.MODERATOR,
            site_slugs=("big", "small"),
            password=PASSWORD,
            actor=audit.Actor("bench"),
        )
    with app.app_context():
        for site_id, count, threads in ((1, BIG, 200), (2, SMALL, 1)):
            _comments(site_id, count, threads)
        db.session.commit()


def _comments(site_id: int, count: int, threads: int) -> None:
    start = datetime(2026, 1, 1)
    db.session.execute(
        insert(Thread),
        [
            {"site_id": site_id, "key": f"t{site_id}-{n}", "title": f"Story {n}", "url": None}
            for n in range(threads)
        ],
    )
    db.session.execute(
        insert(Author),
        [
            {"site_id": site_id, "kind": "guest", "identity": f"a{n}", "name": f"Reader {n}"}
            for n in range(max(1, count // 100))
        ],
    )
    author_ids = list(db.session.scalars(select(Author.id).where(Author.site_id == site_id)))
    thread_ids = list(db.session.scalars(select(Thread.id).where(Thread.site_id == site_id)))
    rows = []
    for n in range(count):
        rows.append(
            {
                "thread_id": thread_ids[n % len(thread_ids)],
                "author_id": author_ids[n % len(author_ids)],
                "author_name": "Reader",
                "body": f"Comment {n}",
                "html": f"<p>Comment {n}</p>",
                "status": Status.PENDING if n % 5 == 0 else Status.APPROVED,
                "hold_reasons": [],
                "created_at": start + timedelta(seconds=n),
                "depth": 0,
            }
        )
        if len(rows) == 10_000:
            db.session.execute(insert(Comment), rows)
            rows = []
    if rows:
        db.session.execute(insert(Comment), rows)


def timed(client: Any, path: str) -> tuple[float, str]:
    """Return the median time to answer ``path`` and the last answer."""
    times, html = [], ""
    for _ in range(ROUNDS):
        began = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
    return statistics.median(times), html


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'queue.db'}",
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": tmp,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade_database()
        began = time.perf_counter()
        seed(app)
        print(f"seeded {BIG + SMALL:,} comments in {time.perf_counter() - began:.1f} s")
        client = app.test_client()
        login = client.get("/admin/login").get_data(as_text=True)
        token = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/admin/login",
            data={"email": "bench@news.example", "password": PASSWORD, "csrf_token": token},
        )
        failed = False
        for queue in ("pending", "all"):
            for order in ("newest", "oldest"):
                small, _ = timed(client, f"/admin/small/queue/{queue}?order={order}")
                big, html = timed(client, f"/admin/big/queue/{queue}?order={order}")
                ok = big <= max(3 * small, 0.005) and big < 0.25
                failed |= not ok
                print(
                    f"{queue:8} {order:7} small {small * 1000:6.1f} ms  big {big * 1000:6.1f} ms"
                    f"  {'ok' if ok else 'OVER BUDGET'}"
                )
        path = "/admin/big/queue/all"
        for _ in range(50):  # 1,000 comments in
            match = _CURSOR.search(client.get(path).get_data(as_text=True))
            assert match, path
            path = f"/admin/big/queue/all?cursor={match.group(1)}"
        deep, _ = timed(client, path)
        ok = deep < 0.25
        failed |= not ok
        print(f"all      page 51  big {deep * 1000:6.1f} ms  {'ok' if ok else 'OVER BUDGET'}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
