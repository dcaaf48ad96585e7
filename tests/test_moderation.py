"""A comment's status changes only through moderation.set_status, which keeps the rest right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, StatementError

from comments import moderation
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Comment, Status, Thread
from tests.factories import post_ok, read


def _set(app, comment_id: int, status: Status) -> bool:
    with app.app_context(), unit_of_work():
        return moderation.set_status(db.session.get(Comment, comment_id), status)


def _counts(client) -> int:
    answer = client.get("/api/v1/counts", query_string={"site": "news", "thread": "story-1"})
    return answer.get_json()["counts"]["story-1"]


def test_setting_status_directly_is_refused(app, site, client):
    comment = post_ok(client)
    with app.app_context():
        stored = db.session.get(Comment, comment["id"])
        with pytest.raises(RuntimeError, match="set_status"):
            stored.status = Status.REJECTED
        with pytest.raises(RuntimeError, match="set_status"):
            Comment(status=Status.APPROVED)


def test_the_database_refuses_an_unknown_status_and_a_missing_one(app, site, client):
    comment = post_ok(client)
    with app.app_context():
        row = db.session.execute(select(Comment.__table__).where(Comment.id == comment["id"]))
        values = dict(row.mappings().one())
        values.pop("id")
        for status in ("visible", None):
            with pytest.raises((IntegrityError, StatementError)):
                db.session.execute(insert(Comment.__table__).values({**values, "status": status}))
            db.session.rollback()
        # The model has no default either: a comment must be placed.
        assert Comment.__table__.c.status.default is None
        assert Comment.__table__.c.status.server_default is None


@pytest.mark.parametrize("status", [Status.REJECTED, Status.SPAM, Status.DELETED, Status.PENDING])
def test_removing_a_visible_comment_updates_page_counts_and_cached_pages(app, client, site, status):
    root = post_ok(client, body="root")
    reply = post_ok(client, body="reply", parent_id=root["id"])
    before = read(client)  # warms the page cache
    assert before["comments"][0]["reply_count"] == 1 and _counts(client) == 2

    assert _set(app, reply["id"], status) is True
    page = read(client)
    assert page["comments"][0]["replies"] == []
    assert page["comments"][0]["reply_count"] == 0
    assert page["comments"][0]["replies_total"] == 0
    assert page["thread"]["comment_count"] == 1 and _counts(client) == 1

    assert _set(app, reply["id"], Status.APPROVED) is True
    page = read(client)
    assert [r["id"] for r in page["comments"][0]["replies"]] == [reply["id"]]
    assert page["thread"]["comment_count"] == 2 and _counts(client) == 2


def test_setting_the_same_status_again_changes_nothing(app, client, site):
    comment = post_ok(client)
    with app.app_context():
        version = db.session.scalar(select(Thread.version))
    assert _set(app, comment["id"], Status.APPROVED) is False
    with app.app_context():
        assert db.session.scalar(select(Thread.version)) == version
    assert _counts(client) == 1


def test_moves_between_hidden_statuses_leave_counts_and_versions_alone(app, client, runner, site):
    runner.invoke(args=["site", "update", "news", "--moderation", "pre"])
    held = post_ok(client)
    with app.app_context():
        version = db.session.scalar(select(Thread.version))
    assert _set(app, held["id"], Status.REJECTED) is True
    assert _set(app, held["id"], Status.SPAM) is True
    with app.app_context():
        thread = db.session.scalar(select(Thread))
        assert thread.version == version and thread.comment_count == 0
        assert thread.last_comment_at is None


def test_last_activity_follows_the_newest_visible_comment(app, client, site):
    first = post_ok(client)
    second = post_ok(client)
    with app.app_context():
        newest = db.session.get(Comment, second["id"]).created_at
        older = db.session.get(Comment, first["id"]).created_at
        assert db.session.scalar(select(Thread.last_comment_at)) == newest
    _set(app, second["id"], Status.REJECTED)
    with app.app_context():
        assert db.session.scalar(select(Thread.last_comment_at)) == older
    _set(app, first["id"], Status.DELETED)
    with app.app_context():
        assert db.session.scalar(select(Thread.last_comment_at)) is None
    _set(app, second["id"], Status.APPROVED)
    with app.app_context():
        assert db.session.scalar(select(Thread.last_comment_at)) == newest
        assert newest - older < timedelta(minutes=1)


def test_held_reasons_are_codes_with_parameters(app_factory, site):
    client = app_factory(SPAM_MAX_LINKS=1).test_client()
    response = client.post(
        "/api/v1/comments",
        json={
            "site": "news",
            "thread": "story-1",
            "url": "https://news.example/story-1",
            "body": "https://a.example https://b.example https://c.example",
            "author": {"name": "Ann"},
        },
    )
    assert response.status_code == 202
    data = response.get_json()
    assert data["reasons"] == [
        {
            "code": "too_many_links",
            "params": {"count": 3, "limit": 1},
            "message": "Comments with more than 1 links are checked by a moderator "
            "before they appear.",
        }
    ]
    assert data["reason"] == data["reasons"][0]["message"]
    with client.application.app_context():
        stored = db.session.get(Comment, data["comment"]["id"])
        assert stored.hold_reasons == [
            {"code": "too_many_links", "params": {"count": 3, "limit": 1}}
        ]


def test_premoderated_reason_code(client, runner, site):
    runner.invoke(args=["site", "update", "news", "--moderation", "pre"])
    response = client.post(
        "/api/v1/comments",
        json={
            "site": "news",
            "thread": "story-1",
            "url": "https://news.example/story-1",
            "body": "Hello",
            "author": {"name": "Ann"},
        },
    )
    assert response.status_code == 202
    assert [r["code"] for r in response.get_json()["reasons"]] == ["premoderated"]
    assert response.get_json()["reasons"][0]["params"] == {}


def test_a_visible_comment_has_no_reasons(client, site):
    response = client.post(
        "/api/v1/comments",
        json={
            "site": "news",
            "thread": "story-1",
            "url": "https://news.example/story-1",
            "body": "Hello",
            "author": {"name": "Ann"},
        },
    )
    assert response.status_code == 201
    assert response.get_json()["reasons"] == [] and response.get_json()["reason"] is None
