"""Benchmark the service under gunicorn with wrk, against a ceiling, and check the budgets.

One command: ``python bench/run.py``. For each database (SQLite, then
PostgreSQL) it seeds a fresh database (``seed.py``), starts the real app and
the ceiling app (``ceiling.py``: the same response bytes and headers from
memory) under the same gunicorn settings (4 sync workers), warms both up, then
drives them with wrk at concurrency 1 and 16:

- the first page of threads of 10, 1,000 and 5,000 comments;
- the counts of 20 threads;
- posting (``post.lua``): unique comments to the 5,000-comment thread, one in
  ten to a new thread. The 201s wrk saw must equal the comments stored, with
  no other status, no socket error and no "database is locked" in the log.

Every request is sent as the widget and ``count.js`` send it: cross-origin,
with the ``Origin`` of the site's registered page. It prints a table per
database, writes ``bench/results/latest.json`` and exits 1 when a budget is
missed on either database (2 on a broken run). Servers are stopped on every
exit path; every wrk run and wait is bounded in time.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from sqlite3 import sqlite_version
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
# Benchmark the checkout this script is in, whatever copy of the package is installed.
sys.path.insert(0, str(BENCH.parent))

import psycopg  # noqa: E402
import psycopg.sql  # noqa: E402
import seed  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

RESULTS = BENCH / "results" / "latest.json"
WORKERS = 4
SECRET = "bench-secret-not-for-production"
BODY_LIMIT = 64 * 1024
PAGE_SHARE, COUNTS_SHARE, POSTS_PER_SECOND = 0.60, 0.60, 300
DRAIN_SECONDS = 3
DATABASES = ("sqlite", "postgres")
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/comments_bench"
# Databases of the server itself, which a reset must never drop.
SERVER_DATABASES = frozenset({"postgres", "template0", "template1"})


class BrokenRun(RuntimeError):
    """The benchmark itself could not run (a server did not start, wrk failed...)."""


@dataclass
class Server:
    """A gunicorn process group serving one app on 127.0.0.1."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    error_log: Path
    # A PostgreSQL database whose server processes work for this server (their CPU counts).
    database_url: str | None = None

    @property
    def base(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(
    url: str, timeout: float = 10, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Return status, headers and body of a GET, whatever the status."""
    req = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http://127.0.0.1)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return resp.status, list(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, list(exc.headers.items()), exc.read()


@contextmanager
def gunicorn(
    name: str, app: str, env: dict[str, str], workdir: Path, ready_path: str, chdir: Path
) -> Iterator[Server]:
    """Run ``app`` under gunicorn until the block ends, and stop it even on error."""
    port = free_port()
    error_log = workdir / f"{name}-error.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(WORKERS), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir),
        "--error-logfile", str(error_log), "--log-level", "info",
        app,
    ]  # fmt: skip
    path = os.pathsep.join(filter(None, [str(BENCH.parent), os.environ.get("PYTHONPATH")]))
    with open(workdir / f"{name}-stdout.log", "wb") as out:
        process = subprocess.Popen(
            command, env={**os.environ, "PYTHONPATH": path, **env}, stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(name, port, process, error_log)
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, path: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BrokenRun(f"{server.name} exited; see {server.error_log}")
        try:
            if fetch(server.base + path, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BrokenRun(f"{server.name} did not answer {path} within {seconds:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the gunicorn master we started and its workers (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def wrk(
    url: str,
    connections: int,
    seconds: int,
    script: Path,
    args: list[str] | None = None,
    meanwhile: Callable[[], None] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run wrk and return the JSON summary its script prints.

    ``headers`` go with every request; ``meanwhile`` runs while wrk does (e.g. to
    sample the server at a given moment).
    """
    threads = 1 if connections == 1 else 2
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(script),
    ]  # fmt: skip
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if args:
        command += ["--", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        try:
            if meanwhile is not None:
                meanwhile()
            out, err = p.communicate(timeout=seconds + 30)
        except BaseException:
            p.kill()
            raise
    for line in out.splitlines():
        if line.startswith("BENCH "):
            return dict(json.loads(line[len("BENCH ") :]))
    raise BrokenRun(f"wrk printed no summary:\n{out}\n{err}")


def rate(summary: dict[str, Any]) -> float:
    """Return requests per second from a wrk summary."""
    return float(summary["requests"]) / (summary["duration_us"] / 1e6)


def get_errors(summary: dict[str, Any]) -> int:
    """Return the socket errors and non-2xx/3xx answers of a wrk run."""
    return int(sum(summary["errors"].values()))


def capture(server: Server, targets: dict[str, str], path: Path, origin: str) -> dict[str, int]:
    """Store the real app's answer to each target for the ceiling; return body sizes.

    Asked as the widget asks (with the site's ``Origin``), so the stored headers
    are the CORS ones a browser gets, and the ceiling replays them too.
    """
    entries, sizes = [], {}
    for name, target in targets.items():
        status, headers, body = fetch(server.base + target, headers={"Origin": origin})
        if status != 200:
            raise BrokenRun(f"{target} answered {status}: {body[:300]!r}")
        if dict(headers).get("Access-Control-Allow-Origin") != origin:
            raise BrokenRun(f"{target} did not allow the site's origin {origin}")
        entries.append(
            {"target": target, "status": status, "headers": headers,
             "body": base64.b64encode(body).decode()}
        )  # fmt: skip
        sizes[name] = len(body)
    path.write_text(json.dumps(entries))
    return sizes


def _replayed(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the headers the app sets itself (those the ceiling replays), in order."""
    server = {"content-length", "date", "server", "connection"}
    return [(k.lower(), v) for k, v in headers if k.lower() not in server]


def check_replay(real: Server, ceiling: Server, targets: dict[str, str], origin: str) -> None:
    """Make sure the ceiling answers with the real app's exact bytes and headers (CORS too)."""
    for target in targets.values():
        a = fetch(real.base + target, headers={"Origin": origin})
        b = fetch(ceiling.base + target, headers={"Origin": origin})
        if (a[0], a[2], sorted(_replayed(a[1]))) != (b[0], b[2], sorted(_replayed(b[1]))):
            raise BrokenRun(f"the ceiling's answer to {target} differs from the app's")


def cpu_seconds(server: Server) -> float:
    """Return the CPU time used so far by the server's master and workers (its session)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        fields = text[text.rindex(")") + 2 :].split()
        # After the command name: state, ppid, pgrp, session, ... utime (12th), stime (13th).
        if int(fields[3]) == server.process.pid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def database_cpu(url: str | None) -> dict[int, int]:
    """Return the CPU ticks so far of each PostgreSQL backend serving ``url``'s database.

    The server runs on this machine in the benchmark; where its processes can't
    be read (another host, another user) this is empty and the figure reads 0.
    """
    if url is None or not url.startswith("postgresql"):
        return {}
    with psycopg.connect(url) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return {pid: _ticks(pid) for (pid,) in pids}


def _database_cpu_since(url: str | None, before: dict[int, int]) -> float:
    after = database_cpu(url)
    ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
    return max(ticks, 0) / os.sysconf("SC_CLK_TCK")


def measured(
    server: Server, url: str, connections: int, seconds: int, headers: dict[str, str]
) -> dict[str, Any]:
    """Run wrk against ``server`` and add the server's (and its database's) CPU time."""
    before, db_before = cpu_seconds(server), database_cpu(server.database_url)
    summary = wrk(url, connections, seconds, BENCH / "report.lua", headers=headers)
    summary["server_cpu_s"] = round(cpu_seconds(server) - before, 2)
    summary["database_cpu_s"] = round(_database_cpu_since(server.database_url, db_before), 2)
    return summary


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge the wrk summaries of several rounds into one figure."""
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["duration_us"] for r in rounds) / 1e6
    cpu = sum(r["server_cpu_s"] for r in rounds)
    db_cpu = sum(r["database_cpu_s"] for r in rounds)
    p50s = sorted(r["latency_us"]["p50"] for r in rounds)
    return {
        "rps": round(requests / seconds, 1),
        "cpu_ms_per_request": round(1000 * cpu / max(requests, 1), 3),
        "database_cpu_ms_per_request": round(1000 * db_cpu / max(requests, 1), 3),
        "p50_ms": p50s[len(p50s) // 2] / 1000,
        "p99_ms": max(r["latency_us"]["p99"] for r in rounds) / 1000,
        "errors": sum(get_errors(r) for r in rounds),
        "rounds": rounds,
    }


def measure_gets(
    real: Server, ceiling: Server, targets: dict[str, str], args: argparse.Namespace,
    origin: str,
) -> list[dict[str, Any]]:  # fmt: skip
    """Warm both servers up, then run every target at c1 and c16, app and ceiling in turn.

    Each figure is split into rounds that alternate app and ceiling, so a burst of
    load from elsewhere on the machine hits both sides of a ratio alike. Every
    request carries the site's ``Origin``, as the widget's and ``count.js``'s do.
    """
    headers = {"Origin": origin}
    for server in (real, ceiling):
        for target in targets.values():
            wrk(server.base + target, 16, args.warmup, BENCH / "report.lua", headers=headers)
    seconds = max(1, args.duration // args.rounds)
    runs = []
    for name, target in targets.items():
        for connections in (1, 16):
            load = os.getloadavg()[0]
            rounds: dict[str, list[dict[str, Any]]] = {"app": [], "ceiling": []}
            for _ in range(args.rounds):
                for server in (real, ceiling):
                    rounds[server.name].append(
                        measured(server, server.base + target, connections, seconds, headers)
                    )
            row = {"case": name, "connections": connections, "load1": load}
            row.update({side: combine(summaries) for side, summaries in rounds.items()})
            row["share"] = round(row["app"]["rps"] / row["ceiling"]["rps"], 3)
            print(
                f"  {name:<12} c{connections:<3} app {row['app']['rps']:8.1f} req/s, "
                f"ceiling {row['ceiling']['rps']:8.1f} req/s ({row['share']:.0%})"
            )
            runs.append(row)
    return runs


def _scalars(url: str, statements: dict[str, str], params: dict[str, Any]) -> dict[str, int]:
    """Run each counting statement on the database at ``url``; return the counts by name."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return {name: int(conn.execute(text(sql), params).scalar_one())
                    for name, sql in statements.items()}  # fmt: skip
    finally:
        engine.dispose()


def stored(url: str, tag: str) -> int:
    """Return how many comments of one posting run the database holds."""
    sql = {"stored": "SELECT count(*) FROM comments WHERE body LIKE :tag"}
    return _scalars(url, sql, {"tag": f"Bench {tag}/%"})["stored"]


def counter_errors(url: str) -> dict[str, int]:
    """Return, per counter, how many rows disagree with a recount (all zero when right)."""
    return _scalars(url, seed.COUNTER_CHECKS, {"ok": "approved"})


def _sample_later(server: Server, delay: float, into: list[float]) -> None:
    time.sleep(delay)
    into.append(cpu_seconds(server))


def measure_posting(
    real: Server, url: str, info: dict[str, Any], seconds: int, run_id: str
) -> list[dict[str, Any]]:
    """Post at c1 then c16; compare the 201s wrk saw with the comments stored."""
    runs = []
    for connections in (1, 16):
        tag = f"{run_id}c{connections}"
        log_start = real.error_log.stat().st_size
        cpu: list[float] = [cpu_seconds(real)]
        db_before = database_cpu(real.database_url)
        # Posting stops after ``seconds``; what the server uses after that is the drain.
        sample_after_posting = partial(_sample_later, real, seconds + 0.2, cpu)
        args = [tag, str(seconds), info["site"], info["threads"]["large"], info["origin"], "10"]
        summary = wrk(
            real.base + "/api/v1/comments", connections, seconds + DRAIN_SECONDS,
            BENCH / "post.lua", args, sample_after_posting,
        )  # fmt: skip
        db_cpu = _database_cpu_since(real.database_url, db_before)  # the drain costs it ~nothing
        time.sleep(0.5)
        with open(real.error_log, "rb") as fh:
            fh.seek(log_start)
            log = fh.read().decode(errors="replace")
        created = summary["statuses"].get("201", 0)
        others = sum(v for k, v in summary["statuses"].items() if k != "201")
        socket_errors = sum(v for k, v in summary["errors"].items() if k != "status")
        run = {
            "connections": connections,
            "created_201": created,
            "stored": stored(url, tag),
            "other_statuses": others,
            "socket_errors": socket_errors,
            # wrk calls request() once more than it sends, to check the script's request.
            "unanswered": summary["sent"] - 1 - created - others,
            "database_locked": log.count("database is locked"),
            "tracebacks": log.count("Traceback"),
            "per_second": round(created / summary["post_seconds"], 1)
            if summary["post_seconds"]
            else 0.0,
            "cpu_ms_per_post": round(1000 * (cpu[1] - cpu[0]) / max(summary["sent"], 1), 2),
            "database_cpu_ms_per_post": round(1000 * db_cpu / max(summary["sent"], 1), 2),
            "wrk": summary,
        }
        print(
            f"  posting      c{connections:<3} app      {run['per_second']:8.1f} comments/s "
            f"(201: {created}, stored: {run['stored']}, other: {others}, "
            f"socket errors: {socket_errors}, server CPU {run['cpu_ms_per_post']} ms/post)"
        )
        runs.append(run)
    return runs


def budgets(
    gets: list[dict[str, Any]], posts: list[dict[str, Any]], sizes: dict[str, int],
    counters: dict[str, int],
) -> list[dict[str, Any]]:  # fmt: skip
    """Return each budget with the measured figure and whether it is met."""
    by = {(r["case"], r["connections"]): r for r in gets}
    page, counts = by[("page-5000", 16)], by[("counts-20", 16)]
    post = next(p for p in posts if p["connections"] == 16)
    post_ok = (
        post["per_second"] >= POSTS_PER_SECOND
        and post["other_statuses"] == post["socket_errors"] == post["unanswered"] == 0
        and post["stored"] == post["created_201"]
        and post["database_locked"] == post["tracebacks"] == 0
    )
    read_errors = sum(r[side]["errors"] for r in gets for side in ("app", "ceiling"))
    return [
        {"budget": "first page (5,000) at c16 >= 60 % of ceiling",
         "measured": f"{page['share']:.0%}", "met": page["share"] >= PAGE_SHARE},
        {"budget": "first page <= 64 KB for every thread size",
         "measured": ", ".join(f"{k}: {v:,} B" for k, v in sizes.items() if k.startswith("page")),
         "met": all(v <= BODY_LIMIT for k, v in sizes.items() if k.startswith("page"))},
        {"budget": "counts (20 threads) at c16 >= 60 % of ceiling",
         "measured": f"{counts['share']:.0%}", "met": counts["share"] >= COUNTS_SHARE},
        {"budget": "posting at c16 >= 300/s, zero errors, stored == 201s",
         "measured": f"{post['per_second']:.0f}/s, 201s {post['created_201']}, "
         f"stored {post['stored']}, errors {post['other_statuses'] + post['socket_errors']}, "
         f"locked {post['database_locked']}",
         "met": post_ok},
        {"budget": "every read answered 2xx, no socket error (else the figures mean nothing)",
         "measured": f"{read_errors} errors", "met": read_errors == 0},
        {"budget": "visible counters match a recount after posting",
         "measured": ", ".join(f"{k}: {v}" for k, v in counters.items()),
         "met": not any(counters.values())},
    ]  # fmt: skip


def print_table(gets: list[dict[str, Any]], sizes: dict[str, int]) -> None:
    """Print the read results as a table."""
    print(
        f"\n{'case':<10} {'conc':>4} {'app req/s':>9} {'ceiling':>8} {'share':>5} "
        f"{'app CPU ms/req':>14} {'db CPU':>6} {'ceiling CPU':>11} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'bytes':>6}"
    )
    for r in gets:
        app, top = r["app"], r["ceiling"]
        print(
            f"{r['case']:<10} {r['connections']:>4} {app['rps']:>9.1f} {top['rps']:>8.1f} "
            f"{r['share']:>5.0%} {app['cpu_ms_per_request']:>14.2f} "
            f"{app['database_cpu_ms_per_request']:>6.2f} {top['cpu_ms_per_request']:>11.2f} "
            f"{app['p50_ms']:>7.1f} {app['p99_ms']:>7.1f} "
            f"{app['errors'] + top['errors']:>6} {sizes[r['case']]:>6}"
        )


def print_posting(posts: list[dict[str, Any]]) -> None:
    """Print the posting results."""
    print(f"\n{'posting':<10} {'comments/s':>10} {'201s':>6} {'stored':>6} {'errors':>6} "
          f"{'locked':>6} {'CPU ms/post':>11} {'db CPU':>6}")  # fmt: skip
    for p in posts:
        print(
            f"c{p['connections']:<9} {p['per_second']:>10.1f} {p['created_201']:>6} "
            f"{p['stored']:>6} {p['other_statuses'] + p['socket_errors']:>6} "
            f"{p['database_locked']:>6} {p['cpu_ms_per_post']:>11.2f} "
            f"{p['database_cpu_ms_per_post']:>6.2f}"
        )


def targets_for(info: dict[str, Any]) -> dict[str, str]:
    """Return the measured GETs by name."""
    site = info["site"]
    targets = {
        f"page-{info['sizes'][key]}": "/api/v1/comments?" + urlencode({"site": site, "thread": key})
        for key in info["threads"].values()
    }
    counts = [("site", site)] + [("thread", key) for key in info["count_keys"]]
    targets["counts-20"] = "/api/v1/counts?" + urlencode(counts)
    return targets


def reset_postgres(url: str) -> str:
    """Drop and create the PostgreSQL database named in ``url``; return the app's URL for it."""
    target = make_url(url)
    name = target.database
    if not name or name in SERVER_DATABASES:
        raise BrokenRun(f"--postgres must name a database of the benchmark's own, not {name!r}")
    server = target.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as c:
            quoted = psycopg.sql.Identifier(name)
            c.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))
            c.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(quoted))
    except psycopg.Error as exc:
        raise BrokenRun(f"could not reset the PostgreSQL database {name!r}: {exc}") from exc
    return target.set(drivername="postgresql").render_as_string(hide_password=False)


