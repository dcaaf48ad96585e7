"""Size budgets of the widget as served (minified, gzip -9); docs/widget.md "Budgets"."""

from __future__ import annotations

import gzip

import pytest

from comments.paths import STATIC_DIR

EMBED_BUDGET = 10 * 1024  # embed.js, its CSS inside it
COUNT_BUDGET = 1024
SERVED = ["embed.js", "count.js"]


def gzipped_size(name: str) -> int:
    """Return the gzip -9 size of a served file; fail (not skip) when it is missing."""
    path = STATIC_DIR / name
    assert path.is_file(), f"static/{name} is missing: run `npm ci && npm run build`"
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_embed_script_with_its_css_fits_the_budget():
    size = gzipped_size("embed.js")
    assert size <= EMBED_BUDGET, f"embed.js is {size} bytes gzipped; budget {EMBED_BUDGET}"


def test_embed_script_carries_its_css():
    text = (STATIC_DIR / "embed.js").read_text(encoding="utf-8")
    assert ":host{display:block!important}" in text


def test_count_script_fits_the_budget():
    size = gzipped_size("count.js")
    assert size <= COUNT_BUDGET, f"count.js is {size} bytes gzipped; budget {COUNT_BUDGET}"


@pytest.mark.parametrize("name", SERVED)
def test_served_scripts_are_the_minified_build_not_the_source(name):
    served = (STATIC_DIR / name).read_text(encoding="utf-8")
    source = (STATIC_DIR / "src" / name).read_text(encoding="utf-8")
    assert served.count("\n") <= 1, f"static/{name} is not minified"
    assert "/*" not in served
    assert len(served) < len(source) * 0.75


@pytest.mark.parametrize("name", SERVED)
def test_scripts_carry_no_source_map_or_debugger(name):
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    assert "debugger" not in text
    assert "sourceMappingURL" not in text
