"""The suite's Node packages (axe-core for the browser tests, esbuild for the widget build).

``package.json`` at the top of the repository pins them. The first test that
needs them runs ``npm ci`` when ``node_modules`` is missing or does not hold
exactly what ``package-lock.json`` names, so the README's one test command
installs them too. Running the service needs none of this.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
NPM_CI = "npm ci"
#: CI sets this: a missing tool then fails the run instead of setting tests aside.
REQUIRE_TOOLS = os.environ.get("COMMENTS_TEST_REQUIRE_BROWSER", "") not in ("", "0")


def _installed_matches_lock() -> bool:
    try:
        wanted = json.loads((ROOT / "package-lock.json").read_text())["packages"]
        have = json.loads((MODULES / ".package-lock.json").read_text())["packages"]
    except (OSError, ValueError, KeyError):
        return False
    for name, meta in wanted.items():
        if not name:
            continue
        installed = have.get(name)
        if installed is None and meta.get("optional"):
            continue  # another platform's build of esbuild
        if installed is None or installed.get("version") != meta.get("version"):
            return False
    return all(name in wanted for name in have)


@functools.cache
def ensure_installed() -> str | None:
    """Run ``npm ci`` unless node_modules is up to date; return what went wrong, if anything."""
    if _installed_matches_lock():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (`apt-get install npm`)"
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not _installed_matches_lock():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`{NPM_CI}` failed: {last}"
    return None
