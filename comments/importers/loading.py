"""Store the records an importer's ``parse()`` yields, through the domain, idempotently.

:func:`load` reads the records once, in batches; each batch is its own unit
of work (so SQLite's write lock is held briefly and readers and live posts
go on), and each comment stored is remembered in ``imported_comments`` under
its id in the source. That makes an import idempotent and restartable: a
second run of the same file stores nothing, a newer export adds only what
is new, and a run killed half way (even by ``kill -9``) is finished by the
next one, which ends in the state a clean run gives.

While one batch is written, the next ones can be sanitized in a second
process (:mod:`comments.importers.sanitizing`; ``Options.sanitizer_process``
and ``SANITIZER_FROM_BATCH`` say when): what is stored is the same either
way, and a batch is opened only once its posts are sanitized, so a failing
sanitizer leaves whole batches. On PostgreSQL the batch's comments and their
origins go in with COPY (:func:`comments.database.copy_rows`), and the
tables the import grows are analysed as they double (:func:`_analyze`).

Once every record is stored the tree is linked in SQL (a reply may come
before its parent in the file, or be older than it), then every thread the
file names is recounted (visible counts, reply counts, last activity) and
the import goes into the audit log. A reply whose parent is not in the file
becomes a top-level comment; a reply whose parent is hidden keeps its
parent and its own status (the tree stays as it was; how the page shows
replies under a removed top-level comment is the read path's business).
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import aliased

from comments import (
    audit,
    database,
    identity,
    markup,
    moderation,
    retention,
    sites,
    versions,
)
from comments.extensions import db
from comments.importers import sanitizing
from comments.importers.records import AuthorRecord, PostRecord, Record, Skipped, ThreadRecord
from comments.models import Author, Comment, ImportedComment, Status, Thread, utcnow

SSO = "sso"
BATCH = 500
#: Passes of the depth computation before a remaining chain is taken for a cycle.
MAX_DEPTH_PASSES = 200
_MAX_CACHED_AUTHORS = 100_000
#: With ``Options.sanitizer_process`` unset, batches from this one on are
#: sanitized in a second process (if there is a second core): starting it
#: costs about as much as sanitizing two batches here (~0.3 s of CPU).
SANITIZER_FROM_BATCH = 3
#: Batches handed to the sanitizer process and not yet stored, at most.
_IN_FLIGHT = 2


@dataclass
class Options:
    """How one import runs; the caller takes these from its config and arguments."""

    site: str
    source: str
    file_name: str
    secret: str
    actor: audit.Actor
    retention_days: int = 7
    dry_run: bool = False
    batch_size: int = BATCH
    progress: Callable[[int], None] | None = None
    #: Sanitize in a second process (:mod:`sanitizing`): True from the first
    #: batch, False never, None from ``SANITIZER_FROM_BATCH`` on when the
    #: machine has more than one core.
    sanitizer_process: bool | None = None


@dataclass
class Summary:
    """What an import did (or, dry, would do)."""

    dry_run: bool = False
    threads_created: int = 0
    threads_found: int = 0
    comments: Counter[str] = field(default_factory=Counter)
    already_imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def imported(self) -> int:
        """Return how many comments were stored (or would be)."""
        return sum(self.comments.values())

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as plain data (the audit log and the job row keep it)."""
        return {
            "dry_run": self.dry_run,
            "threads_created": self.threads_created,
            "threads_found": self.threads_found,
            "comments": dict(sorted(self.comments.items())),
            "already_imported": self.already_imported,
            "skipped": dict(sorted(self.skipped.items())),
        }

    def lines(self) -> list[str]:
        """Return the summary in words, one line each, for a terminal or a page."""
        verb = "would import" if self.dry_run else "imported"
        states = ", ".join(f"{n} {state}" for state, n in sorted(self.comments.items()))
        out = [
            f"threads: {self.threads_created} new, {self.threads_found} already there",
            f"comments {verb}: {self.imported}" + (f" ({states})" if states else ""),
            f"comments already imported: {self.already_imported}",
        ]
        skipped = sum(self.skipped.values())
        out.append(f"skipped: {skipped}")
        out += [f"  {n} {reason}" for reason, n in sorted(self.skipped.items())]
        return out


