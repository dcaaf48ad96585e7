"""Many readers posting at once: nothing lost, nothing locked, counters right, limits exact."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from comments.extensions import db
from comments.models import Comment, Thread
from tests.factories import ORIGIN
from tests.live import burst, post_all_at_once, post_json


@contextmanager
def _serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_concurrent_posts_are_all_stored_and_counted(app, site):
    with _serving(app) as base:
        first = {
            "site": "news",
            "thread": "busy",
            "url": f"{ORIGIN}/busy",
            "body": "first",
            "author": {"name": "Opener"},
        }
        assert post_json(base, first) == 201
        payloads = [
            {
                "site": "news",
                "thread": "busy",
                "body": f"comment {i}",
                "parent_id": 1 if i % 3 == 0 else None,
                "author": {"name": f"Reader {i % 7}"},
            }
            for i in range(80)
        ]
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda p: post_json(base, p), payloads))
    assert statuses == [201] * 80
    with app.app_context():
        stored = db.session.scalar(select(func.count(Comment.id)))
        counted = db.session.scalar(select(Thread.comment_count).where(Thread.key == "busy"))
        root = db.session.get(Comment, 1)
        assert stored == counted == 81
        assert root.reply_count == root.descendant_count == 27


def test_fifty_posts_at_once_against_a_limit_of_five_store_five(app_factory, site):
    app = app_factory(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_POST="5 per minute",
        RATELIMIT_POST_THREAD="100 per minute",
    )
    with _serving(app) as base:
        statuses = post_all_at_once(base, burst(50))
    assert sorted(statuses) == [201] * 5 + [429] * 45
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 5
