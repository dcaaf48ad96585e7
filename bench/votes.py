"""Benchmark first-page reads of the 5,000-comment thread while readers vote, against the ceiling.

One command: ``python bench/votes.py``. It seeds a fresh database as ``run.py``
does, starts the real app and the ceiling under the same gunicorn settings,
then reads the first page of the 5,000-comment thread with wrk at concurrency
16, app and ceiling in turn, twice: once with nobody voting, once while a
voter sends ``--votes-per-second`` votes (20 unless told; each a new reader's
vote on one of the thread's roots, so every one changes a tally). The budget:
with votes arriving, the app keeps at least 60 % of the ceiling's rate.

Votes move the thread's ``tally_version``, not its ``version``: a cached page
is rebuilt for new tallies at most once per ``VOTE_TALLY_TTL`` seconds per
worker (``comments/api/cache.py``), so votes cost the readers little. Set
``--tally-ttl 0`` to see what rebuilding the page on every vote would cost.

It prints the figures, writes ``bench/results/votes.json`` and exits 1 when
the budget is missed, 2 on a broken run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
import seed  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

RESULTS = BENCH / "results" / "votes.json"
SHARE = 0.60


class Voter(threading.Thread):
    """Send votes at a steady rate until stopped; count what the app answered."""

    def __init__(self, base: str, origin: str, comment_ids: list[int], per_second: float) -> None:
        super().__init__(daemon=True)
        self.base, self.origin, self.ids, self.per_second = base, origin, comment_ids, per_second
        self.stopping = threading.Event()
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.sent = 0

    def vote(self, n: int) -> None:
        comment_id = self.ids[n % len(self.ids)]
        value = 1 if n % 3 else -1
        body = json.dumps({"value": value}).encode()
        req = urllib.request.Request(  # noqa: S310 (http://127.0.0.1)
            f"{self.base}/api/v1/comments/{comment_id}/vote", data=body, method="POST",
            headers={"Content-Type": "application/json", "Origin": self.origin,
                     "X-Comments-Reader": uuid.uuid4().hex},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def run(self) -> None:
        start = time.monotonic()
        # Votes leave on schedule (the n-th at start + n / rate) however long each takes.
        with ThreadPoolExecutor(max_workers=8) as pool:
            while not self.stopping.is_set():
                pool.submit(self.vote, self.sent)
                self.sent += 1
                delay = start + self.sent / self.per_second - time.monotonic()
                if delay > 0:
                    self.stopping.wait(delay)

    def stop(self) -> float:
        """Stop voting; return the rate actually sent."""
        self.stopping.set()
        self.join(timeout=15)
        return self.sent


def roots_of(url: str, key: str, limit: int = 200) -> list[int]:
    """Return ids of shown root comments of the thread with ``key``."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    sql = (
        "SELECT c.id FROM comments c JOIN threads t ON t.id = c.thread_id "
        "WHERE t.key = :key AND c.status = 'approved' AND c.depth = 0 ORDER BY c.id LIMIT :n"
    )
    try:
        with engine.connect() as conn:
            return [int(r[0]) for r in conn.execute(text(sql), {"key": key, "n": limit})]
    finally:
        engine.dispose()


