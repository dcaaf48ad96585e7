"""Count the CPU instructions one request costs the app, under valgrind's callgrind.

CPU time per request (``profile_requests.py``) moves by a fifth from run to
run on a shared machine; an instruction count does not: the same code gives
the same count to a few parts in ten thousand, whatever else the machine is
doing. That makes it the figure to compare two versions of the write path
with. It counts the app's own process only (not PostgreSQL's server, not the
kernel's work for its system calls), and it says nothing about time lost to
cold caches or waiting, which ``run.py`` measures.

    python bench/instructions.py                     # SQLite: post, page, counts
    python bench/instructions.py --cases post --requests 200
    python bench/instructions.py --database postgresql://postgres@127.0.0.1:5432/bench_x

Needs valgrind (``apt-get install valgrind``). Each case runs in a child
process under callgrind with instrumentation off while it starts and warms
up (``--instr-atstart=no``), on for exactly ``--requests`` requests
(``callgrind_control -i on``), so start-up is not counted. A run takes a
minute or two per case: callgrind runs Python about fifty times slower.
``--database`` names a PostgreSQL database of the benchmark's own: it is
dropped and created again.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

import profile_requests  # noqa: E402
import run  # noqa: E402
import seed  # noqa: E402

CASES = ("post", "page", "counts")
WAIT_SECONDS = 600


def _wait_for(path: Path, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        if process is not None and process.poll() is not None:
            raise SystemExit(f"bench: the measured process exited ({process.returncode})")
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: gave up waiting for {path.name}")
        time.sleep(0.05)


def child(args: argparse.Namespace) -> int:
    """Warm one case up, then run it ``--requests`` times between two signals."""
    from comments import create_app

    control = Path(args.control)
    info = json.loads((control / "info.json").read_text())
    app = create_app(
        {
            "DATABASE_URL": args.url,
            "SECRET_KEY": run.SECRET,
            "RATELIMIT_ENABLED": False,
            "INSTANCE_PATH": str(control / "instance"),
        }
    )
    case = profile_requests._cases(app, info)[args.child]
    serial = itertools.count(1)
    for _ in range(320 if args.child == "post" else 50):  # as profile_requests warms up
        case(next(serial))
    (control / "ready").touch()
    _wait_for(control / "go")
    for _ in range(args.requests):
        case(next(serial))
    (control / "done").touch()
    _wait_for(control / "end")
    return 0


def measure(name: str, url: str, info_dir: Path, requests: int) -> float:
    """Return the instructions per request of one case, in millions."""
    control = Path(tempfile.mkdtemp(prefix="instructions-", dir=info_dir))
    shutil.copy(info_dir / "info.json", control / "info.json")
    if url.startswith("sqlite:///"):
        copy = control / "bench.db"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    out = control / "callgrind.out"
    command = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
        sys.executable, __file__, "--child", name, "--control", str(control), "--url", url,
        "--requests", str(requests),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    with open(control / "valgrind.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_for(control / "ready", process)
        _callgrind_control("--instr=on", process.pid)
        (control / "go").touch()
        _wait_for(control / "done", process)
        _callgrind_control("--instr=off", process.pid)
        (control / "end").touch()
        process.wait(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
    totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
    if not totals:
        raise SystemExit(f"bench: callgrind wrote no totals (see {control / 'valgrind.log'})")
    return int(totals[0].split()[1]) / requests / 1e6


def _callgrind_control(option: str, pid: int) -> None:
    subprocess.run(
        ["callgrind_control", option, str(pid)], check=True, capture_output=True, timeout=60
    )


def main() -> int:
    """Seed once, then count each case's instructions per request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL database to drop, seed (default SQLite)")
    parser.add_argument("--cases", default=",".join(CASES), help="post, page, counts")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per case")
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--control", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if not cases or set(cases) - set(CASES):
        parser.error(f"--cases: choose from {', '.join(CASES)}")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("bench: valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="comments-instructions-") as work:
        workdir = Path(work)
        if args.database:
            url = run.reset_postgres(args.database)
        else:
            url = f"sqlite:///{workdir / 'template.db'}"
        info = seed.seed(url, secret=run.SECRET)
        (workdir / "info.json").write_text(json.dumps(info))
        db = "PostgreSQL" if args.database else "SQLite"
        for name in cases:
            millions = measure(name, url, workdir, args.requests)
            print(f"{db} {name}: {millions:.3f} M instructions per request ({args.requests})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
