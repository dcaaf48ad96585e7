"""The widget's languages: one file each in static/i18n, with exactly the keys the widget uses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from comments.paths import STATIC_DIR

LANGUAGES = sorted(p.stem for p in (STATIC_DIR / "i18n").glob("*.json"))
SOURCE = STATIC_DIR / "src" / "embed.js"
# Hold reasons the API sends as codes (``reason.<code>`` keys), with their placeholders.
REASON_CODES = {
    "premoderated": set(),
    "too_many_links": {"count", "limit"},
    "reported": {"count"},
    "sanctioned": set(),
    "premoderated_thread": set(),
    "new_commenter": {"approved", "needed"},
    "has_links": {"count"},
    "suspect_word": {"word"},
}
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def load(lang: str) -> dict[str, Any]:
    return json.loads((STATIC_DIR / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def placeholders(value: Any) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in re.findall(r"\{(\w+)\}", text)}


def first_arguments(source: str) -> list[str]:
    """Return the source text of the first argument of every ``t(...)`` call."""
    found = []
    for match in re.finditer(r"(?<![\w.$])t\(", source):
        depth, i = 0, match.end()
        while True:
            char = source[i]
            if char in "\"'`":
                i += 1
                while source[i] != char:
                    i += 2 if source[i] == "\\" else 1
            elif char in "([{":
                depth += 1
            elif char in ")]}" and depth:
                depth -= 1
            elif char in "),":
                break
            i += 1
        found.append(source[match.end() : i].strip())
    return found


def keys_of(argument: str, sorts: list[str]) -> set[str]:
    """Return the keys a ``t()`` argument can name; fail on one the test cannot read."""
    if argument == "key":  # the sort buttons: t(key) for each of SORTS
        return set(sorts)
    if argument.startswith('"reason." + '):
        return {f"reason.{code}" for code in REASON_CODES}
    # A literal, or a ternary: the literals after its "?" (not those of its condition).
    branches = argument.rpartition("?")[2] if "?" in STRING.sub("", argument) else argument
    if not re.fullmatch(r'\s*"[^"]*"\s*(:\s*"[^"]*"\s*)?', branches):
        pytest.fail(f"t({argument}) names a key this test cannot read")
    return set(STRING.findall(branches))


def used_keys() -> set[str]:
    source = SOURCE.read_text(encoding="utf-8")
    sorts = STRING.findall(re.findall(r"const SORTS = \[([^\]]*)\]", source)[0])
    return {key for argument in first_arguments(source) for key in keys_of(argument, sorts)}


def test_the_key_finder_reads_literals_and_ternaries():
    source = 't("a"); t(x ? "b" : "c", {n}); t(s === "no" ? "d" : "e"); f(t("f", {n: g(1, 2)}))'
    arguments = first_arguments(source)
    assert [keys_of(a, []) for a in arguments] == [{"a"}, {"b", "c"}, {"d", "e"}, {"f"}]


def test_the_key_finder_refuses_a_key_it_cannot_read():
    with pytest.raises(pytest.fail.Exception):
        keys_of("prefix + name", [])


def test_the_widget_uses_the_strings_it_is_known_to_use():
    used = used_keys()
    assert {"region", "post", "postReply", "held", "saved", "newer", "previous"} <= used
    assert {"newest", "oldest", "top", "reason.too_many_links"} <= used


def test_at_least_english_chinese_and_russian():
    assert {"en", "zh-CN", "ru"} <= set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_file_has_exactly_the_keys_the_widget_uses(lang):
    strings = load(lang)
    assert strings["lang"] == lang
    assert set(strings) - {"lang"} == used_keys()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_file_keeps_the_placeholders_of_english(lang):
    english, strings = load("en"), load(lang)
    for key, text in strings.items():
        assert placeholders(text) == placeholders(english[key]), key
        if isinstance(english[key], dict):
            assert isinstance(text, dict) and "other" in text, key


@pytest.mark.parametrize("code", REASON_CODES)
def test_reason_strings_have_the_placeholders_of_the_api(code):
    assert placeholders(load("en")[f"reason.{code}"]) == REASON_CODES[code]
