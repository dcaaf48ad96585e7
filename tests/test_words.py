"""Word lists: whole words, any case, look-alikes, wildcards, scripts without spaces."""

from __future__ import annotations

import pytest

from comments import words

BANNED = [
    "idiot*",
    "moron",
    "*hole",
    "go die",
    "сука",
    "笨蛋",
    "ばか",
    "ควาย",
    "Straße",
]
SUSPECT = ["scam", "crypto*", "дурак"]


@pytest.mark.parametrize(
    ("text", "banned", "suspect"),
    [
        # Whole words, any case, punctuation around them.
        ("You moron.", "moron", None),
        ("MORON!", "moron", None),
        ("(moron)", "moron", None),
        ("moron_", "moron", None),
        ("«moron»", "moron", None),
        ("a moron's idea", "moron", None),
        # Near misses: the entry inside a longer word, or with a digit on it.
        ("moronic", None, None),
        ("oxymoron", None, None),
        ("moron2", None, None),
        ("idiom", None, None),
        # A trailing * lets the word go on; a leading one lets it start earlier.
        ("idiot", "idiot*", None),
        ("Idiots everywhere", "idiot*", None),
        ("idiotic", "idiot*", None),
        ("anidiot", None, None),
        ("asshole", "*hole", None),
        ("hole", "*hole", None),
        ("holes", None, None),
        # Phrases match across any run of spaces, never across letters.
        ("please go   die", "go die", None),
        ("GO\nDIE", "go die", None),
        ("go dies", None, None),
        # Look-alike letters, fullwidth forms and invisible characters are folded.
        ("idi\u043et", "idiot*", None),  # Cyrillic о
        ("\u0430sshole", "*hole", None),  # Cyrillic а
        ("ｉｄｉｏｔ", "idiot*", None),  # fullwidth
        ("id\u200diot", "idiot*", None),  # zero-width joiner
        ("mo\u200bron", "moron", None),  # zero-width space
        ("mo\u00adron", "moron", None),  # soft hyphen
        ("ＭＯＲＯＮ", "moron", None),
        # Cyrillic words match whole and in any case; Cyrillic near misses do not.
        ("Ты сука.", "сука", None),
        ("СУКА", "сука", None),
        ("сукин сын", None, None),
        # Scripts without spaces match inside the text.
        ("你是笨蛋吗", "笨蛋", None),
        ("ばかやろう", "ばか", None),
        ("เขาเป็นควายจริงๆ", "ควาย", None),
        ("这篇文章写得很好", None, None),
        # Case folding beyond ASCII.
        ("STRASSE", "Straße", None),
        # Suspect words hold; a banned word found anywhere wins over them.
        ("This is a scam", None, "scam"),
        ("Buy cryptocoins now", None, "crypto*"),
        ("ты ДУРАК", None, "дурак"),
        ("a scam by a moron", "moron", None),
        ("Nothing to see here.", None, None),
    ],
)
def test_lists_find_what_they_should(text, banned, suspect):
    found = words.matcher(BANNED, SUSPECT).find(text)
    assert (found.banned, found.suspect) == (banned, suspect)


def test_empty_lists_find_nothing():
    assert words.matcher([], []).find("anything at all") == words.Found(None, None)


def test_the_same_lists_are_compiled_once():
    assert words.matcher(["a1", "b2"], []) is words.matcher(("a1", "b2"), ())


@pytest.mark.parametrize(
    ("word", "problem"),
    [
        ("idiot", None),
        ("*hole", None),
        ("crypto*", None),
        ("go die", None),
        ("f*ck", "may have * only at its start or end"),
        ("*", "needs at least one letter besides *"),
        ("**", "needs at least one letter besides *"),
        ("x" * 65, "is longer than 64 characters"),
    ],
)
def test_entries_that_cannot_be_matched_are_named(word, problem):
    assert words.problem(word) == problem


def test_regex_characters_in_entries_are_literal():
    matcher = words.matcher(["c++", "a.b", "(x)"], [])
    assert matcher.find("I like c++ a lot").banned == "c++"
    assert matcher.find("aXb").banned is None
    assert matcher.find("say (x) now").banned == "(x)"


def test_thousands_of_words_with_shared_prefixes_all_match():
    entries = [f"word{n}x" for n in range(3000)]
    matcher = words.matcher(entries, [])
    assert matcher.find("this is word2999x here").banned == "word2999x"
    assert matcher.find("this is word2999 here").banned is None
