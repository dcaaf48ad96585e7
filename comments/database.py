"""Engine tuning and transaction helpers that make SQLite and PostgreSQL behave alike.

SQLite serves the embedded default, where several gunicorn workers write to
one file. Two settings make that safe and fast: WAL journaling (readers never
block the writer) and write transactions that start with ``BEGIN IMMEDIATE``.
A deferred transaction that reads first and writes later can fail at once with
"database is locked" when another writer got there in between; an immediate
one waits its turn under ``busy_timeout`` instead.

The unit of work: each request, command or job that writes runs in
``with unit_of_work():``, which commits once at its end or rolls back whole.
Domain functions never commit; one that writes calls :func:`writing` first,
which on SQLite queues the writer on a file lock and begins the transaction
as a write.
"""

from __future__ import annotations

import fcntl
import os
import select
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
import psycopg.adapt
import psycopg.errors
import psycopg.pq
from flask import Flask, current_app
from sqlalchemy import Executable, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.orm import Session

from comments.extensions import db
from comments.models.core import MAX_ID

_Row = TypeVar("_Row")

_WRITE = "comments_write"
_NO_BEGIN = "comments_no_begin"
_LOCK_FILE = "comments.write_lock"
_UNIT = "comments_unit"
_FLUSHED = "comments_flushed"
_STAMP = "comments.change_stamp"
_READER = "comments.read_connection"
BUSY_TIMEOUT_MS = 30_000
# Statements ``read_rows`` keeps prepared per connection (counts make one per number of keys).
MAX_PREPARED = 200
_IDLE_SINCE = "comments.idle_since"
_WRITES_SINCE_CHECKPOINT = "comments.writes_since_checkpoint"
#: Write units of one process between its checkpoints of a SQLite file's WAL.
CHECKPOINT_EVERY = 100
#: Pages in the WAL at which SQLite checkpoints inside a commit (its default is 1,000).
AUTOCHECKPOINT_PAGES = 10_000


def init_app(app: Flask) -> None:
    """Tune the app's engine for its database."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
        if engine.url.database not in (None, "", ":memory:"):
            path = os.path.abspath(engine.url.database)
            app.extensions[_LOCK_FILE] = path + "-writelock"
            app.extensions[_STAMP] = ChangeStamp(path)
    elif not engine.pool._pre_ping:  # the operator's own pool_pre_ping=True pings every time
        _ping_when_idle(engine)


#: A pooled server connection unused for longer than this is pinged before use.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it may be dead, not on every checkout.

    A database server may restart, or a proxy drop a quiet connection, while
    the pool holds it. SQLAlchemy's ``pool_pre_ping`` finds out with a round
    trip (on PostgreSQL, a transaction of its own) on every checkout, which
    under load every request pays for a connection in use a moment ago.
    Here a connection is pinged only when there is reason to doubt it: its
    socket has something to read while idle (the server said goodbye: a
    restart, ``pg_terminate_backend``), which costs no round trip, or it
    sat unused for ``PING_AFTER_IDLE_SECONDS`` (a drop nobody announced). A
    dead one is replaced before the request sees it (``DisconnectionError``
    makes the pool connect afresh).
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_doubtful(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None:
            return  # connected just now
        quiet = time.monotonic() - since < PING_AFTER_IDLE_SECONDS
        if quiet and not _hung_up(dbapi_connection):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping's own transaction, if the driver began one
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("a pooled connection did not answer its ping") from exc


def _hung_up(dbapi_connection: Any) -> bool:
    """Tell whether an idle connection's socket has something to read (or can't be asked).

    Between requests the server sends nothing (this service uses no
    ``LISTEN``): anything readable is its goodbye, or the end of the stream.
    """
    try:
        fileno = dbapi_connection.fileno()
        readable, _, _ = select.select([fileno], [], [], 0)
    except (OSError, ValueError, AttributeError):
        return True
    return bool(readable)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver: we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Checkpoints run after the writers' lock is let go (_checkpoint_now_and_then);
        # SQLite's own, inside some writer's commit, only if those fall behind.
        cursor.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get(_NO_BEGIN):
            return  # a single-statement read needs no transaction of its own
        # Straight to the driver: every unit of work and most reads begin here.
        conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            "BEGIN IMMEDIATE" if options.get(_WRITE) else "BEGIN"
        )


class _Unit:
    """The state of the unit of work open on one session."""

    def __init__(self) -> None:
        self.depth = 0
        self.writing = False
        self.lock_fd: int | None = None


def _unit() -> _Unit:
    info = db.session().info
    unit: _Unit | None = info.get(_UNIT)
    if unit is None:
        unit = info[_UNIT] = _Unit()
    return unit


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Run the block as one unit of work: commit once at its end, or roll back whole.

    Requests, commands and jobs open one; domain functions never commit and
    never open their own. A unit opened inside another joins it: only the
    outermost one commits, and an error anywhere rolls the whole unit back.
    Usable as a decorator too (``@unit_of_work()``).
    """
    unit = _unit()
    if unit.depth:
        unit.depth += 1
        try:
            yield
        finally:
            unit.depth -= 1
        return
    if db.session().in_transaction():
        # Reads done before the unit opened (a lookup by the caller) hold
        # nothing worth keeping; starting afresh lets SQLite begin the unit
        # as a write without "database is locked".
        _refuse_pending_writes()
        db.session.rollback()
    unit.depth = 1
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        unit.depth = 0
        wrote, unit.writing = unit.writing, False
        _leave_writers_queue(unit)
    if wrote:
        _checkpoint_now_and_then()


