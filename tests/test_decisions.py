"""Moderation decisions from the command line: they show at once and are all in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from comments.extensions import db
from comments.models import AuditEvent
from tests.factories import post, post_ok, read


def _counts(client) -> int:
    answer = client.get("/api/v1/counts", query_string={"site": "news", "thread": "story-1"})
    return answer.get_json()["counts"]["story-1"]


def _events(app) -> list[tuple[str, str | None, dict, dict]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(e.action, e.reason, e.before, e.after) for e in rows]


def test_approving_held_comments_shows_them_at_once_and_records_who(runner, app, client, site):
    runner.invoke(args=["site", "update", "news", "--moderation", "pre"])
    first, second = post_ok(client, body="one"), post_ok(client, body="two")
    assert read(client)["comments"] == [] and _counts(client) == 0
    listing = runner.invoke(args=["queue", "--site", "news"]).output
    assert f"{second['id']}\tpending\tstory-1\t" in listing
    assert "appear after a moderator has approved them" in listing

    result = runner.invoke(args=["comment", "approve", str(first["id"]), str(second["id"])])
    assert result.exit_code == 0, result.output
    assert [c["id"] for c in read(client)["comments"]] == [second["id"], first["id"]]
    assert _counts(client) == 2
    events = _events(app)
    assert [e[0] for e in events] == ["comment.approved", "comment.approved"]
    assert events[0][2] == {"status": "pending"} and events[0][3] == {"status": "approved"}
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.actor)).startswith("cli:")


def test_reject_with_a_reason_then_restore_brings_it_back(runner, app, client, site):
    comment = post_ok(client)
    assert (
        runner.invoke(args=["comment", "reject", str(comment["id"]), "--reason", "abuse"]).exit_code
        == 0
    )
    assert read(client)["comments"] == [] and _counts(client) == 0
    assert runner.invoke(args=["queue", "--status", "rejected"]).output.startswith(
        str(comment["id"])
    )
    assert runner.invoke(args=["comment", "restore", str(comment["id"])]).exit_code == 0
    assert [c["id"] for c in read(client)["comments"]] == [comment["id"]]
    assert [(e[0], e[1]) for e in _events(app)] == [
        ("comment.rejected", "abuse"),
        ("comment.approved", None),
    ]


def test_restore_of_a_held_comment_that_was_deleted_holds_it_again(runner, app, client, site):
    runner.invoke(args=["site", "update", "news", "--moderation", "pre"])
    held = post_ok(client)
    runner.invoke(args=["comment", "delete", str(held["id"])])
    runner.invoke(args=["comment", "restore", str(held["id"])])
    assert runner.invoke(args=["queue"]).output.startswith(f"{held['id']}\tpending")


def test_a_bad_id_among_several_changes_nothing(runner, app, client, site):
    comment = post_ok(client)
    result = runner.invoke(args=["comment", "spam", str(comment["id"]), "999999"])
    assert result.exit_code != 0 and "999999" in result.output
    assert [c["id"] for c in read(client)["comments"]] == [comment["id"]]
    assert _events(app) == []


def test_restore_refuses_a_comment_that_was_never_removed(runner, client, site):
    comment = post_ok(client)
    result = runner.invoke(args=["comment", "restore", str(comment["id"])])
    assert result.exit_code != 0 and "nothing to restore" in result.output


def test_a_decision_on_a_reply_moves_its_parents_counts(runner, client, site):
    root = post_ok(client)
    reply = post(client, parent_id=root["id"]).get_json()["comment"]
    runner.invoke(args=["comment", "delete", str(reply["id"])])
    shown = read(client)["comments"][0]
    assert shown["reply_count"] == 0 and shown["replies_total"] == 0 and shown["replies"] == []
