"""Seed a database for the benchmark: site ``bench`` with threads of realistic shape.

The three measured threads hold 10, 1,000 and 5,000 comments; 24 more threads
of 0-150 comments serve the counts call. About a third of the comments are
roots, the rest replies at varied depths, including a few long chains of
back-and-forth; bodies are 1-4 sentences of Markdown, some with emphasis,
links or a quote; a few hundred guest authors, some far more active than the
rest; about 2 % of the comments are held or deleted, so the visible counters
differ from the row counts.

Rows are inserted in bulk (``posting.create_comment`` would take a minute for
7,000 comments), but through the same pieces the write path uses: the HTML
comes from ``markup.render``, the author identity and avatar seed from
``identity``, and the visible counters are computed here and then checked
against a recount in SQL, so the database is one the app could have written.

The database is a new SQLite file or an empty PostgreSQL database.

Usage: ``python bench/seed.py PATH-OR-URL`` (a SQLite file must not exist yet).
"""

from __future__ import annotations

import random
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from comments import create_app, identity, markup, sites
from comments.cli import upgrade_database
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Author, Comment, Status, Thread

SITE = "bench"
ORIGIN = "https://news.example"
MEASURED = {
    "small": ("article-10", 10),
    "medium": ("article-1000", 1000),
    "large": ("article-5000", 5000),
}
OTHER_THREADS = 24
ROOT_SHARE = 0.35
HIDDEN_SHARE = 0.02
AUTHORS = 320

FIRST = (
    "Ada Sam Jun Li Maria Omar Priya Tom Lena Kofi Ines Ravi Nora Ivan Mei Yusuf Clara "
    "Diego Hana Felix Amara Noah Sofia Emil Zara Luca Aiko Pablo Greta Tariq"
).split()
LAST = (
    "Brooks Okafor Park Wei Garcia Haddad Nair Walsh Berg Mensah Costa Iyer Lund Petrov "
    "Tanaka Demir Fischer Rossi Kim Novak Ansah Silva Moreau Ito"
).split()
SUBJECTS = (
    "The council",
    "This article",
    "The new budget",
    "The mayor's office",
    "Your reporter",
    "The transit plan",
    "The housing report",
    "Everyone on my street",
    "The opposition",
    "The school board",
    "My neighbour",
    "The planning committee",
    "This whole debate",
)
VERBS = (
    "misses the point about",
    "gets it mostly right on",
    "has been quiet for years about",
    "keeps promising action on",
    "should publish the numbers behind",
    "underestimates",
    "finally says something sensible about",
    "is far too optimistic about",
    "asked the right questions on",
    "glosses over",
)
OBJECTS = (
    "the cost of the riverside park",
    "bus frequency after nine at night",
    "rents near the station",
    "the old freight yard",
    "cycle lanes on the high street",
    "the library's opening hours",
    "parking for the market traders",
    "flood defences along the river",
    "the hospital car park",
    "late trains on the northern line",
    "the property tax increase",
    "the new primary school",
)
TAILS = (
    "",
    " I have lived here for twenty years and never seen it this bad.",
    " Happy to be proven wrong, though.",
    " Does anyone know when the consultation closes?",
    " That was the whole point of the last election.",
    " We went through the same thing in 2015.",
    " Credit where it's due.",
    " Not convinced, to be honest.",
)
LINKS = (
    "https://example.org/reports/housing-2024",
    "https://www.example.gov/budget/summary",
    "https://example.net/transit/timetable.pdf",
    "https://example.com/letters/42",
)


@dataclass
class Row:
    """One comment before insertion: tree position and the values that go into the table."""

    id: int
    thread_id: int
    parent: Row | None
    root: Row | None
    depth: int
    author_id: int
    body: str
    status: str
    created_at: datetime


def sentence(rng: random.Random) -> str:
    """Return one sentence of plain prose."""
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}.{rng.choice(TAILS)}"


def make_body(rng: random.Random, serial: int) -> str:
    """Return a unique Markdown body of 1-4 sentences; some have emphasis, links or a quote."""
    parts = [sentence(rng) for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]
    roll = rng.random()
    if roll < 0.15:
        parts[0] = parts[0].replace(" ", " *", 1).replace(".", "*.", 1)
    elif roll < 0.25:
        parts[-1] = f"**{parts[-1].rstrip('.')}**."
    if rng.random() < 0.15:
        parts.append(f"See [the source]({rng.choice(LINKS)}).")
    elif rng.random() < 0.05:
        parts.append(f"More here: {rng.choice(LINKS)}")
    # The number keeps every body distinct, as the duplicate guard expects of real posts.
    body = " ".join([*parts, f"(#{serial})"])
    if rng.random() < 0.08:
        body = f"> {sentence(rng)}\n\n{body}"
    if rng.random() < 0.03:
        body += "\n\nWhat would help:\n\n- cheaper buses\n- more homes\n- fewer excuses"
    return body


