"""Engine tuning and transaction helpers that make SQLite and PostgreSQL behave alike.

SQLite serves the embedded default, where several gunicorn workers write to
one file. Two settings make that safe and fast: WAL journaling (readers never
block the writer) and write transactions that start with ``BEGIN IMMEDIATE``.
A deferred transaction that reads first and writes later can fail at once with
"database is locked" when another writer got there in between; an immediate
one waits its turn under ``busy_timeout`` instead. Domain functions that write
call :func:`begin_write` before their first query.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from comments.extensions import db

_WRITE = "comments_write"
BUSY_TIMEOUT_MS = 30_000


def init_app(app: Flask) -> None:
    """Tune the app's engine for its database."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)


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
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start the session's transaction as a write transaction.

    Call before the first query of a function that will write. On SQLite this
    takes the write lock up front; on PostgreSQL it changes nothing.
    """
    if db.session().in_transaction():
        # Something already read in this transaction; on SQLite upgrade it by
        # ending the read so the write can start cleanly.
        db.session.commit()
    db.session.connection(execution_options={_WRITE: True})
