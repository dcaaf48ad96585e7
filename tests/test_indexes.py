"""The queries a page makes use their indexes, so a thread's size doesn't slow its first page."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from comments.extensions import db
from tests.conftest import DATABASE_URL

pytestmark = pytest.mark.skipif(bool(DATABASE_URL), reason="reads SQLite's query plans")

ROOTS = {
    "newest": "ORDER BY created_at DESC, id DESC",
    "oldest": "ORDER BY created_at ASC, id ASC",
    "top": "ORDER BY confidence DESC, id DESC",
}


def _plan(app, sql: str) -> str:
    with app.app_context():
        rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
    return " | ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("after", ["", "AND (created_at, id) < ('2026-11-20', 500)"])
@pytest.mark.parametrize("sort", list(ROOTS))
def test_root_page_reads_an_index_in_order(app, sort, after):
    if after and sort == "top":
        after = "AND (score, id) < (3, 500)"
    plan = _plan(
        app,
        "SELECT id FROM comments WHERE thread_id = 1 AND status = 'approved' AND depth = 0 "
        f"{after} {ROOTS[sort]} LIMIT 21",
    )
    assert "USING INDEX ix_comments_" in plan or "USING COVERING INDEX ix_comments_" in plan
    assert "TEMP B-TREE" not in plan  # no sort of the whole thread


def test_replies_of_a_root_read_an_index_in_order(app):
    plan = _plan(
        app,
        "SELECT id FROM comments WHERE root_id = 1 AND status = 'approved' ORDER BY id LIMIT 4",
    )
    assert "ix_comments_root" in plan and "TEMP B-TREE" not in plan


def test_counts_read_threads_by_key(app):
    plan = _plan(
        app,
        "SELECT threads.key, threads.comment_count FROM threads JOIN sites "
        "ON sites.id = threads.site_id WHERE sites.slug = 'news' AND threads.key IN ('a', 'b')",
    )
    assert "uq_threads_site_key" in plan or "sqlite_autoindex_threads" in plan
    assert "SCAN threads" not in plan


def test_counts_with_the_site_origins_read_threads_by_key(app):
    plan = _plan(
        app,
        "SELECT CAST(sites.origins AS TEXT), threads.key, threads.comment_count FROM sites "
        "LEFT OUTER JOIN threads ON threads.site_id = sites.id "
        "AND threads.key IN ('a', 'b') WHERE sites.slug = 'news'",
    )
    assert "uq_threads_site_key" in plan or "sqlite_autoindex_threads" in plan
    assert "SCAN threads" not in plan


def _queue_plan(app, name: str, order: str, cursor: bool, **filters: str) -> str:
    from comments import queue

    with app.app_context():
        key = queue.encode_cursor(order, datetime(2026, 11, 20), 500) if cursor else None
        query = queue.listing_query(
            1, name, order=order, cursor=key, filters=queue.Filters(**filters)
        ).limit(21)
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return _plan(app, sql)


@pytest.mark.parametrize("cursor", [False, True])
@pytest.mark.parametrize("order", ["newest", "oldest"])
@pytest.mark.parametrize("name", ["pending", "reported", "spam", "approved", "all"])
def test_a_queue_page_reads_an_index_in_order(app, name, order, cursor):
    plan = _queue_plan(app, name, order, cursor)
    index = "ix_comments_created" if name == "all" else "ix_comments_queue"
    assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort of the whole queue


def test_a_queue_filtered_by_author_or_text_still_walks_the_index(app):
    plan = _queue_plan(app, "pending", "newest", True, author="ada", text="word")
    assert "ix_comments_queue" in plan and "TEMP B-TREE" not in plan, plan


def _compiled(app, query) -> str:
    with app.app_context():
        return str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_placeholder_roots_read_their_own_partial_index(app, sort):
    from comments import threads

    query = threads._roots_query(1, sort, placeholders=True).limit(21)
    plan = _plan(app, _compiled(app, query))
    assert "USING INDEX ix_comments_placeholder_roots" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_placeholder_replies_read_their_own_partial_index(app):
    from comments import threads

    query = threads._replies_queries(1)[1].limit(4)
    plan = _plan(app, _compiled(app, query))
    assert "ix_comments_placeholder_replies" in plan and "TEMP B-TREE" not in plan, plan
