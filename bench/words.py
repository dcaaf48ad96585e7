"""Benchmark the word lists: 5,000 entries must cost under 1 ms per comment.

Run ``python bench/words.py`` from the repository root. It builds 5,000
entries in mixed scripts (Latin, Cyrillic, Greek, Chinese, Japanese, Thai;
some with ``*``), compiles them once as a site's banned and suspect lists,
then times matching typical comments of one to four sentences (folding
included, as the write path does it), each the best of five runs so that
other work on the machine does not count. It prints the compile time and the
median and p99 per comment, and exits 1 when the p99 is over the budget.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from comments import words  # noqa: E402

BUDGET_MS = 1.0
WORDS = 5_000
COMMENTS = 2_000
REPEATS = 5
ALPHABETS = {
    "latin": "abcdefghijklmnopqrstuvwxyz",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщыэюя",
    "greek": "αβγδεζηθικλμνξοπρστυφχψω",
    "han": "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生",
    "kana": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろ"
    "わをん",
    "thai": "กขคงจฉชซญดตถทนบปผพฟภมยรลวศสหอฮ",
}
SENTENCES = [
    "I read the whole article and I think the council got this one right.",
    "The numbers in the third paragraph do not add up, could you check them?",
    "My grandmother lived on that street for forty years and never saw a bus.",
    "Это хорошая статья, спасибо автору за подробный разбор.",
    "Who pays for the new bridge, and when will the works finally start?",
    "这篇文章写得很好，我完全同意作者的看法。",
    "記事をありがとうございます、とても参考になりました。",
    "Great reporting — but the headline oversells what the study found.",
    "บทความนี้ดีมาก ขอบคุณครับ",
    "Η κυβέρνηση πρέπει να εξηγήσει τι θα γίνει με τους μισθούς.",
]


def make_words(rng: random.Random) -> list[str]:
    """Return ``WORDS`` entries in mixed scripts, about one in ten with a wildcard."""
    entries = set()
    scripts = list(ALPHABETS)
    while len(entries) < WORDS:
        alphabet = ALPHABETS[rng.choice(scripts)]
        short = alphabet in (ALPHABETS["han"], ALPHABETS["kana"])
        word = "".join(rng.choices(alphabet, k=rng.randint(2, 3) if short else rng.randint(4, 10)))
        roll = rng.random()
        if roll < 0.07:
            word += "*"
        elif roll < 0.10:
            word = "*" + word
        entries.add(word)
    return sorted(entries)


def make_comments(rng: random.Random) -> list[str]:
    """Return comments of one to four sentences."""
    return [" ".join(rng.choices(SENTENCES, k=rng.randint(1, 4))) for _ in range(COMMENTS)]


def main() -> int:
    """Run the benchmark; return the exit status."""
    rng = random.Random(5000)
    entries = make_words(rng)
    banned, suspect = entries[::2], entries[1::2]
    started = time.perf_counter()
    matcher = words.matcher(banned, suspect)
    compiled_ms = (time.perf_counter() - started) * 1000
    comments = make_comments(rng)
    for text in comments[:100]:  # warm up
        matcher.find(text)
    timings = []
    for text in comments:
        # The best of a few runs: the machine's other work is not the matcher's cost.
        runs = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            matcher.find(text)
            runs.append((time.perf_counter() - started) * 1000)
        timings.append(min(runs))
    timings.sort()
    median = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"{len(entries)} entries compiled in {compiled_ms:.0f} ms")
    print(f"{len(comments)} comments: median {median:.3f} ms, p99 {p99:.3f} ms per comment")
    if p99 > BUDGET_MS:
        print(f"over the budget of {BUDGET_MS} ms per comment", file=sys.stderr)
        return 1
    print(f"within the budget of {BUDGET_MS} ms per comment")
    return 0


if __name__ == "__main__":
    sys.exit(main())
