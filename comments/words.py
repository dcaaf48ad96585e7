"""Word lists: find a site's banned or suspect words in a comment's text.

Pure: no Flask, no database. A site's lists are compiled once into one
regular expression each (cached by the lists' content), built as a trie so
that thousands of words cost about what a few do. Matching is on folded
text, the same folding applied to the lists and to the comment:

- NFKC (fullwidth ``ｉｄｉｏｔ`` is ``idiot``), then case folded;
- zero-width characters and soft hyphens removed (``id\\u200diot``);
- Cyrillic and Greek letters that look like Latin ones read as Latin
  (Cyrillic ``а``, ``о`` in ``idiоt``). Only lower-case look-alikes are
  folded, after case folding, so Cyrillic words still match in any case.

Entries match whole words (a letter, digit or combining mark on either side
means no match); ``*`` at the start or end of an entry lets the word go on
(``idiot*`` matches ``idiots``). Entries in scripts written without spaces
(Chinese, Japanese, Thai, Lao, Khmer, Myanmar) match anywhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: Limits a list must keep (checked by ``site_settings``).
MAX_WORDS = 10_000
MAX_WORD_LENGTH = 64

_INVISIBLE = dict.fromkeys(
    map(ord, "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e"
        "\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"),
    None,
)  # fmt: skip
# Lower-case Cyrillic and Greek letters that a reader takes for Latin ones.
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁһԛԝӏαοριυνκχ",
    "aeopcyxijsdhqwlaopiuvkx",
)
_FOLD = {**_INVISIBLE, **_LOOKALIKES}

# Combining marks belong to the word they sit on (Devanagari vowel signs, Thai tones...).
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963\u0981-\u0983"
    "\u09bc-\u09d7\u0a01-\u0a03\u0a3c-\u0a51\u0a81-\u0a83\u0abc-\u0acd\u0b01-\u0b03"
    "\u0b3c-\u0b57\u0bbe-\u0bcd\u0c00-\u0c04\u0c3e-\u0c56\u0c81-\u0c83\u0cbc-\u0cd6"
    "\u0d00-\u0d03\u0d3b-\u0d57\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc"
    "\u0ec8-\u0ecd\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
_WORD = rf"(?:[^\W_]|[{_MARKS}])"
_START = rf"(?<![^\W_])(?<![{_MARKS}])"
_END = rf"(?!{_WORD})"

# Scripts written without spaces between words: their entries match as substrings.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
_SPACE = re.compile(r"\s+")
WILDCARD = "*"


_NEEDS_FOLD = re.compile("[" + re.escape("".join(map(chr, _FOLD))) + "]")


def fold(text: str) -> str:
    """Return ``text`` as matching sees it: NFKC, case folded, invisibles out, look-alikes Latin."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # translate() with a table is slow per character; most texts need none of it.
    return text.translate(_FOLD) if _NEEDS_FOLD.search(text) else text


@dataclass(frozen=True)
class _Entry:
    word: str  # as the site wrote it
    core: str  # folded, without its wildcards
    open_start: bool
    open_end: bool


def _entry(word: str) -> _Entry | None:
    core = _SPACE.sub(" ", fold(word)).strip()
    open_start, open_end = core.startswith(WILDCARD), core.endswith(WILDCARD)
    core = core.strip(WILDCARD).strip()
    if not core or WILDCARD in core:
        return None
    if _UNSPACED.search(core):
        open_start = open_end = True
    return _Entry(word.strip(), core, open_start, open_end)


def problem(word: str) -> str | None:
    """Return why ``word`` cannot be a list entry, or None when it can."""
    stripped = word.strip()
    if len(stripped) > MAX_WORD_LENGTH:
        return f"is longer than {MAX_WORD_LENGTH} characters"
    if WILDCARD in stripped.strip(WILDCARD):
        return "may have * only at its start or end"
    if _entry(stripped) is None:
        return "needs at least one letter besides *"
    return None


