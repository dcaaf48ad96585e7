"""Benchmark the Disqus importer: a generated 50,000-post export into SQLite and PostgreSQL.

Generates a Disqus export (2,000 threads; a third of the posts replies, some
of them before their parent in the file; 5,000 commenters with an email,
others anonymous; Chinese, Cyrillic and emoji text; 2 % deleted, 1 % spam),
then runs ``comments import disqus`` on it in a subprocess, once on a new
SQLite file and once on an emptied PostgreSQL database, measuring each run's
wall time and the peak resident memory of the import process: ``wait4``'s
``ru_maxrss`` (the largest of the process and its sanitizer process) and
the peak of their summed RSS, sampled; the larger is held to the budget.
With ``--isso PATH`` (the ``isso`` command of a separate virtualenv, never
the shared one) Isso's own importer imports the same file for comparison.

Budgets: at most 60 s and 200 MB per import. Exit 0 when every import meets
them, 1 when one does not, 2 when a run broke.

    python bench/imports.py --postgres postgresql://postgres@127.0.0.1:5432/test_imports \\
        --isso /tmp/isso-venv/bin/isso

The PostgreSQL database is emptied (its schema dropped) first: never name one
that holds anything.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 60.0
BUDGET_MB = 200.0
WORDS = [
    "the",
    "council",
    "park",
    "river",
    "новости",
    "город",
    "公园",
    "城市",
    "😀",
    "&amp;",
    "housing",
    "<b>really</b>",
    "<i>not</i>",
    "agree",
]


def generate(path: Path, posts: int, threads: int = 2000, seed: int = 7) -> None:
    """Write a Disqus export of ``posts`` posts over ``threads`` threads to ``path``."""
    rng = random.Random(seed)
    per_thread: dict[int, list[int]] = {}
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n')
        out.write('<disqus xmlns="http://disqus.com" ')
        out.write('xmlns:dsq="http://disqus.com/disqus-internals">\n')
        out.write('<category dsq:id="1"><forum>bench</forum><title>General</title></category>\n')
        for t in range(threads):
            out.write(
                f'<thread dsq:id="{100000 + t}"><id>article-{t}</id><forum>bench</forum>'
                f"<link>https://bench.example/articles/{t}</link><title>Article {t} 新闻</title>"
                "<message/><createdAt>2015-01-01T00:00:00Z</createdAt>"
                f"<isClosed>{'true' if t % 50 == 0 else 'false'}</isClosed>"
                "<isDeleted>false</isDeleted></thread>\n"
            )
        for p in range(posts):
            thread = rng.randrange(threads)
            siblings = per_thread.setdefault(thread, [])
            parent = ""
            if siblings and rng.random() < 0.35:
                parent = f'<parent dsq:id="{rng.choice(siblings)}"/>'
            elif siblings and rng.random() < 0.02:
                # A reply that comes before its parent in the file.
                parent = f'<parent dsq:id="{1000000 + p + 1}"/>'
            dsq = 1000000 + p
            siblings.append(dsq)
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            person = rng.randrange(6000)
            email = f"reader{person}@example.com" if person < 5000 else ""
            day, second = divmod(p * 37, 86400)
            created = f"20{16 + day // 365 % 8}-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}"
            created += f"T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
            out.write(
                f'<post dsq:id="{dsq}"><id/><message><![CDATA[<p>{words}</p>]]></message>'
                f"<createdAt>{created}</createdAt>"
                f"<isDeleted>{'true' if p % 50 == 0 else 'false'}</isDeleted>"
                f"<isSpam>{'true' if p % 100 == 7 else 'false'}</isSpam>"
                f"<author><name>Reader {person}</name><email>{email}</email>"
                f"<isAnonymous>{'false' if email else 'true'}</isAnonymous></author>"
                f"<ipAddress>192.0.2.{person % 250}</ipAddress>"
                f'<thread dsq:id="{100000 + thread}"/>{parent}</post>\n'
            )
        out.write("</disqus>\n")


def _tree_rss(pid: int) -> int:
    """Return the resident bytes of process ``pid`` and all its descendants now (Linux)."""
    total, todo = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm") as statm:
                total += int(statm.read().split()[1]) * page
            with open(f"/proc/{current}/task/{current}/children") as children:
                todo += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            continue  # ended meanwhile
    return total


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Run ``command``; return its wall seconds, peak RSS in MB (two ways), and its exit code.

    The first peak is ``wait4``'s ``ru_maxrss``: the largest of the process
    and of each child it waited for (the importer's sanitizer process), not
    their sum. The second is the sum of the process's and its children's
    RSS, sampled every 50 ms while it runs (a spike shorter than that can be
    missed; the larger of the two is held against the budget).
    """
    start = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    tree_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        while not done.wait(0.05):
            tree_peak = max(tree_peak, _tree_rss(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(child.pid, 0)
    done.set()
    sampler.join()
    seconds = time.monotonic() - start
    errors = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        print(errors[-2000:], file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, tree_peak / 2**20, child.returncode


def comments_env(url: str, instance: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COMMENTS_DATABASE_URL": url,
        "COMMENTS_SECRET_KEY": "bench-secret",
        "COMMENTS_INSTANCE_PATH": str(instance),
        "COMMENTS_RATELIMIT_ENABLED": "false",
    }


def prepare(url: str, env: dict[str, str]) -> None:
    """Migrate an empty database and add the site ``bench``."""
    cli = [sys.executable, "-m", "comments.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*cli, "site", "add", "bench", "--name", "Bench", "--origin", "https://bench.example"],
        env=env,
        check=True,
        capture_output=True,
    )


def empty_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def count_rows(url: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        rows = int(conn.execute(text("SELECT count(*) FROM comments")).scalar() or 0)
    engine.dispose()
    return rows


def run_comments(label: str, url: str, export: Path, work: Path) -> dict[str, Any]:
    instance = work / f"instance-{label}"
    env = comments_env(url, instance)
    prepare(url, env)
    command = [sys.executable, "-m", "comments.cli", "import", "disqus", str(export)]
    seconds, peak, tree_peak, code = measured([*command, "--site", "bench"], env)
    again, again_peak, again_tree_peak, again_code = measured([*command, "--site", "bench"], env)
    return {
        "importer": f"comments ({label})",
        "seconds": seconds,
        "peak_mb": peak,
        "tree_peak_mb": tree_peak,
        "exit": code or again_code,
        "comments": count_rows(url),
        "second_run_seconds": again,
        "second_run_peak_mb": max(again_peak, again_tree_peak),
    }


def run_isso(isso: str, export: Path, work: Path) -> dict[str, Any]:
    config = work / "isso.cfg"
    db = work / "isso.db"
    config.write_text(f"[general]\ndbpath = {db}\nhost = https://bench.example/\n")
    seconds, peak, tree_peak, code = measured(
        [isso, "-c", str(config), "import", "-t", "disqus", "--empty-id", str(export)],
        dict(os.environ),
    )
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    return {
        "importer": "isso import",
        "seconds": seconds,
        "peak_mb": peak,
        "tree_peak_mb": tree_peak,
        "exit": code,
        "comments": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--postgres", help="A PostgreSQL URL to empty and import into.")
    parser.add_argument("--isso", help="The isso command of a separate virtualenv.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="comments-bench-imports-") as tmp:
        work = Path(tmp)
        export = work / "disqus.xml"
        generate(export, args.posts)
        size_mb = export.stat().st_size / 1e6
        print(f"export: {args.posts:,} posts, {size_mb:.1f} MB")
        results = [run_comments("sqlite", f"sqlite:///{work / 'bench.db'}", export, work)]
        print(results[-1], flush=True)
        if args.postgres:
            empty_postgres(args.postgres)
            results.append(run_comments("postgresql", args.postgres, export, work))
            print(results[-1], flush=True)
        if args.isso:
            results.append(run_isso(args.isso, export, work))
            print(results[-1], flush=True)
    broke = False
    missed = False
    for row in results:
        line = (
            f"{row['importer']:<24} {row['seconds']:7.1f} s  {row['peak_mb']:6.0f} MB peak "
            f"({row['tree_peak_mb']:.0f} MB with its children)  "
            f"{row['comments']:>6} comments stored"
        )
        if "second_run_seconds" in row:
            line += (
                f"  (second run of the same file: {row['second_run_seconds']:.1f} s, "
                f"{row['second_run_peak_mb']:.0f} MB)"
            )
        print(line)
        broke = broke or bool(row["exit"])
        if row["importer"].startswith("comments"):
            peak = max(row["peak_mb"], row["tree_peak_mb"])
            missed = missed or row["seconds"] > BUDGET_SECONDS or peak > BUDGET_MB
    ours = [r for r in results if r["importer"].startswith("comments")]
    isso = [r for r in results if r["importer"] == "isso import"]
    if isso and isso[0]["seconds"]:
        for row in ours:
            print(
                f"{row['importer']} / isso import: {row['seconds'] / isso[0]['seconds']:.2f}x time"
            )
    print(
        f"budgets: {BUDGET_SECONDS:.0f} s and {BUDGET_MB:.0f} MB per import:",
        "met" if not missed else "MISSED",
    )
    return 2 if broke else 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
