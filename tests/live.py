"""Helpers for tests that start a real server process on a free local port."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.factories import ORIGIN


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], timeout: float) -> str:
    """Poll ``base``/healthz until it answers; fail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
                return response.read().decode()
        except OSError:
            assert process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)


def post_json(base: str, payload: dict) -> int:
    """POST a comment to the server at ``base``; return the status."""
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


def post_all_at_once(base: str, payloads: list[dict]) -> list[int]:
    """POST every payload from its own thread, all released at the same moment."""
    start = threading.Barrier(len(payloads))

    def send(payload: dict) -> int:
        start.wait(timeout=30)
        return post_json(base, payload)

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(send, payloads))


def burst(count: int, thread: str = "burst") -> list[dict]:
    """Return ``count`` different, valid posts to one thread."""
    return [
        {
            "site": "news",
            "thread": thread,
            "url": f"{ORIGIN}/{thread}",
            "body": f"Burst comment {i}.",
            "author": {"name": f"Reader {i}"},
        }
        for i in range(count)
    ]