def plan_thread(
    rng: random.Random,
    size: int,
    thread_id: int,
    first_id: int,
    authors: list[int],
    start: datetime,
) -> list[Row]:
    """Return ``size`` comments for one thread, in posting order, ids from ``first_id``."""
    rows: list[Row] = []
    roots: list[Row] = []
    visible: list[Row] = []
    # A few long chains of back-and-forth (length by start position), longer in bigger threads.
    chains = {size * n // 4: max(2, size // d) for n, d in ((1, 25), (2, 50), (3, 100))}
    when = start

    def add(parent: Row | None, *, may_hide: bool = True) -> Row:
        nonlocal when
        when += timedelta(seconds=rng.randint(5, 600))
        hidden = may_hide and parent is not None and rng.random() < HIDDEN_SHARE
        status = rng.choice((Status.PENDING, Status.DELETED)) if hidden else Status.APPROVED
        row = Row(
            id=first_id + len(rows),
            thread_id=thread_id,
            parent=parent,
            root=None if parent is None else (parent.root or parent),
            depth=0 if parent is None else parent.depth + 1,
            author_id=rng.choice(authors),
            body="",
            status=status.value,
            created_at=when,
        )
        rows.append(row)
        if not hidden:
            (visible if parent else roots).append(row)
        return row

    while len(rows) < size:
        chain = chains.pop(len(rows), 0) if size >= 200 and roots else 0
        if chain:
            tip = rng.choice(roots[-30:])
            for _ in range(min(chain, size - len(rows))):
                tip = add(tip, may_hide=False)
        elif not roots or rng.random() < ROOT_SHARE:
            add(None)
        elif not visible or rng.random() < 0.55:
            add(rng.choice(roots[-40:]))
        else:
            add(rng.choice(visible[-60:]))
    return rows


def counters(rows: list[Row]) -> tuple[int, dict[int, int], dict[int, int]]:
    """Return the thread's visible count, shown direct replies, and shown root subtrees.

    Shown is visible, or a placeholder: hidden with a shown reply (see
    ``moderation.is_shown``), so the deepest rows are counted first.
    """
    approved = [r for r in rows if r.status == Status.APPROVED.value]
    replies: dict[int, int] = {}
    descendants: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: -r.depth):
        if row.status != Status.APPROVED.value and not replies.get(row.id):
            continue
        if row.parent is not None:
            replies[row.parent.id] = replies.get(row.parent.id, 0) + 1
        if row.root is not None:
            descendants[row.root.id] = descendants.get(row.root.id, 0) + 1
    return len(approved), replies, descendants


def _author_rows(rng: random.Random, site_id: int, secret: str) -> list[dict[str, Any]]:
    names = sorted({f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(AUTHORS * 3)})
    rows = []
    for name in rng.sample(names, min(AUTHORS, len(names))):
        rows.append(
            {
                "site_id": site_id,
                "kind": identity.GUEST,
                "identity": identity.guest_identity(secret, name, None, "198.51.100.7"),
                "name": name,
                "email": None,
                "website": f"https://{name.split()[0].lower()}.example"
                if rng.random() < 0.1
                else None,
                "avatar_seed": identity.avatar_hash(secret, site_id, None, name),
                "badges": [],
            }
        )
    return rows


def _insert_thread(
    rng: random.Random,
    key: str,
    size: int,
    site_id: int,
    next_id: int,
    authors: list[int],
    shown: dict[int, tuple[str, str | None]],
) -> list[Row]:
    start = datetime(2025, 3, 1) + timedelta(hours=rng.randint(0, 24 * 60))
    thread_id = db.session.execute(
        insert(Thread).returning(Thread.id),
        {
            "site_id": site_id,
            "key": key,
            "url": f"{ORIGIN}/news/{key}",
            "title": key.title(),
            "closed": False,
            "comment_count": 0,
            "created_at": start,
        },
    ).scalar_one()
    rows = plan_thread(rng, size, thread_id, next_id, authors, start)
    visible, replies, descendants = counters(rows)
    for row in rows:
        row.body = make_body(rng, row.id)
    if not rows:
        return rows
    db.session.execute(
        insert(Comment),
        [
            {
                "id": r.id,
                "thread_id": r.thread_id,
                "parent_id": r.parent.id if r.parent else None,
                "root_id": r.root.id if r.root else None,
                "depth": r.depth,
                "author_id": r.author_id,
                "author_name": shown[r.author_id][0],
                "author_website": shown[r.author_id][1],
                "body": r.body,
                "html": markup.render(r.body),
                "markup_version": markup.POLICY_VERSION,
                "status": r.status,
                "hold_reasons": [],
                "votes_up": 0,
                "votes_down": 0,
                "score": 0,
                "flag_count": 0,
                "reply_count": replies.get(r.id, 0),
                "descendant_count": descendants.get(r.id, 0) if r.root is None else 0,
                "pinned": False,
                "remote_addr": "127.0.0.1",
                "created_at": r.created_at,
            }
            for r in rows
        ],
    )
    newest = max((r.created_at for r in rows if r.status == Status.APPROVED.value), default=None)
    db.session.execute(
        Thread.__table__.update()
        .where(Thread.id == thread_id)
        .values(comment_count=visible, last_comment_at=newest)
    )
    return rows


