"""Cached pages follow every change readers can see, without callers touching versions."""

from __future__ import annotations

from sqlalchemy import select

from comments.extensions import db
from comments.models import Author, Comment, Thread
from tests.factories import post_ok, read


def _version(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Thread.version))


def test_an_authors_display_data_reaches_warm_pages_of_every_thread(app, client, site):
    ann = {"name": "Ann", "email": "ann@example.com"}
    post_ok(client, author=ann)
    post_ok(client, author=ann, thread="story-2", url="https://news.example/story-2")
    assert read(client)["comments"][0]["author"]["badges"] == []  # warm both pages
    assert read(client, thread="story-2")["comments"][0]["author"]["badges"] == []
    with app.app_context():
        author = db.session.scalar(select(Author))
        author.badges = ["subscriber"]
        author.avatar_url = "https://news.example/ann.png"
        db.session.commit()
    for thread in ("story-1", "story-2"):
        shown = read(client, thread=thread)["comments"][0]["author"]
        assert shown["badges"] == ["subscriber"]
        assert shown["avatar"] == "https://news.example/ann.png"


def test_changes_readers_do_not_see_keep_cached_pages(app, client, site):
    comment = post_ok(client)
    read(client)
    version = _version(app)
    with app.app_context():
        stored = db.session.get(Comment, comment["id"])
        stored.remote_addr = None
        stored.flag_count = 2
        db.session.get(Author, stored.author_id).email = "new@example.com"
        db.session.commit()
    assert _version(app) == version


def test_a_new_title_and_closing_reach_warm_pages(app, client, runner, site):
    post_ok(client, title=None)
    assert read(client)["thread"]["title"] is None
    post_ok(client, title="Now with a title")
    assert read(client)["thread"]["title"] == "Now with a title"
    runner.invoke(args=["thread", "close", "news", "story-1"])
    assert read(client)["thread"]["closed"] is True
