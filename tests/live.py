"""Helpers for tests that start a real server process on a free local port."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request


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
