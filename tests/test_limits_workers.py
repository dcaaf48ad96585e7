"""Posting limits hold exactly across gunicorn worker processes sharing Redis.

Fifty posts released at the same moment from one address, against a limit of
five, spread over four worker processes: five are stored, forty-five refused.
On the database the suite runs on (SQLite by default, PostgreSQL in CI).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.live import burst, free_port, post_all_at_once, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("COMMENTS_TEST_REDIS_URL")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.skipif(not REDIS, reason="COMMENTS_TEST_REDIS_URL is not set"),
    pytest.mark.skipif(shutil.which("gunicorn") is None, reason="gunicorn is not installed"),
]


def _page(base: str, thread: str) -> dict:
    url = f"{base}/api/v1/comments?site=news&thread={thread}&limit=100"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_fifty_posts_at_once_over_four_workers_store_five(database_url, site, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_RATELIMIT_STORAGE_URI": REDIS,
        "COMMENTS_RATELIMIT_KEY_PREFIX": f"workers-{uuid.uuid4().hex}",
        "COMMENTS_RATELIMIT_POST": "5 per minute",
        "COMMENTS_RATELIMIT_POST_THREAD": "100 per minute",
        "COMMENTS_SECRET_KEY": "workers-test-secret",
        "COMMENTS_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "comments:create_app()"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "4"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, server, timeout=60)
        statuses = post_all_at_once(base, burst(50))
        page = _page(base, "burst")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
    assert sorted(statuses) == [201] * 5 + [429] * 45
    assert page["thread"]["comment_count"] == 5
    assert len(page["comments"]) == 5
    workers = {line.split("pid: ")[1] for line in (tmp_path / "server.log").read_text().splitlines()
               if "Booting worker" in line}  # fmt: skip
    assert len(workers) == 4