def load(records: Iterable[Record], options: Options) -> Summary:
    """Store ``records`` on the site, batch after batch; return the summary.

    Raises ``errors.NotFound`` for an unknown site and ``errors.ImportFailed``
    when the file turns out malformed (batches already stored stay, and the
    next run of a corrected file resumes after them).
    """
    site = sites.get_site(options.site)
    loader = _Loader(site.id, options)
    db.session.rollback()  # the lookup's read transaction; each batch opens its own
    try:
        for record in records:
            loader.add(record)
            if options.progress is not None:
                options.progress(1)
        loader.flush()
        loader.drain()
    finally:
        loader.close()
    if not options.dry_run:
        loader.finish()
    return loader.summary


@dataclass
class _Batch:
    """Records read and not stored yet, and whether the sanitizer process has their posts."""

    records: list[Record]
    # The posts sent to the sanitizer, in order; None: render here, when storing.
    sent: list[PostRecord] | None = None


class _Loader:
    def __init__(self, site_id: int, options: Options) -> None:
        self.site_id = site_id
        self.options = options
        self.summary = Summary(dry_run=options.dry_run)
        self.pending: list[Record] = []
        self.pending_size = 0
        # Source thread id -> our thread id (0 in a dry run for a thread to be made).
        self.threads: dict[str, int] = {}
        self.deleted_threads: set[str] = set()
        self.skipped_threads: set[str] = set()
        self.authors: dict[tuple[str, str], int] = {}
        self.keep_addresses_since = retention.cutoff(utcnow(), options.retention_days)
        self.batches = 0
        self.read = 0  # batches read, stored or not
        self.waiting: deque[_Batch] = deque()
        self.worker: sanitizing.Worker | None = None
        wanted = options.sanitizer_process
        self.sanitize_from: int | None = (
            1
            if wanted
            else SANITIZER_FROM_BATCH
            if wanted is None and (os.cpu_count() or 1) > 1
            else None
        )

    def add(self, record: Record) -> None:
        # Skipped records ride with the batch (counted when it is stored, as
        # it would be without read-ahead) and do not count towards its size.
        self.pending.append(record)
        if not isinstance(record, Skipped):
            self.pending_size += 1
            if self.pending_size >= self.options.batch_size:
                self.flush()

    def flush(self) -> None:
        """Hand on the records read so far as a batch; store the batches whose turn it is."""
        records, self.pending, self.pending_size = self.pending, [], 0
        if records:
            self.read += 1
            self.waiting.append(self._sanitize_ahead(records))
        while self.waiting and (self.worker is None or len(self.waiting) > _IN_FLIGHT):
            self._store_next()

    def drain(self) -> None:
        """Store every batch still waiting."""
        while self.waiting:
            self._store_next()

    def close(self) -> None:
        """Stop the sanitizer process, if one was started (after an import or a failure)."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def _sanitize_ahead(self, records: list[Record]) -> _Batch:
        """Send a batch's new posts to the sanitizer process, when this import uses one.

        Posts already imported (a second run, a resumed one) are left out, so
        that a run storing nothing sanitizes nothing (and starts no process);
        the lookup is a read of its own. What it misses (posts of the batches
        still in flight) is found again when the batch is stored, in its unit
        of work, as without the process.
        """
        if self.sanitize_from is None or self.read < self.sanitize_from:
            return _Batch(records)
        posts = [r for r in records if isinstance(r, PostRecord)]
        stored = self._imported({p.external_id for p in posts})
        db.session.rollback()  # end the read; the batch is written in its own unit
        sent = [p for p in posts if p.external_id not in stored]
        if not sent:
            return _Batch(records, sent)
        if self.worker is None:
            try:
                self.worker = sanitizing.Worker()
            except OSError:  # no interpreter to start (embedded): sanitize here, as before
                self.sanitize_from = None
                return _Batch(records)
        self.worker.submit([(p.body, p.body_format) for p in sent])
        return _Batch(records, sent)

    def _store_next(self) -> None:
        batch = self.waiting.popleft()
        if all(isinstance(record, Skipped) for record in batch.records):
            for skipped in batch.records:  # nothing to write: no unit of work
                if isinstance(skipped, Skipped):
                    self._skipped(skipped)
            return
        rendered: dict[int, sanitizing.Rendered] = {}
        if batch.sent and self.worker is not None:
            results = self.worker.result()
            rendered = {id(post): out for post, out in zip(batch.sent, results, strict=True)}
        with database.unit_of_work():
            if not self.options.dry_run:
                database.writing()
            self._store(batch.records, rendered)
        db.session.expunge_all()  # what was stored need not stay in memory
        self.batches += 1
        if not self.options.dry_run and self.batches & (self.batches - 1) == 0:
            _analyze()

    def _store(self, batch: list[Record], rendered: dict[int, sanitizing.Rendered]) -> None:
        threads: list[ThreadRecord] = []
        posts: list[PostRecord] = []
        for record in batch:
            if isinstance(record, Skipped):
                self._skipped(record)
            elif isinstance(record, ThreadRecord):
                threads.append(record)
            elif isinstance(record, PostRecord):
                posts.append(record)
        if threads:
            self._threads(threads)
        if posts:
            self._posts(posts, rendered)

    def _skipped(self, record: Skipped) -> None:
        self.summary.skipped[record.reason] += 1
        if record.external_id is not None and record.reason.startswith("thread"):
            self.skipped_threads.add(record.external_id)

    def _threads(self, records: list[ThreadRecord]) -> None:
        """Find or make a batch's threads: one query for those there, one flush for the new.

        The same outcome as taking them one by one (a query and a flush
        each, 2,000 round trips for 2,000 threads): a thread named twice is
        taken once, and a key made earlier in the run is found, not made
        again (in a dry run nothing is made, so nothing is found that way).
        """
        keys = sorted({r.key for r in records if r.key and len(r.key) <= 500})
        there: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            rows = db.session.execute(
                select(Thread.key, Thread.id).where(
                    Thread.site_id == self.site_id, Thread.key.in_(keys[start : start + 500])
                )
            )
            there.update({key: thread_id for key, thread_id in rows})
        made: dict[str, Thread] = {}  # by key
        named: dict[str, Thread] = {}  # by the source's thread id
        for record in records:
            if record.external_id in self.threads or record.external_id in named:
                continue
            if not record.key:
                self.summary.skipped["threads with neither identifier nor link"] += 1
                self.skipped_threads.add(record.external_id)
                continue
            if len(record.key) > 500:
                self.summary.skipped["threads whose key is over 500 characters"] += 1
                self.skipped_threads.add(record.external_id)
                continue
            if record.deleted:
                self.deleted_threads.add(record.external_id)
            found = there.get(record.key)
            if found is not None:
                self.summary.threads_found += 1
                self.threads[record.external_id] = found
                continue
            if record.key in made:
                self.summary.threads_found += 1
                named[record.external_id] = made[record.key]
                continue
            self.summary.threads_created += 1
            if self.options.dry_run:
                self.threads[record.external_id] = 0
                continue
            url = record.url if record.url and len(record.url) <= 2000 else None
            thread = Thread(
                site_id=self.site_id,
                key=record.key,
                url=url,
                title=(record.title or "").strip()[:300] or None,
                closed=record.closed,
                moderation=record.moderation if record.moderation in ("pre", "post") else None,
                comment_count=0,
            )
            made[record.key] = named[record.external_id] = thread
        if made:
            db.session.add_all(made.values())
            db.session.flush()
        self.threads.update({external: thread.id for external, thread in named.items()})

    def _imported(self, external_ids: set[str]) -> set[str]:
        """Return which of ``external_ids`` this site has imported from this source."""
        if not external_ids:
            return set()
        return set(
            db.session.scalars(
                select(ImportedComment.external_id).where(
                    ImportedComment.site_id == self.site_id,
                    ImportedComment.source == self.options.source,
                    ImportedComment.external_id.in_(external_ids),
                )
            )
        )

    def _posts(self, posts: list[PostRecord], rendered: dict[int, sanitizing.Rendered]) -> None:
        existing = self._imported({p.external_id for p in posts})
        if not self.options.dry_run:
            self._guests([p for p in posts if p.external_id not in existing])
        rows: list[dict[str, Any]] = []
        origins: list[PostRecord] = []
        for post in posts:
            row = self._comment(post, existing, rendered.get(id(post)))
            if row is not None:
                rows.append(row)
                origins.append(post)
                existing.add(post.external_id)
        if self.options.dry_run or not rows:
            return
        ids = moderation.place_imported(rows)
        origins_rows = [
            {
                "site_id": self.site_id,
                "source": self.options.source,
                "external_id": post.external_id,
                "parent_external": post.parent_external,
                "comment_id": comment_id,
            }
            for comment_id, post in zip(ids, origins, strict=True)
        ]
        if database.copy_rows(ImportedComment.__table__, origins_rows, ids=False) is None:
            # SQLite: an executemany (no round trips in process), compiled once
            # for the whole import; a statement of 500 VALUES was compiled anew
            # for each batch.
            db.session.connection().execute(insert(ImportedComment), origins_rows)

    def _comment(
        self, post: PostRecord, existing: set[str], rendered: sanitizing.Rendered | None
    ) -> dict[str, Any] | None:
        thread_id = self.threads.get(post.thread_external)
        if thread_id is None:
            if post.thread_external in self.skipped_threads:
                self.summary.skipped["comments of skipped threads"] += 1
            else:
                self.summary.skipped["comments whose thread is not in the file"] += 1
            return None
        if post.external_id in existing:
            self.summary.already_imported += 1
            return None
        html, refused = rendered or _render(post)
        if html is None:
            self.summary.skipped[f"comments refused by the sanitizer ({refused})"] += 1
            return None
        status = post.status
        if post.thread_external in self.deleted_threads and status == Status.APPROVED:
            status = Status.DELETED  # the discussion was deleted there: kept, never shown
        self.summary.comments[str(status)] += 1
        if self.options.dry_run:
            return None
        return self._new_comment(post, thread_id, html, status)

    def _new_comment(
        self, post: PostRecord, thread_id: int, html: str, status: Status
    ) -> dict[str, Any]:
        secret = self.options.secret
        address = post.remote_addr or None
        client = post.client_key or (identity.client_key(secret, address) if address else None)
        if post.created_at < self.keep_addresses_since:
            address = None  # past the retention period already: only its keyed hash stays
        return {
            "thread_id": thread_id,
            "parent_id": None,
            "root_id": None,
            "depth": 0,
            "author_id": self._author(post.author, post.remote_addr),
            "author_name": (post.author_name.strip() or "Guest")[:80],
            "author_website": (post.author_website or None) and post.author_website[:500],
            "body": post.body,
            "body_format": post.body_format,
            "html": html,
            "markup_version": markup.POLICY_VERSION,
            "status": status,
            "hold_reasons": list(post.hold_reasons),
            "votes_up": post.votes_up,
            "votes_down": post.votes_down,
            "score": post.votes_up - post.votes_down,
            "flag_count": post.flag_count,
            "reply_count": 0,
            "descendant_count": 0,
            "pinned": post.pinned,
            "featured": post.featured,
            "remote_addr": address[:45] if address else None,
            "client_key": client,
            "created_at": post.created_at,
            "edited_at": post.edited_at,
        }

    def _key(
        self, author: AuthorRecord, remote_addr: str | None
    ) -> tuple[str, str, str, str | None]:
        """Return an author's kind, identity, name and email as they will be stored."""
        name = (author.name or "").strip()[:80] or "Guest"
        email = (author.email or "").strip() or None
        if author.kind and author.identity:
            return author.kind, author.identity, name, email
        if author.sso_id:
            return SSO, author.sso_id.strip(), name, email
        ident = identity.guest_identity(self.options.secret, name, email, remote_addr)
        return identity.GUEST, ident, name, email

    def _guests(self, posts: list[PostRecord]) -> None:
        """Find or create, in two statements, the guests of a batch not seen yet."""
        if len(self.authors) > _MAX_CACHED_AUTHORS:
            self.authors.clear()
        wanted = []
        for post in posts:
            kind, ident, name, email = self._key(post.author, post.remote_addr)
            if kind == identity.GUEST and (kind, ident) not in self.authors:
                wanted.append((name, email, post.remote_addr))
        found = identity.guest_authors(self.site_id, wanted, secret=self.options.secret)
        self.authors.update({(identity.GUEST, ident): i for ident, i in found.items()})

    def _author(self, author: AuthorRecord, remote_addr: str | None) -> int:
        kind, ident, name, email = self._key(author, remote_addr)
        cached = self.authors.get((kind, ident))
        if cached is not None:
            return cached
        if kind == identity.GUEST and not author.identity:
            row = identity.guest_author(
                self.site_id, name, email, remote_addr=remote_addr, secret=self.options.secret
            )
        else:
            row = self._exact_author(kind, ident, name, email, author)
        self.authors[(kind, ident)] = row.id
        return row.id

    def _exact_author(
        self, kind: str, ident: str, name: str, email: str | None, author: AuthorRecord
    ) -> Author:
        row = db.session.scalar(
            select(Author).where(
                Author.site_id == self.site_id, Author.kind == kind, Author.identity == ident
            )
        )
        if row is None:
            row = Author(
                site_id=self.site_id,
                kind=kind,
                identity=ident[:255],
                name=name,
                email=email,
                website=(author.website or None) and author.website[:500],
                avatar_url=author.avatar_url,
                avatar_seed=identity.avatar_hash(self.options.secret, self.site_id, email, name),
                badges=list(author.badges),
            )
            db.session.add(row)
            db.session.flush()
        return row

    def finish(self) -> None:
        """Link the tree, recount every thread the file names, and audit the import."""
        thread_ids = sorted(set(self.threads.values()))
        with database.unit_of_work():
            database.writing()
            if _link_parents(self.site_id, self.options.source):
                versions.touch(db.session(), thread_ids)
        for start in range(0, len(thread_ids), 500):
            with database.unit_of_work():
                moderation.recount_imported(thread_ids[start : start + 500])
        if self.summary.imported:
            with database.unit_of_work():
                database.writing()
                audit.record(
                    self.options.actor,
                    "comments.imported",
                    site_id=self.site_id,
                    reason=(
                        f"imported {self.summary.imported} comments from "
                        f"{self.options.file_name} by {self.options.actor.label}"
                    ),
                    after=self.summary.as_dict(),
                )