# Each query counts the rows whose stored counter differs from a recount of
# visible comments (threads) or of shown ones (replies: visible, or a
# placeholder, which a row's own stored count tells, so checking each row
# against its children checks them all); run.py runs them again after the
# posting benchmark.
COUNTER_CHECKS = {
    "thread.comment_count": """
        SELECT count(*) FROM threads t WHERE t.comment_count != (
          SELECT count(*) FROM comments c WHERE c.thread_id = t.id AND c.status = :ok)""",
    "comment.reply_count": """
        SELECT count(*) FROM comments p WHERE p.reply_count != (
          SELECT count(*) FROM comments c
          WHERE c.parent_id = p.id AND (c.status = :ok OR c.reply_count > 0))""",
    "root.descendant_count": """
        SELECT count(*) FROM comments p WHERE p.root_id IS NULL AND p.descendant_count != (
          SELECT count(*) FROM comments c
          WHERE c.root_id = p.id AND (c.status = :ok OR c.reply_count > 0))""",
}


def check_counters() -> None:
    """Raise when a stored counter differs from a recount of the visible comments."""
    for name, sql in COUNTER_CHECKS.items():
        wrong = db.session.scalar(text(sql), {"ok": Status.APPROVED.value})
        if wrong:
            raise RuntimeError(f"seed: {wrong} rows with a wrong {name}")


def database_url(target: Path | str) -> str:
    """Return the database URL for a SQLite file path or a URL given as it is."""
    return target if isinstance(target, str) and "://" in target else f"sqlite:///{target}"


def seed(
    target: Path | str, *, secret: str = "bench-secret", rng_seed: int = 20250301
) -> dict[str, Any]:
    """Fill the database at ``target`` and return what the benchmark needs to know of it.

    ``target`` is a SQLite file that does not exist yet or the URL of an empty
    PostgreSQL database.
    """
    url = database_url(target)
    if url.startswith("sqlite:///") and Path(url[len("sqlite:///") :]).exists():
        raise FileExistsError(f"{target} exists; the seed wants a new file")
    rng = random.Random(rng_seed)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": secret,
                "RATELIMIT_ENABLED": False,
                "INSTANCE_PATH": instance,
            }
        )
        with app.app_context():
            upgrade_database()
            with unit_of_work():
                site = sites.create_site(SITE, name="Bench Gazette", origins=[ORIGIN])
            db.session.execute(insert(Author), _author_rows(rng, site.id, secret))
            shown = {
                row.id: (row.name, row.website)
                for row in db.session.execute(select(Author.id, Author.name, Author.website))
            }
            # A few prolific regulars and a long tail, as on any news site.
            ids = list(db.session.scalars(select(Author.id).order_by(Author.id)))
            weighted = [a for i, a in enumerate(ids) for _ in range(1 + 30 // (i + 1))]
            next_id = 1
            sizes = {key: size for key, size in MEASURED.values()}
            others = [f"article-other-{n:02d}" for n in range(OTHER_THREADS)]
            sizes.update({key: rng.choice((0, 1, 3, 8, 15, 40, 90, 150)) for key in others})
            for key, size in sizes.items():
                rows = _insert_thread(rng, key, size, site.id, next_id, weighted, shown)
                next_id += len(rows)
            if db.engine.dialect.name == "postgresql":
                # The ids were given explicitly: move the sequence past them for new posts.
                db.session.execute(
                    text("SELECT setval(pg_get_serial_sequence('comments', 'id'), :n)"),
                    {"n": next_id - 1},
                )
            db.session.commit()
            check_counters()
            total = db.session.scalar(select(func.count()).select_from(Comment))
            roots = db.session.scalar(
                select(func.count()).select_from(Comment).where(Comment.depth == 0)
            )
            deepest = db.session.scalar(select(func.max(Comment.depth)))
            authors = db.session.scalar(select(func.count(func.distinct(Comment.author_id))))
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))  # plans as on a database that has run a while
                db.session.commit()
            # Closing the last connection folds the WAL back into the database file.
            db.engine.dispose()
    return {
        "site": SITE,
        "origin": ORIGIN,
        "threads": {name: key for name, (key, _) in MEASURED.items()},
        "sizes": {key: sizes[key] for key, _ in MEASURED.values()},
        "count_keys": others[:20],
        "comments": total,
        "root_share": round(roots / total, 3),
        "max_depth": deepest,
        "authors": authors,
    }


def main(argv: list[str]) -> int:
    """Seed the database named on the command line and print a summary."""
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    target = argv[1] if "://" in argv[1] else Path(argv[1]).resolve()
    info = seed(target)
    print(info)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