def writing(*, keep_reads: bool = False) -> None:
    """Declare that the open unit of work is about to write.

    Domain functions that write call this before their first query (after any
    slow work that needs no database, such as rendering Markdown). On SQLite
    it waits in the writers' queue and begins the transaction with ``BEGIN
    IMMEDIATE``, so a read-then-write never fails with "database is locked";
    on PostgreSQL writers run concurrently and this changes nothing. Calling
    it again in the same unit is free.

    Rows read before the call are forgotten and read again under the lock,
    so nothing is decided on a copy another writer has since changed. With
    ``keep_reads`` the caller keeps them (on SQLite their read transaction
    ends, having written nothing; on PostgreSQL it goes on to write). For the
    post path, whose reads before the lock are the site, the thread and the
    returning guest: a copy a moment old decides nothing the write could get
    wrong (counters move in SQL, and a thread or author created meanwhile is
    found by ``add_or_find``), and every post holds SQLite's one writer's
    lock that much shorter.
    """
    unit = _unit()
    if not unit.depth:
        raise RuntimeError("writes need a unit of work: wrap the caller in database.unit_of_work()")
    if unit.writing:
        return
    if db.session().in_transaction():
        _refuse_pending_writes()
        if not keep_reads:
            db.session.rollback()
        elif db.engine.dialect.name == "sqlite":
            # A read transaction (deferred) can't become a write safely: end it,
            # having written nothing, and keep what it loaded.
            db.session.commit()
    _join_writers_queue(unit)
    if not db.session().in_transaction():
        db.session.connection(execution_options={_WRITE: True})
    # else PostgreSQL kept its reads: the transaction that read goes on to write.
    unit.writing = True


def _refuse_pending_writes() -> None:
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get(_FLUSHED):
        raise RuntimeError("wrote before database.writing(): call it before the first write")


def _join_writers_queue(unit: _Unit) -> None:
    """On SQLite, wait in an OS file lock for our turn to write.

    SQLite's own busy handler makes a waiting writer sleep and poll, in steps
    that grow to 100 ms; under many concurrent posts most of the time goes to
    sleeping. A blocking ``flock`` wakes the next writer the moment the lock is
    free. Every worker process of this deployment queues here; other writers
    (a second tool on the same file) are still covered by ``busy_timeout``.
    The lock is held until the unit of work ends, and taken once per unit, so
    nested writers never wait for themselves.
    """
    path = current_app.extensions.get(_LOCK_FILE)
    if path is None:
        return
    # A fresh open file per unit: flock locks conflict between open files, so
    # threads of one process queue too.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    unit.lock_fd = fd


