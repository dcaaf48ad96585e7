"""Thread keys from article URLs: comments/thread_keys.py against the shared table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from comments.paths import STATIC_DIR
from comments.thread_keys import TRACKING_PARAMETERS, default_key, is_tracking

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "thread_keys.json").read_text(encoding="utf-8")
)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["why"] for case in CASES])
def test_default_key_matches_the_shared_table(case):
    assert default_key(case["url"]) == case["key"]


def test_a_url_without_a_query_keeps_the_path_as_its_key():
    assert default_key("https://example.com/news/2024/story-1") == "/news/2024/story-1"


@pytest.mark.parametrize("name", ["utm_source", "UTM_TERM", "utm_", "fbclid", "_ga"])
def test_tracking_names(name):
    assert is_tracking(name)


@pytest.mark.parametrize("name", ["id", "utm", "ref", "page", "ga", "q"])
def test_names_that_say_which_page_it_is(name):
    assert not is_tracking(name)


def test_the_table_drops_every_tracking_parameter_of_the_list():
    dropped = " ".join(case["url"] for case in CASES if "?" in case["url"])
    assert all(f"{name}=" in dropped for name in TRACKING_PARAMETERS)


def test_the_widget_drops_the_same_parameters():
    source = (STATIC_DIR / "src" / "embed.js").read_text(encoding="utf-8")
    pattern = re.search(r"const TRACKING = /\^\((.*)\)\$/i;", source)
    assert pattern is not None, "the TRACKING pattern moved in static/src/embed.js"
    names = pattern.group(1).split("|")
    assert names[0] == "utm_.*"
    assert set(names[1:]) == TRACKING_PARAMETERS
