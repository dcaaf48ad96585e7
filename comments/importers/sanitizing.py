"""Sanitize imported comments in a second process while the importer writes.

Sanitizing (bleach over html5lib, pure Python) is about 40 % of an import's
CPU; writing the batches is most of the rest, and one waits on the other in a
single process. :class:`Worker` runs :func:`render_all` in a child process
(``python -m comments.importers.sanitizing``), so that on two cores batch
N+1 is sanitized while batch N is written. The loader decides when that pays
(:mod:`comments.importers.loading`); what it stores is exactly what
rendering in the importer's own process stores: the same function runs on
the same text.

Decisions:

- A plain child process speaking JSON lines, not ``multiprocessing``: its
  spawn re-imports the parent's ``__main__`` (for ``comments import``, the
  whole app: 150 MB), and pickles. The child imports only
  :mod:`comments.markup` (about 35 MB) and reads and writes nothing but
  lists of strings.
- Batches go in and come back in order; a thread in the child reads its
  input as it comes, so a batch being sent never waits on a result not yet
  read (no deadlock on full pipes). The loader keeps at most two batches in
  flight, which bounds the child's memory.
- The child has its own session (a Ctrl-C reaches the importer only); it
  ends when its input closes. The importer closes it on the way out of every
  import, finished or failed, and kills it if it does not end in time.
- A child that fails or dies makes the import fail with ``ImportFailed``
  before the batch it was sanitizing is opened: the batches stored stay,
  the next run resumes after them. A child that cannot be started at all
  (no interpreter to run) leaves the import sanitizing in its own process.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from comments import errors, markup

#: A comment's sanitized HTML, or the sanitizer's refusal (its detail).
Rendered = tuple[str | None, str | None]
_STOP_SECONDS = 10


def render_all(items: list[tuple[str, str]]) -> list[Rendered]:
    """Render each (source, format) as :func:`markup.render_source` does, refusals kept."""
    out: list[Rendered] = []
    for source, source_format in items:
        try:
            out.append((markup.render_source(source, source_format), None))
        except errors.MarkupRefused as exc:
            out.append((None, exc.detail))
    return out


class Worker:
    """One sanitizer process: :meth:`submit` batches, then take each :meth:`result` in turn."""

    def __init__(self) -> None:
        env = dict(os.environ)
        # The child must import this very copy of the package (a checkout, a test run).
        root = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        self._stdin: IO[bytes] | None = self.process.stdin
        self._stdout: IO[bytes] | None = self.process.stdout
        self.pending = 0

    def submit(self, items: list[tuple[str, str]]) -> None:
        """Send one batch of (source, format) to be sanitized."""
        if self._stdin is None:
            raise RuntimeError("the sanitizer process is closed")
        try:
            self._stdin.write(json.dumps(items).encode() + b"\n")
            self._stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise self._stopped() from exc
        self.pending += 1

    def result(self) -> list[Rendered]:
        """Return the oldest batch submitted, sanitized (waiting for it if need be)."""
        if self._stdout is None or not self.pending:
            raise RuntimeError("no batch is waiting at the sanitizer process")
        line = self._stdout.readline()
        if not line:
            raise self._stopped()
        self.pending -= 1
        reply = json.loads(line)
        if "error" in reply:
            raise errors.ImportFailed(
                f"Sanitizing the comments failed ({reply['error']}); nothing of this batch "
                "was stored.",
                code="sanitizer_failed",
            )
        return [(html, refused) for html, refused in reply["results"]]

    def close(self) -> None:
        """End the child (it finishes the batch in hand), killing it if it does not end in time."""
        for stream in (self._stdin, self._stdout):
            if stream is not None:
                try:
                    stream.close()
                except BrokenPipeError:
                    pass
        self._stdin = self._stdout = None
        try:
            self.process.wait(timeout=_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _stopped(self) -> errors.ImportFailed:
        try:
            code: int | None = self.process.wait(timeout=1)  # it is ending: say how
        except subprocess.TimeoutExpired:
            code = None
        return errors.ImportFailed(
            f"The sanitizer process stopped (exit code {code}); nothing of this batch was stored.",
            code="sanitizer_failed",
        )


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """Answer each line of ``stdin`` (a JSON batch) with a line of ``stdout``, until EOF."""
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def read() -> None:
        for line in stdin:
            inbox.put(line)
        inbox.put(None)

    threading.Thread(target=read, daemon=True).start()
    while (line := inbox.get()) is not None:
        try:
            reply: dict[str, object] = {"results": render_all(json.loads(line))}
        except Exception as exc:  # told to the importer, which fails the import
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        try:
            stdout.write(json.dumps(reply).encode() + b"\n")
            stdout.flush()
        except BrokenPipeError:
            return  # the importer stopped listening: it is failing or interrupted


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.stdin.buffer, sys.stdout.buffer)
