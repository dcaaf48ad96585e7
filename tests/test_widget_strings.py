"""The widget's languages: one file each in static/i18n, English the reference."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from comments.paths import STATIC_DIR

LANGUAGES = sorted(p.stem for p in (STATIC_DIR / "i18n").glob("*.json"))


def load(lang: str) -> dict[str, Any]:
    return json.loads((STATIC_DIR / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def placeholders(value: Any) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in re.findall(r"\{(\w+)\}", text)}


def test_at_least_english_chinese_and_russian():
    assert {"en", "zh-CN", "ru"} <= set(LANGUAGES)


def test_every_string_the_widget_uses_is_in_english():
    source = (STATIC_DIR / "src" / "embed.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\(\"(\w+)\"", source))
    used |= set(re.findall(r"SORTS = \[([^\]]*)\]", source)[0].replace('"', "").split(", "))
    assert used - set(load("en")) == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_file_translates_every_string(lang):
    english, strings = load("en"), load(lang)
    assert strings["lang"] == lang
    assert set(strings) == set(english)
    for key, text in strings.items():
        assert placeholders(text) == placeholders(english[key]), key
        if isinstance(english[key], dict):
            assert isinstance(text, dict) and "other" in text, key