def _trie_pattern(words: Iterable[str]) -> str:
    """Return one regular expression matching exactly ``words``, shaped as their trie."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(trie)


def _piece(char: str) -> str:
    return r"\s+" if char == " " else re.escape(char)


def _node_pattern(node: dict[str, Any]) -> str:
    ends = "" in node
    leaves: list[str] = []
    branches: list[str] = []
    for char in sorted(k for k in node if k):
        child = node[char]
        if list(child) == [""] and char != " ":
            leaves.append(char)
        else:
            branches.append(_piece(char) + _node_pattern(child))
    if leaves:
        cls = "".join(re.escape(c) for c in leaves)
        branches.append(cls if len(leaves) == 1 else f"[{cls}]")
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return f"(?:{body})?"
    return body


_GROUPS = ("whole", "prefix", "suffix", "inside")
_WRAP = {"whole": (_START, _END), "prefix": (_START, ""), "suffix": ("", _END), "inside": ("", "")}


class _List:
    """One list's entries by kind of boundary, as named parts of a regular expression."""

    def __init__(self, name: str, words: Sequence[str]) -> None:
        kinds: dict[str, list[_Entry]] = {kind: [] for kind in _GROUPS}
        for word in words:
            entry = _entry(word)
            if entry is not None:
                kind = _GROUPS[(2 if entry.open_start else 0) + (1 if entry.open_end else 0)]
                kinds[kind].append(entry)
        self._kinds = kinds
        self._whole = {e.core: e.word for e in kinds["whole"]}
        self.parts = []
        for kind in _GROUPS:
            cores = {e.core for e in kinds[kind]}
            if cores:
                before, after = _WRAP[kind]
                self.parts.append(f"(?P<{name}_{kind}>{before}(?:{_trie_pattern(cores)}){after})")
        self.regex = re.compile("|".join(self.parts)) if self.parts else None

    def entry(self, kind: str, found: str) -> str:
        """Return the entry (as written) that matched ``found``."""
        found = _SPACE.sub(" ", found)
        if kind == "whole":
            return self._whole.get(found, found)
        for entry in self._kinds[kind]:
            if _fits(entry, kind, found):
                return entry.word
        return found


def _fits(entry: _Entry, kind: str, found: str) -> bool:
    if kind == "prefix":
        return found.startswith(entry.core)
    if kind == "suffix":
        return found.endswith(entry.core)
    return entry.core in found


@dataclass(frozen=True)
class Found:
    """What a text holds of a site's lists: the first banned and suspect entries, if any."""

    banned: str | None
    suspect: str | None


class Matcher:
    """A site's banned and suspect lists, compiled into one expression; see :func:`matcher`."""

    def __init__(self, banned: Sequence[str], suspect: Sequence[str]) -> None:
        self._lists = {"banned": _List("banned", banned), "suspect": _List("suspect", suspect)}
        parts = [*self._lists["banned"].parts, *self._lists["suspect"].parts]
        # One scan of the text for both lists: most comments hold neither.
        self._regex = re.compile("|".join(parts)) if parts else None

    def find(self, text: str) -> Found:
        """Return the first banned and the first suspect entry found in ``text``."""
        if self._regex is None:
            return Found(None, None)
        folded = fold(text)
        match = self._regex.search(folded)
        if match is None:
            return Found(None, None)
        name, kind = (match.lastgroup or "banned_whole").split("_", 1)
        word = self._lists[name].entry(kind, match.group(match.lastgroup or 0))
        if name == "banned":
            return Found(word, None)
        banned = self._lists["banned"]
        later = banned.regex.search(folded, match.start()) if banned.regex else None
        if later is None:
            return Found(None, word)
        kind = (later.lastgroup or "banned_whole").split("_", 1)[1]
        return Found(banned.entry(kind, later.group(later.lastgroup or 0)), None)


@functools.lru_cache(maxsize=64)
def _compiled(banned: tuple[str, ...], suspect: tuple[str, ...]) -> Matcher:
    return Matcher(banned, suspect)


def matcher(banned: Sequence[str], suspect: Sequence[str]) -> Matcher:
    """Return the compiled matcher of these lists, compiling them only the first time."""
    return _compiled(tuple(banned), tuple(suspect))
