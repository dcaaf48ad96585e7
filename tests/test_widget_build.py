"""The served widget is the build of its source: rebuilt, it comes out byte for byte the same.

Needs Node and the pinned esbuild, which the suite installs with `npm ci` (see
``tests/node.py``); skipped, saying so, where npm is missing (a failure in CI).
Running the service needs neither.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from comments.paths import STATIC_DIR
from tests import node

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "scripts" / "build_widget.mjs"
SERVED = ["embed.js", "count.js"]


def test_esbuild_is_pinned_to_one_exact_version():
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    version = package["devDependencies"]["esbuild"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/esbuild"]["version"] == version


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    problem = node.ensure_installed()
    executable = shutil.which("node")
    if executable is None:
        problem = "node is not installed (`apt-get install npm`)"
    if problem is not None:
        if node.REQUIRE_TOOLS:
            pytest.fail(f"the widget cannot be rebuilt: {problem}")
        pytest.skip(f"the widget cannot be rebuilt: {problem}")
    out = tmp_path_factory.mktemp("widget")
    subprocess.run([str(executable), str(BUILD), str(out)], check=True, cwd=ROOT, timeout=120)
    return out


@pytest.mark.parametrize("name", SERVED)
def test_committed_build_matches_the_source(rebuilt, name):
    fresh = (rebuilt / name).read_bytes()
    committed = (STATIC_DIR / name).read_bytes()
    assert committed == fresh, f"static/{name} is stale: run `npm run build` and commit it"
