"""Measure the CPU one request costs the app, in-process, as the benchmark sends it.

Robust to outside load where wrk's req/s is not: it counts the process's own
CPU time (``time.process_time()``) over many requests through the WSGI app
(called as a server calls it), with the headers the widget and ``count.js`` send
(cross-origin, the site's registered ``Origin``). The database server's own
CPU (PostgreSQL) is not counted: round trips show as the client's syscalls.

    python bench/profile_requests.py                       # SQLite, in a temporary file
    python bench/profile_requests.py --database postgresql://postgres@127.0.0.1:5432/bench_x
    python bench/profile_requests.py --profile post        # cProfile's top costs of posting

``--database`` names an empty PostgreSQL database (it is seeded, so it must be
one of the benchmark's own: it is dropped and created again). Prints the CPU
ms per page read (the 5,000-comment thread, cached), per counts read (20
threads), and per post (the bodies ``post.lua`` sends), each the best of
``--rounds`` blocks.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

import run  # noqa: E402
import seed  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from comments import create_app  # noqa: E402

BODIES = (
    "I *mostly* agree with this piece, but the numbers on bus frequency deserve a closer "
    "look.\n\n> Buses will run every 12 minutes until midnight.\n\nThe [published timetable]"
    "(https://example.net/timetable/{n}) says otherwise after nine, and route `42` has had "
    "**three** cancellations a week since March. Happy to be proven wrong, though.",
    "Three things the article glosses over:\n\n- the *real* cost of the riverside park, see "
    "https://example.org/reports/park-{n}\n- rents near the station, which went up again\n"
    "- late trains on the northern line\n\nDoes anyone know when the consultation closes? "
    "The council's page only says `TBC`.",
    "I ran the open data myself:\n\n```\nSELECT route, avg(wait_minutes)\n  FROM buses GROUP "
    "BY route;\n```\n\nRoute 7 averages **19 minutes**, not 12. The full table is on [my blog]"
    "(https://blog.example/posts/{n}) if anyone wants to check my working. Credit where it's "
    "due for publishing the data at all.",
    "We went through the same thing in 2015.\n\n> The plan is fully funded.\n\nIt was not then "
    "and I doubt it is now: the [budget summary](https://www.example.gov/budget/{n}) shows a "
    "gap of ~~two~~ *four* million, and the [minutes](https://example.com/minutes/2015) say "
    "the same. Not convinced, to be honest.",
)


def _post_body(info: dict[str, Any], serial: int) -> dict[str, Any]:
    key = info["threads"]["large"]
    if serial % 10 == 0:
        key = f"profile-new-{time.time_ns()}-{serial}"
    n = serial % 300 + 1
    return {
        "site": info["site"],
        "thread": key,
        "url": f"{info['origin']}/news/{key}",
        "title": "Bench article",
        "body": f"Profile {time.time_ns()}/{serial}: " + BODIES[serial % 4].format(n=serial),
        "author": {
            "name": f"Bench Reader {n:03d}",
            "email": f"reader{n:03d}@mail.example",
            "website": f"https://reader{n:03d}.example/",
        },
    }


def _cases(app: Any, info: dict[str, Any]) -> dict[str, Callable[[int], None]]:
    """Return one callable per case, each calling the WSGI app as a server would.

    The environ is built once per URL (a server parses the request into one
    too, and the ceiling pays for that alike); only the app's own work is
    measured, not a test client's.
    """
    origin = {"Origin": info["origin"]}
    page = "/api/v1/comments?" + urlencode(
        {"site": info["site"], "thread": info["threads"]["large"]}
    )
    counts = "/api/v1/counts?" + urlencode(
        [("site", info["site"])] + [("thread", key) for key in info["count_keys"]]
    )

    def call(environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], _exc: Any = None) -> Any:
            answer.extend((status, dict(headers)))
            return lambda _data: None

        chunks = app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return answer[0], answer[1], body

    def get(url: str) -> Callable[[int], None]:
        template = EnvironBuilder(path=url, headers=origin).get_environ()

        def one(_serial: int) -> None:
            status, headers, _body = call(dict(template))
            if status != "200 OK" or "Access-Control-Allow-Origin" not in headers:
                raise SystemExit(f"GET {url}: {status} {headers}")

        return one

    def post(serial: int) -> None:
        data = json.dumps(_post_body(info, serial)).encode()
        environ = EnvironBuilder(
            path="/api/v1/comments", method="POST", headers=origin,
            data=data, content_type="application/json",
        ).get_environ()  # fmt: skip
        environ["wsgi.input"] = io.BytesIO(data)
        status, _headers, body = call(environ)
        if not status.startswith("201"):
            raise SystemExit(f"POST: {status} {body.decode()}")

    return {"page": get(page), "counts": get(counts), "post": post}


def measure(case: Callable[[int], None], count: int, rounds: int, serial: itertools.count) -> float:
    """Return the best CPU ms per request over ``rounds`` blocks of ``count``."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(count):
            case(next(serial))
        best = min(best, (time.process_time() - started) * 1000 / count)
    return best


def _by_package(stats: pstats.Stats) -> None:
    """Print the profile's own time summed by the top-level package it was spent in."""
    totals: dict[str, float] = {}
    for (path, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
        parts = Path(path).parts
        package = next((p for p in parts if p in PACKAGES), None)
        if package is None:
            package = "builtins" if path == "~" else Path(path).name
        totals[package] = totals.get(package, 0.0) + row[2]
    spent = sum(totals.values())
    for package, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:20]:
        print(f"{package:>24} {seconds * 1000:9.1f} ms {seconds / spent:6.1%}")


PACKAGES = frozenset(
    {
        "sqlalchemy",
        "flask",
        "werkzeug",
        "flask_limiter",
        "limits",
        "bleach",
        "html5lib",
        "markdown_it",
        "linkify_it",
        "pydantic",
        "comments",
        "itsdangerous",
        "json",
        "psycopg",
        "flask_sqlalchemy",
        "email_validator",
        "sqlite3",
        "urllib",
        "re",
        "blinker",
        "jinja2",
    }
)


def main() -> int:
    """Seed, then measure each case; print CPU ms per request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an empty PostgreSQL database's URL (default SQLite)")
    parser.add_argument("--reads", type=int, default=2000, help="requests per block of reads")
    parser.add_argument("--posts", type=int, default=300, help="requests per block of posts")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=("page", "counts", "post"), help="cProfile one case")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile to print")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        if args.database:
            url = run.reset_postgres(args.database)
        else:
            url = f"sqlite:///{Path(work) / 'bench.db'}"
        info = seed.seed(url, secret=run.SECRET)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": run.SECRET,
                "RATELIMIT_ENABLED": False,
                "INSTANCE_PATH": str(Path(work) / "instance"),
            }
        )
        cases = _cases(app, info)
        serial = itertools.count(1)
        for name, case in cases.items():  # warm: caches filled, statements prepared
            # Posting warms up with as many posts as the benchmark has authors, so the
            # measured posts come from readers who posted before, as most do in a run.
            for _ in range(320 if name == "post" else 50):
                case(next(serial))
        if args.profile:
            case = cases[args.profile]
            count = args.posts if args.profile == "post" else args.reads
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(count):
                case(next(serial))
            profiler.disable()
            _by_package(pstats.Stats(profiler))
            stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
            stats.print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            return 0
        db = "PostgreSQL" if args.database else "SQLite"
        for name, case in cases.items():
            count = args.posts if name == "post" else args.reads
            ms = measure(case, count, args.rounds, serial)
            print(f"{db} {name}: {ms:.3f} ms CPU per request (best of {args.rounds} x {count})")
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