def run_database(database: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Seed one database, serve it, measure; return everything measured on it."""
    started = time.monotonic()
    workdir = workdir / database
    workdir.mkdir()
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        url = reset_postgres(args.postgres)
    print(f"{database}: seeding {make_url(url).render_as_string()}")
    info = seed.seed(url, secret=SECRET)
    print(f"{database}: seeded {info['comments']} comments in {time.monotonic() - started:.1f} s")
    targets = targets_for(info)
    origin = info["origin"]
    env = {
        "COMMENTS_DATABASE_URL": url,
        "COMMENTS_RATELIMIT_ENABLED": "false",
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_INSTANCE_PATH": str(workdir / "instance"),
    }
    replay = workdir / "responses.json"
    load_before = os.getloadavg()
    with gunicorn("app", args.app, env, workdir, "/healthz", workdir) as real:
        real.database_url = None if database == "sqlite" else url
        sizes = capture(real, targets, replay, origin)
        ceiling_env = {"BENCH_CEILING_RESPONSES": str(replay)}
        first = next(iter(targets.values()))
        with gunicorn(
            "ceiling", "ceiling:create_app()", ceiling_env, workdir, first, BENCH
        ) as ceiling:
            check_replay(real, ceiling, targets, origin)
            gets = measure_gets(real, ceiling, targets, args, origin)
        posts = measure_posting(real, url, info, args.duration, f"{int(time.time())}")
    counters = counter_errors(url)
    print(f"\n{database}:")
    print_table(gets, sizes)
    print_posting(posts)
    print()
    return {
        "database": database,
        "server_version": _server_version(url),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "seed": info,
        "body_bytes": sizes,
        "reads": gets,
        "posting": posts,
        "budgets": budgets(gets, posts, sizes, counters),
        "seconds": round(time.monotonic() - started, 1),
    }


def _server_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite_version}"
    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Measure every chosen database in turn; return everything measured."""
    started = time.monotonic()
    commit = _commit()  # before the run: the tree may change while it runs
    load_before = os.getloadavg()
    results = {database: run_database(database, args, workdir) for database in args.databases}
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "gunicorn": metadata.version("gunicorn"),
            "commit": commit,
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },  # fmt: skip
        "settings": {
            "app": args.app,
            "workers": WORKERS,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "databases": list(args.databases),
        },  # fmt: skip
        "databases": results,
        "budgets": [
            {**b, "database": database} for database, r in results.items() for b in r["budgets"]
        ],
        "seconds": round(time.monotonic() - started, 1),
    }