def _leave_writers_queue(unit: _Unit) -> None:
    if unit.lock_fd is not None:
        os.close(unit.lock_fd)  # closing releases the lock
        unit.lock_fd = None


def _checkpoint_now_and_then() -> None:
    """Every ``CHECKPOINT_EVERY`` write units of this process, checkpoint the WAL on SQLite.

    A commit appends the pages it changed to the write-ahead log; a
    checkpoint copies them into the database file. Left to SQLite, that
    copy (and its fsyncs) runs inside the commit of whichever writer crosses
    ``wal_autocheckpoint``, while every other writer waits for the lock:
    most of a post's disk writes, on the one path that cannot run in
    parallel. Here each process, after letting the lock go, checkpoints
    ``PASSIVE``ly: alongside the next writer, never waiting for readers or
    writers, and never blocking them. SQLite's own checkpoint stays as a
    backstop at ``AUTOCHECKPOINT_PAGES``.
    """
    path = current_app.extensions.get(_LOCK_FILE)
    if path is None:
        return  # PostgreSQL, or a database in memory
    count = current_app.extensions.get(_WRITES_SINCE_CHECKPOINT, 0) + 1
    if count < CHECKPOINT_EVERY:
        current_app.extensions[_WRITES_SINCE_CHECKPOINT] = count
        return
    current_app.extensions[_WRITES_SINCE_CHECKPOINT] = 0
    with db.engine.connect() as conn:
        conn.execution_options(**{_NO_BEGIN: True}).exec_driver_sql(
            "PRAGMA wal_checkpoint(PASSIVE)"
        )


def _mark_flushed(session: Session, _context: Any) -> None:
    session.info[_FLUSHED] = True


def _forget_flushes(session: Session, *_args: Any) -> None:
    session.info.pop(_FLUSHED, None)


event.listen(Session, "after_flush", _mark_flushed)
event.listen(Session, "after_commit", _forget_flushes)
event.listen(Session, "after_rollback", _forget_flushes)


def find(model: type[_Row], ident: int) -> _Row | None:
    """Return the row of ``model`` with this id, or None; an id past 32 bits names no row.

    PostgreSQL's ids are 32-bit integers: asking it for a larger one is an
    error, not "not found", so such ids are answered here on every database.
    """
    if not 0 < ident <= MAX_ID:
        return None
    return db.session.get(model, ident)


def read_rows(sql: str, params: Sequence[Any]) -> list[Any]:
    """Run one read-only statement with the least overhead, outside any transaction.

    For the hottest reads (a page's version, section-page counts), where the
    ORM's and the transaction's own costs would outweigh the query. ``sql``
    uses ``?`` for parameters; it is adapted to the driver's style here. On
    PostgreSQL it goes over the process's own reading connection when that is
    free (see ``ReadConnection``), else through the pool.
    """
    engine = db.engine
    if engine.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    if engine.dialect.name == "postgresql":
        reader: ReadConnection | None = current_app.extensions.get(_READER)
        if reader is None:
            reader = current_app.extensions.setdefault(_READER, ReadConnection())
        rows = reader.rows(engine, sql, params)
        if rows is not None:
            return rows
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(**{_NO_BEGIN: True})
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT")
        return list(conn.exec_driver_sql(sql, tuple(params)))


