"""The served widget is the build of its source: rebuilt, it comes out byte for byte the same.

Needs Node and the pinned esbuild (`npm ci` at the top of the repository, as
CI does); skipped, saying so, without them. Running the service needs neither.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from comments.paths import STATIC_DIR

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
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed, so the widget cannot be rebuilt here")
    if not (ROOT / "node_modules" / "esbuild").is_dir():
        pytest.skip("esbuild is not installed: run `npm ci` at the top of the repository")
    out = tmp_path_factory.mktemp("widget")
    subprocess.run([node, str(BUILD), str(out)], check=True, cwd=ROOT, timeout=120)
    return out


@pytest.mark.parametrize("name", SERVED)
def test_committed_build_matches_the_source(rebuilt, name):
    fresh = (rebuilt / name).read_bytes()
    committed = (STATIC_DIR / name).read_bytes()
    assert committed == fresh, f"static/{name} is stale: run `npm run build` and commit it"