def measure(
    real: run.Server, ceiling: run.Server, target: str, args: argparse.Namespace, origin: str,
    voter: Voter | None,
) -> dict[str, Any]:  # fmt: skip
    """Read ``target`` at c16, app and ceiling in turn, while ``voter`` (if any) votes."""
    headers = {"Origin": origin}
    seconds = max(1, args.duration // args.rounds)
    rounds: dict[str, list[dict[str, Any]]] = {"app": [], "ceiling": []}
    load = os.getloadavg()[0]
    started = time.monotonic()
    if voter is not None:
        voter.start()
    try:
        for _ in range(args.rounds):
            for server in (real, ceiling):
                rounds[server.name].append(
                    run.measured(server, server.base + target, 16, seconds, headers)
                )
    finally:
        sent = voter.stop() if voter is not None else 0
    elapsed = time.monotonic() - started
    row: dict[str, Any] = {"voting": voter is not None, "load1": load}
    row.update({side: run.combine(summaries) for side, summaries in rounds.items()})
    row["share"] = round(row["app"]["rps"] / row["ceiling"]["rps"], 3)
    if voter is not None:
        row["votes_per_second"] = round(sent / elapsed, 1)
        row["vote_statuses"] = {str(k): v for k, v in sorted(voter.statuses.items())}
    return row


def run_votes(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Seed, serve, measure without and with votes; return what was measured."""
    if args.database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        url = run.reset_postgres(args.postgres)
    info = seed.seed(url, secret=run.SECRET)
    key = info["threads"]["large"]
    target = "/api/v1/comments?" + run.urlencode({"site": info["site"], "thread": key})
    origin = info["origin"]
    env = {
        "COMMENTS_DATABASE_URL": url,
        "COMMENTS_RATELIMIT_ENABLED": "false",
        "COMMENTS_SECRET_KEY": run.SECRET,
        "COMMENTS_INSTANCE_PATH": str(workdir / "instance"),
        "COMMENTS_VOTE_TALLY_TTL": str(args.tally_ttl),
    }
    replay = workdir / "responses.json"
    ids = roots_of(url, key)
    with run.gunicorn("app", "comments:create_app()", env, workdir, "/healthz", workdir) as real:
        real.database_url = None if args.database == "sqlite" else url
        run.capture(real, {"page-5000": target}, replay, origin)
        ceiling_env = {"BENCH_CEILING_RESPONSES": str(replay)}
        with run.gunicorn(
            "ceiling", "ceiling:create_app()", ceiling_env, workdir, target, BENCH
        ) as ceiling:
            run.check_replay(real, ceiling, {"page-5000": target}, origin)
            for server in (real, ceiling):
                run.wrk(server.base + target, 16, args.warmup, BENCH / "report.lua",
                        headers={"Origin": origin})  # fmt: skip
            rows = [measure(real, ceiling, target, args, origin, None)]
            voter = Voter(real.base, origin, ids, args.votes_per_second)
            rows.append(measure(real, ceiling, target, args, origin, voter))
    for row in rows:
        extra = (
            f", votes {row['votes_per_second']}/s {row['vote_statuses']}" if row["voting"] else ""
        )
        print(
            f"  page-5000 c16 {'voting' if row['voting'] else 'quiet ':<6} app "
            f"{row['app']['rps']:8.1f} req/s, ceiling {row['ceiling']['rps']:8.1f} req/s "
            f"({row['share']:.0%}){extra}"
        )
    voting = rows[1]
    ok = (
        voting["share"] >= SHARE
        and set(voting["vote_statuses"]) == {"200"}
        and voting["votes_per_second"] >= 0.9 * args.votes_per_second
    )
    return {"database": args.database, "tally_ttl": args.tally_ttl, "rows": rows, "ok": ok}


def main() -> int:
    """Run the benchmark; exit 0 when the budget holds, 1 when missed, 2 when broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=run.DATABASES, default="sqlite")
    parser.add_argument("--postgres", default=run.POSTGRES_URL, help="a database it may drop")
    parser.add_argument("--duration", type=int, default=10, help="seconds of reading per figure")
    parser.add_argument("--rounds", type=int, default=2, help="app/ceiling turns per figure")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per warm-up run")
    parser.add_argument("--votes-per-second", type=float, default=20.0)
    parser.add_argument("--tally-ttl", type=float, default=10.0, help="VOTE_TALLY_TTL")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="comments-votes-"))
    try:
        result = run_votes(args, workdir)
    except run.BrokenRun as exc:
        print(f"broken run: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"budget (app >= {SHARE:.0%} of the ceiling while voting): "
          f"{'met' if result['ok'] else 'MISSED'}")  # fmt: skip
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