class ReadConnection:
    """One autocommit PostgreSQL connection per process for ``read_rows``, kept out of the pool.

    Every page read asks for its thread's version first, so that read must be
    as cheap as one round trip can be. Through the pool it costs more: the
    pool's pre-ping (a round trip of its own), checkout and check-in, and
    switching autocommit on and off. Here each statement is a server-side
    prepared one on a connection that stays in autocommit, so it sees every
    transaction committed before it starts: nothing cached can outlive a
    commit. A broken connection (the server restarted) is replaced and the
    statement, a read, sent once more. One thread uses it at a time; another
    thread meanwhile takes the pool's way. ``engine.dispose()`` closes it, as it
    closes the pool's connections.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: Any = None
        self._pid: int | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._listening = False
        self._prepared: dict[str, bytes] = {}
        # A forked child must not close (or let go of) its parent's connection:
        # that would end the parent's session. It keeps them here unused.
        self._inherited: list[Any] = []

    def rows(self, engine: Engine, sql: str, params: Sequence[Any]) -> list[Any] | None:
        """Return the rows of one read, or None when another thread has the connection."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            try:
                return self._execute(engine, sql, params)
            except psycopg.Error:
                if self._conn is not None and not self._conn.broken:
                    raise
                self._drop()
                return self._execute(engine, sql, params)
        finally:
            self._lock.release()

    def close(self, *_args: Any) -> None:
        """Close the connection (it opens again when next needed)."""
        with self._lock:
            self._drop()

    def _execute(self, engine: Engine, sql: str, params: Sequence[Any]) -> list[Any]:
        conn = self._connection(engine)
        if not all(type(p) in (str, int) for p in params):
            with conn.cursor() as cursor:
                cursor.execute(sql, tuple(params), prepare=True)
                return list(cursor.fetchall())
        # libpq's own calls: the statement, prepared once per connection, costs one
        # round trip and a fraction of the CPU that a cursor's machinery takes.
        pgconn, values = conn.pgconn, [str(p).encode() for p in params]
        name = self._prepared.get(sql)
        if name is None and len(self._prepared) < MAX_PREPARED:
            name = f"comments_read_{len(self._prepared)}".encode()
            _check(conn, pgconn.prepare(name, _numbered(sql).encode()))
            self._prepared[sql] = name
        if name is None:
            result = pgconn.exec_params(_numbered(sql).encode(), values)
        else:
            result = pgconn.exec_prepared(name, values)
        _check(conn, result)
        loader = psycopg.adapt.Transformer(conn)
        loader.set_pgresult(result)
        return loader.load_rows(0, result.ntuples, tuple)

    def _connection(self, engine: Engine) -> Any:
        if self._conn is not None and self._pid != os.getpid():
            self._inherited.append(self._conn)
            if self._finalizer is not None:
                self._finalizer.detach()
            self._conn = self._finalizer = None
        if self._conn is None or self._conn.closed:
            self._drop()
            self._prepared = {}
            if not self._listening:
                event.listen(engine, "engine_disposed", self.close)
                self._listening = True
            proxied = engine.raw_connection()
            conn: Any = proxied.driver_connection
            proxied.detach()  # ours from now on; the pool opens another in its place
            conn.autocommit = True
            self._conn, self._pid = conn, os.getpid()
            self._finalizer = weakref.finalize(self, _close_in, conn, os.getpid())
        return self._conn

    def _drop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()  # closes the connection, once
        self._conn = self._finalizer = None


def _numbered(sql: str) -> str:
    """Return ``sql`` with its ``%s`` placeholders numbered as libpq wants them: $1, $2..."""
    parts = sql.split("%s")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]


def _check(conn: Any, result: Any) -> None:
    """Raise the error a statement's result reports, as psycopg would."""
    if result.status not in (psycopg.pq.ExecStatus.TUPLES_OK, psycopg.pq.ExecStatus.COMMAND_OK):
        raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


def _close_in(conn: Any, pid: int) -> None:
    if os.getpid() == pid:  # at a forked child's exit too: never the parent's session
        conn.close()


class ChangeStamp:
    """Tell, for the price of one pragma, whether anything was committed since last asked.

    SQLite's ``PRAGMA data_version`` changes whenever another connection
    commits to the file, whichever process it is in. Each process keeps its
    own read-only connection for asking, opened lazily (after a fork).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._pid: int | None = None
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def current(self) -> int:
        """Return a number that differs from the last one if anything was committed."""
        with self._lock:
            if self._conn is None or self._pid != os.getpid():
                # Never written through; it only asks.
                self._conn = sqlite3.connect(self.path, check_same_thread=False)
                self._pid = os.getpid()
            row = self._conn.execute("PRAGMA data_version").fetchone()
            return int(row[0])


def change_stamp() -> int | None:
    """Return the database's change stamp, or None where none is cheap to get."""
    stamp: ChangeStamp | None = current_app.extensions.get(_STAMP)
    return stamp.current() if stamp is not None else None