def _render(post: PostRecord) -> sanitizing.Rendered:
    """Sanitize one post here, as the sanitizer process would."""
    return sanitizing.render_all([(post.body, post.body_format)])[0]


def _analyze() -> None:
    """Let PostgreSQL see how much the import has grown its tables (after batches 1, 2, 4...).

    The lookup of a batch's ids already imported is a prepared statement
    (psycopg prepares a query from its fifth run), planned generically from
    the table's statistics. Taken while ``imported_comments`` was empty or
    small they say "a few rows", and the plan filters the whole site's rows
    through the batch's 500 ids: 0.4 s a batch by 50,000 rows, 42 s of a
    50,000-post import. Analysing as the table doubles keeps the plan on the
    unique index (1-2 ms) for about ten ANALYZEs of an import of a million
    comments; autovacuum alone comes too late. The lookups of authors and
    threads by key are the same kind of statement on tables the import grows
    too. Nothing to do on SQLite.
    """
    if db.engine.dialect.name != "postgresql":
        return
    with database.unit_of_work():
        db.session.connection().exec_driver_sql("ANALYZE imported_comments, authors, threads")


def _link_parents(site_id: int, source: str) -> bool:
    """Give each imported reply its parent and every comment its root and depth.

    Returns whether anything changed. Idempotent; a chain of replies that
    loops (a malformed file) is cut into top-level comments. Joins, not
    correlated subqueries (``UPDATE ... FROM``), so that PostgreSQL keeps a
    linear plan on tables an import has just filled; they are analysed first
    for the same reason.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE comments, imported_comments")
    child, parent, parent_comment = (
        aliased(ImportedComment),
        aliased(ImportedComment),
        aliased(Comment),
    )
    link = (
        update(Comment)
        .where(
            child.comment_id == Comment.id,
            child.site_id == site_id,
            child.source == source,
            child.parent_external.is_not(None),
            Comment.parent_id.is_(None),
            parent.site_id == site_id,
            parent.source == source,
            parent.external_id == child.parent_external,
            parent_comment.id == parent.comment_id,
            parent_comment.thread_id == Comment.thread_id,
            parent.comment_id != Comment.id,
        )
        .values(parent_id=parent.comment_id)
        .execution_options(synchronize_session=False)
    )
    changed = bool(connection.execute(link).rowcount)
    mine, up = aliased(ImportedComment), aliased(Comment)
    root_of = func.coalesce(up.root_id, up.id)
    settle = (
        update(Comment)
        .where(
            mine.comment_id == Comment.id,
            mine.site_id == site_id,
            mine.source == source,
            up.id == Comment.parent_id,
            or_(
                Comment.root_id.is_(None),
                Comment.root_id != root_of,
                Comment.depth != up.depth + 1,
            ),
        )
        .values(root_id=root_of, depth=up.depth + 1)
        .execution_options(synchronize_session=False)
    )
    for _attempt in range(2):
        for _pass in range(MAX_DEPTH_PASSES):
            if not connection.execute(settle).rowcount:
                return changed
            changed = True
        # Still moving after that many passes: a loop. Cut it where it is deepest.
        deepest = select(ImportedComment.comment_id).where(
            ImportedComment.site_id == site_id, ImportedComment.source == source
        )
        connection.execute(
            update(Comment)
            .where(Comment.id.in_(deepest), Comment.depth >= MAX_DEPTH_PASSES)
            .values(parent_id=None, root_id=None, depth=0)
        )
    return changed


def parse_date(value: str | None) -> datetime | None:
    """Return an ISO 8601 date (``Z`` or an offset allowed) as naive UTC, or None."""
    if not value or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    offset = parsed.utcoffset()
    if offset is not None:
        parsed = parsed.replace(tzinfo=None) - offset
    return parsed