def _commit() -> str | None:
    """Return the checked-out commit (with ``+dirty`` for local changes), if git can tell."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty=+dirty", "--exclude=*"],
            cwd=BENCH, capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _databases(value: str) -> tuple[str, ...]:
    chosen = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in chosen if name not in DATABASES]
    if not chosen or unknown or len(set(chosen)) != len(chosen):
        raise argparse.ArgumentTypeError(f"choose from {', '.join(DATABASES)}, each once")
    return chosen


def main() -> int:
    """Run the benchmark; exit 0 when every budget is met, 1 when one is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="app/ceiling turns per figure")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per warm-up run")
    parser.add_argument(
        "--app", default="comments:create_app()", help="gunicorn app spec (to try a variant)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, db)")
    parser.add_argument(
        "--databases", type=_databases, default=DATABASES,
        help="which to measure, in order: sqlite, postgres or both (default sqlite,postgres)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", default=POSTGRES_URL, metavar="URL",
        help="PostgreSQL database to drop, create and seed for the run "
        f"(default {POSTGRES_URL})",
    )  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="comments-bench-"))
    try:
        result = run(args, workdir)
    except (BrokenRun, subprocess.TimeoutExpired, OSError, psycopg.Error) as exc:
        print(f"bench: broken run: {exc} (logs in {workdir})", file=sys.stderr)
        return 2
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nload average before {result['machine']['loadavg_before']}, "
          f"after {result['machine']['loadavg_after']}")  # fmt: skip
    for b in result["budgets"]:
        print(
            f"{'met   ' if b['met'] else 'MISSED'}  {b['database']:<8} "
            f"{b['budget']}: {b['measured']}"
        )
    print(f"wrote {args.out}")
    return 0 if all(b["met"] for b in result["budgets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
