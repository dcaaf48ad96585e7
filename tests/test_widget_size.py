"""Size budgets of the widget scripts, measured as gzip -9 (issue 3)."""

from __future__ import annotations

import gzip

import pytest

from comments.paths import STATIC_DIR

EMBED_BUDGET = 10 * 1024  # embed.js and its CSS together
COUNT_BUDGET = 1024


def gzipped_size(*names: str) -> int:
    data = b"".join(
        (STATIC_DIR / name).read_bytes() for name in names if (STATIC_DIR / name).exists()
    )
    return len(gzip.compress(data, compresslevel=9))


def test_embed_script_with_its_css_fits_the_budget():
    size = gzipped_size("embed.js", "embed.css")
    assert size <= EMBED_BUDGET, f"embed.js + css is {size} bytes gzipped; budget {EMBED_BUDGET}"


def test_count_script_fits_the_budget():
    size = gzipped_size("count.js")
    assert size <= COUNT_BUDGET, f"count.js is {size} bytes gzipped; budget {COUNT_BUDGET}"


@pytest.mark.parametrize("name", ["embed.js", "count.js"])
def test_scripts_carry_no_source_map_or_debugger(name):
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    assert "debugger" not in text
    assert "sourceMappingURL" not in text
