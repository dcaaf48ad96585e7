"""The unit of work: one commit per request or command, nesting joins, errors roll back whole."""

from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from comments import errors, posting, sites
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Comment, Site, Thread
from tests.conftest import DATABASE_URL
from tests.factories import ORIGIN, post_ok


def _new(body: str = "Hello", **overrides) -> posting.NewComment:
    fields = {"site": "news", "thread": "story-1", "url": f"{ORIGIN}/story-1", "name": "Ann"}
    fields.update(overrides)
    return posting.NewComment(body=body, **fields)


POLICY = posting.Policy(secret="test-secret")


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_domain_writes_outside_a_unit_of_work_are_refused(app, site):
    with app.app_context():
        with pytest.raises(RuntimeError, match="unit of work"):
            posting.create_comment(_new(), POLICY)
        with pytest.raises(RuntimeError, match="unit of work"):
            sites.create_site("other", name="Other", origins=["https://other.example"])
        assert _count(Comment) == 0 and _count(Site) == 1


def test_nested_units_join_the_outer_one_without_waiting_for_themselves(app, site):
    # On a SQLite file the writers' queue is a file lock: a nested unit that
    # took it again would wait for itself for ever.
    done = threading.Event()

    def work() -> None:
        with app.app_context(), unit_of_work():
            posting.create_comment(_new("first"), POLICY)
            with unit_of_work():
                posting.create_comment(_new("second"), POLICY)
                with unit_of_work():
                    sites.update_site("news", name="News Daily")
        done.set()

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert done.is_set(), "a nested unit of work hung"
    with app.app_context():
        assert _count(Comment) == 2
        assert sites.get_site("news").name == "News Daily"


def test_an_error_anywhere_rolls_the_whole_unit_back(app, site):
    with app.app_context():
        with pytest.raises(errors.NotFound), unit_of_work():
            sites.update_site("news", name="Renamed")
            posting.create_comment(_new("kept?"), POLICY)
            with unit_of_work():
                posting.create_comment(_new(site="nope"), POLICY)
    with app.app_context():
        assert sites.get_site("news").name == "News"
        assert _count(Comment) == 0 and _count(Thread) == 0


def test_only_the_outermost_unit_commits(app, site, database_url):
    from sqlalchemy import create_engine

    other = create_engine(database_url if "://" in database_url else f"sqlite:///{database_url}")
    with app.app_context(), unit_of_work():
        with unit_of_work():
            posting.create_comment(_new(), POLICY)
        # The inner unit ended, but nothing is visible to another connection yet.
        with other.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Comment.__table__)) == 0
    with other.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Comment.__table__)) == 1
    other.dispose()


def test_a_read_before_the_unit_does_not_block_the_write(app, site):
    with app.app_context():
        assert sites.find_site("news") is not None  # opens a read transaction
        with unit_of_work():
            posting.create_comment(_new(), POLICY)
        assert _count(Comment) == 1


def test_writing_after_an_unannounced_write_is_refused(app, site):
    with app.app_context():
        with pytest.raises(RuntimeError, match="writing"), unit_of_work():
            db.session.get(Site, site.id).name = "Sneaky"
            db.session.flush()
            sites.update_site("news", name="Later")
        assert sites.get_site("news").name == "News"


def test_commands_commit_their_unit(runner, app, site):
    result = runner.invoke(args=["site", "update", "news", "--name", "The News"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert sites.get_site("news").name == "The News"
    result = runner.invoke(args=["site", "add", "Bad Slug!", "--name", "x", "--origin", ORIGIN])
    assert result.exit_code != 0
    with app.app_context():
        assert [s.slug for s in sites.list_sites()] == ["news"]


def _in_the_database_file(app, body: str) -> bool:
    """Tell whether the database file itself, without its write-ahead log, holds ``body``."""
    from sqlalchemy.engine import make_url

    path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    copy = f"{path}.copy"
    shutil.copyfile(path, copy)  # the file alone: what a checkpoint has copied into it
    conn = sqlite3.connect(copy)
    try:
        row = conn.execute("SELECT count(*) FROM comments WHERE body = ?", (body,)).fetchone()
        return bool(row[0])
    finally:
        conn.close()


@pytest.mark.skipif(DATABASE_URL is not None, reason="SQLite's write-ahead log")
@pytest.mark.parametrize("every, checkpointed", [(1, True), (1000, False)])
def test_sqlite_checkpoints_after_the_writers_lock_not_in_a_commit(
    app, client, site, monkeypatch, every, checkpointed
):
    from comments import database

    monkeypatch.setattr(database, "CHECKPOINT_EVERY", every)
    with app.app_context():
        assert db.session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == (
            database.AUTOCHECKPOINT_PAGES
        )
        db.session.rollback()
    post_ok(client, body="Copied into the file by the next checkpoint.")
    assert _in_the_database_file(app, "Copied into the file by the next checkpoint.") is (
        checkpointed
    )


@pytest.mark.parametrize("keep_reads", [True, False])
def test_writing_keeps_what_was_read_before_only_when_asked(app, site, keep_reads):
    from sqlalchemy import inspect

    from comments import database

    with app.app_context(), unit_of_work():
        found = sites.find_site("news")  # read before the writers' lock
        database.writing(keep_reads=keep_reads)
        # Kept: no second read under the lock. Forgotten: read again when used.
        assert ("name" in inspect(found).dict) is keep_reads
        assert found.name == "News"
        sites.update_site("news", name="News Daily")
    with app.app_context():
        assert sites.get_site("news").name == "News Daily"
