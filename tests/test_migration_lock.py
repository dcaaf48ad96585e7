"""Migrations on PostgreSQL hold an advisory lock: containers starting together migrate once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text

from comments import create_app
from comments.config import _normalise_database_url
from comments.extensions import db
from comments.paths import MIGRATIONS_DIR

PG = os.environ.get("COMMENTS_TEST_DATABASE_URL")
#: The key ``migrations/env.py`` locks while it migrates ("comments" in ASCII).
LOCK_KEY = 0x636F6D6D656E7473

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG, reason="needs COMMENTS_TEST_DATABASE_URL"),
]


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """Create an empty PostgreSQL database for one test, and drop it after."""
    assert PG is not None
    admin = create_engine(_normalise_database_url(PG), isolation_level="AUTOCOMMIT")
    name = f"comments_lock_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield _normalise_database_url(PG.rsplit("/", 1)[0] + f"/{name}")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _waiting_for_advisory_locks(conn: Connection) -> int:
    count = conn.scalar(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )
    conn.commit()
    return int(count or 0)


def _assert_schema_is_head(url: str, instance: Path) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t", "INSTANCE_PATH": str(instance)}
    )
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR))
        heads = ScriptDirectory.from_config(config).get_heads()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_heads() == tuple(heads)
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()


@pytest.mark.slow
def test_two_upgrades_at_once_take_turns_and_both_succeed(scratch_database, tmp_path):
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": scratch_database,
        "COMMENTS_SECRET_KEY": "lock-test-secret",
        "COMMENTS_INSTANCE_PATH": str(tmp_path),
    }
    engine = create_engine(scratch_database)
    try:
        _hold_the_lock_while_two_upgrades_start(engine, env)
    finally:
        engine.dispose()
    _assert_schema_is_head(scratch_database, tmp_path)


def _hold_the_lock_while_two_upgrades_start(engine: Engine, env: dict[str, str]) -> None:
    with engine.connect() as holder:
        # Hold the lock ourselves, so that both upgrades are surely running at once.
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        holder.commit()
        upgrades = [
            subprocess.Popen(
                [sys.executable, "-m", "comments.cli", "db", "upgrade"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            deadline = time.monotonic() + 60
            while _waiting_for_advisory_locks(holder) < 2:
                assert all(p.poll() is None for p in upgrades), "an upgrade did not wait"
                assert time.monotonic() < deadline, "the upgrades never asked for the lock"
                time.sleep(0.1)
            assert not inspect(holder).has_table("alembic_version")
            holder.rollback()
        finally:
            holder.rollback()
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            holder.commit()
            outputs = [p.communicate(timeout=120)[0] for p in upgrades]
    assert [p.returncode for p in upgrades] == [0, 0], outputs


def test_the_lock_is_released_while_the_connection_stays_open(scratch_database, tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": scratch_database,
            "SECRET_KEY": "t",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    other = create_engine(scratch_database)
    try:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            # The pool keeps the migrating session alive; it must not keep the lock too.
            assert db.engine.pool.checkedin() >= 1
            with other.connect() as conn:
                assert conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
    finally:
        with app.app_context():
            db.engine.dispose()
        other.dispose()
    _assert_schema_is_head(scratch_database, tmp_path)