def insert_new(model: type[Any], values: dict[str, Any]) -> bool:
    """Insert one row unless it would break a unique constraint; tell whether it was inserted.

    One ``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike):
    cheaper than a savepoint around an ORM insert, and it never waits on or
    fails for a concurrent writer of the same row. Bypasses the session: the
    row is not in it until queried.
    """
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing()
    return bool(db.session.execute(statement).rowcount)  # type: ignore[attr-defined]


def add_or_find(row: _Row, query: Executable, params: dict[str, Any] | None = None) -> _Row:
    """Add a new ``row``, or return the one ``query`` finds if a concurrent writer stored it first.

    For rows made on first use (a thread on its first comment, an author on
    their first post): the savepoint keeps the caller's unit of work alive
    when the unique constraint refuses ours.
    """
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return db.session.scalars(query, params).one()
    return row


NO_DEFAULT = object()


def python_default(column: Any) -> Any:
    """Return the value SQLAlchemy would give ``column`` on INSERT when a row leaves it out.

    The column's own ``default`` (a scalar, or a function called now), for
    statements built by hand that send every column (COPY, an INSERT inside
    a CTE); :data:`NO_DEFAULT` when it has none (the database's own default, or
    NULL, applies).
    """
    default = column.default
    if default is None or not (default.is_scalar or default.is_callable):
        return NO_DEFAULT
    return default.arg(None) if default.is_callable else default.arg


_RESERVE_IDS = text(
    "SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :n)"
)


def copy_rows(table: Table, rows: Sequence[dict[str, Any]], *, ids: bool) -> list[int] | None:
    """Insert ``rows`` into ``table`` with PostgreSQL's COPY; return their new ids in order.

    For imports, where a batch is hundreds of rows into a table with many
    indexes: a multi-VALUES INSERT of 500 rows is a statement of ~13,000
    parameters that psycopg splits and SQLAlchemy compiles again each time,
    and that the server parses and plans; COPY streams the same rows with
    none of that. With ``ids``, the ids are taken from the table's sequence
    first (one statement) and copied in explicitly, so the caller gets them
    in the rows' order as ``INSERT ... RETURNING`` would give them. Values go
    through each column's SQLAlchemy type (enums as their values, JSON
    serialised) and columns the rows leave out get their Python-side default
    (:func:`python_default`, once for the batch), so
    the rows stored are those an INSERT stores. Same transaction as the
    session (the caller's unit of work); never commits.

    Returns None on another database (SQLite): the caller inserts as before.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        return None
    if not rows:
        return []
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    defaults: list[Any] = []
    for column in table.c:
        if column.name in names or column.primary_key:
            continue
        value = python_default(column)
        if value is not NO_DEFAULT:
            columns.append(column)
            defaults.append(value)
        elif column.default is not None or (column.server_default is None and not column.nullable):
            raise ValueError(f"copy_rows: give {table.name}.{column.name} in the rows")
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    new_ids: list[int] = []
    if ids:
        key = table.primary_key.columns.values()[0]
        columns.insert(0, key)
        processors.insert(0, None)
        reserved = connection.execute(
            _RESERVE_IDS, {"table": table.name, "column": key.name, "n": len(rows)}
        )
        new_ids = sorted(int(value) for (value,) in reserved)
    quote = dialect.identifier_preparer
    statement = "COPY {} ({}) FROM STDIN".format(
        quote.format_table(table), ", ".join(quote.quote(column.name) for column in columns)
    )
    driver: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for index, row in enumerate(rows):
            values = [new_ids[index]] if ids else []
            values += [row[name] for name in names]
            values += defaults
            pairs = zip(processors, values, strict=True)
            copy.write_row([value if p is None else p(value) for p, value in pairs])
    return new_ids
