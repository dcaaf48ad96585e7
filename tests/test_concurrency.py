"""Many readers posting at once: nothing lost, nothing locked, counters right."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from werkzeug.serving import make_server

from comments.extensions import db
from comments.models import Comment, Thread
from tests.factories import ORIGIN


def _post(base: str, payload: dict) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/comments",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_concurrent_posts_are_all_stored_and_counted(app, site):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        first = {
            "site": "news",
            "thread": "busy",
            "url": f"{ORIGIN}/busy",
            "body": "first",
            "author": {"name": "Opener"},
        }
        assert _post(base, first) == 201
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
            statuses = list(pool.map(lambda p: _post(base, p), payloads))
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert statuses == [201] * 80
    with app.app_context():
        stored = db.session.scalar(select(func.count(Comment.id)))
        counted = db.session.scalar(select(Thread.comment_count).where(Thread.key == "busy"))
        root = db.session.get(Comment, 1)
        assert stored == counted == 81
        assert root.reply_count == root.descendant_count == 27
