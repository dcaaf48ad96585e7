"""``comments import wordpress`` (WXR 1.0 to 1.2) and ``comments import isso`` (its SQLite file)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from comments.extensions import db
from comments.models import Author
from tests.factories import read
from tests.import_helpers import DATA, by_external, run_import, thread_of


@pytest.mark.parametrize("name", ["wordpress.xml", "wordpress-1.0.xml"])
def test_wordpress_threads_states_dates_and_tree(app, client, runner, site, name):
    result = run_import(runner, "wordpress", DATA / name)
    assert "comments imported: 5 (2 approved, 1 deleted, 1 pending, 1 spam)" in result.output
    assert "1 pingbacks" in result.output
    four, six = thread_of(app, "/?p=4"), thread_of(app, "/?p=6")
    assert four.title == "Post four & more" and four.comment_count == 1 and not four.closed
    assert six.closed and six.comment_count == 1
    posts = by_external(app, "wordpress")
    assert posts["11"].created_at.isoformat() == "2014-03-01T09:00:00"  # GMT
    assert posts["12"].created_at.isoformat() == "2014-03-02T10:00:00"  # no GMT date given
    assert posts["12"].parent_id == posts["11"].id
    assert str(posts["16"].status) == "approved" and posts["16"].parent_id == posts["15"].id
    assert "<p>First line<br>\nsecond line &amp; an entity</p>" in posts["11"].html
    assert "<p>A new paragraph 🎉</p>" in posts["11"].html
    assert posts["12"].html == "<p>Agreed &lt;3</p>"  # decoded once: shows "<3"
    with app.app_context():
        li = db.session.get(Author, posts["11"].author_id)
        member = db.session.get(Author, posts["16"].author_id)
    assert li.email == "li@example.com" and li.name == "Ли Wei 李"
    assert (member.kind, member.identity) == ("sso", "77")
    page = read(client, thread="/?p=4")
    assert [c["author"]["name"] for c in page["comments"]] == ["Ли Wei 李"]


def test_wordpress_pingbacks_and_post_id_keys_on_request(app, runner, site):
    result = run_import(
        runner, "wordpress", DATA / "wordpress.xml", "news", "--pingbacks", "--key", "post-id"
    )
    assert "comments imported: 6" in result.output
    assert thread_of(app, "4").comment_count == 2 and thread_of(app, "6") is not None


def test_wordpress_twice_changes_nothing(app, runner, site):
    run_import(runner, "wordpress", DATA / "wordpress.xml")
    result = run_import(runner, "wordpress", DATA / "wordpress.xml")
    assert "comments imported: 0" in result.output and "already imported: 5" in result.output


@pytest.fixture
def isso_db(tmp_path: Path) -> Path:
    """Isso's database file, built from the SQL dump kept beside the other fixtures."""
    path = tmp_path / "isso.db"
    with sqlite3.connect(path) as connection:
        connection.executescript((DATA / "isso.sql").read_text(encoding="utf-8"))
    connection.close()
    return path


def test_isso_database(app, client, runner, site, isso_db):
    result = run_import(runner, "isso", isso_db)
    assert "threads: 2 new" in result.output
    assert "comments imported: 5 (3 approved, 1 deleted, 1 pending)" in result.output
    hello = thread_of(app, "/blog/hello-world/")
    assert hello.title == "Hello, World" and hello.comment_count == 2
    assert thread_of(app, "/blog/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82/") is not None
    posts = by_external(app, "isso")
    first = posts["1"]
    assert first.html == "<p>First, <em>with</em> Markdown 你好</p>"
    assert (first.votes_up, first.votes_down, first.score) == (3, 1, 2)
    assert first.created_at.isoformat() == "2014-05-13T16:53:20.500000"
    assert posts["2"].parent_id == first.id and posts["2"].edited_at is not None
    assert str(posts["4"].status) == "deleted" and posts["5"].parent_id == posts["4"].id
    assert str(posts["5"].status) == "approved"
    run_import(runner, "isso", isso_db)
    with app.app_context():
        assert len(db.session.scalars(select(Author)).all()) == 5


def test_not_an_isso_database_is_refused(app, runner, site):
    result = runner.invoke(args=["import", "isso", str(DATA / "disqus.xml"), "--site", "news"])
    assert result.exit_code != 0 and "disqus.xml: not an Isso database" in result.output
