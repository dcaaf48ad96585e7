"""Sanctions: what a banned, suspended or pre-moderated reader is told, through the API and CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from comments import audit, sanctions
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Author, Comment, SanctionKind, TargetKind, Thread, utcnow
from tests import factories

ADDRESS = "203.0.113.7"


def post(client: Any, address: str = ADDRESS, **overrides: Any) -> Any:
    """POST a comment from ``address``."""
    return client.post(
        "/api/v1/comments",
        json=factories.comment_payload(**overrides),
        environ_base={"REMOTE_ADDR": address},
    )


def author_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Author.id).where(Author.name == name))


def sanction(app, target, kind, **options: Any) -> tuple[int, int]:
    with app.app_context(), unit_of_work():
        site_id = db.session.scalar(select(Thread.site_id).limit(1)) or 1
        made, rejected = sanctions.add(site_id, target, kind, actor=audit.Actor("test"), **options)
        return made.id, rejected


def test_a_banned_reader_is_refused_with_words_and_nothing_is_stored(app, client, site):
    assert post(client, author={"name": "Troll"}).status_code == 201
    sanction(app, (TargetKind.AUTHOR, str(author_id(app, "Troll"))), SanctionKind.BAN)
    response = post(client, author={"name": "Troll"}, body="Again")
    assert response.status_code == 403
    problem = response.get_json()
    assert problem["code"] == "banned"
    assert problem["detail"] == "You can no longer comment on this site."
    assert response.mimetype == "application/problem+json"
    with app.app_context():
        assert db.session.scalar(select(Comment.id).where(Comment.body == "Again")) is None
    # Someone else from another address still posts.
    assert post(client, address="198.51.100.1", author={"name": "Ann"}).status_code == 201


def test_a_suspended_reader_is_told_until_when(app, client, site):
    assert post(client, author={"name": "Hot Head"}).status_code == 201
    target = (TargetKind.AUTHOR, str(author_id(app, "Hot Head")))
    sanction(app, target, SanctionKind.SUSPEND, days=2)
    response = post(client, author={"name": "Hot Head"})
    assert response.status_code == 403
    until = sanctions.say_date(utcnow() + timedelta(days=2))
    assert response.get_json()["code"] == "suspended"
    assert response.get_json()["detail"] == f"You can comment again on {until}."


def test_the_date_reads_like_a_date():
    from datetime import datetime

    assert sanctions.say_date(datetime(2026, 12, 3, 17, 5)) == "3 December 2026"


def test_a_pre_moderated_reader_is_held_with_the_reason_sanctioned(app, client, site):
    assert post(client, author={"name": "Edgy"}).status_code == 201
    sanction(app, (TargetKind.AUTHOR, str(author_id(app, "Edgy"))), SanctionKind.PREMODERATE)
    response = post(client, author={"name": "Edgy"})
    assert response.status_code == 202
    reasons = response.get_json()["reasons"]
    assert reasons[0]["code"] == "sanctioned"
    assert "after a moderator has approved them" in reasons[0]["message"]
    assert factories.read(client)["comments"][0]["author"]["name"] == "Edgy"  # only the first


def test_an_ended_or_lifted_sanction_no_longer_applies(app, client, site):
    assert post(client, author={"name": "Once"}).status_code == 201
    target = (TargetKind.AUTHOR, str(author_id(app, "Once")))
    sanction(app, target, SanctionKind.SUSPEND, days=1, now=utcnow() - timedelta(days=2))
    assert post(client, author={"name": "Once"}).status_code == 201
    made, _ = sanction(app, target, SanctionKind.BAN)
    assert post(client, author={"name": "Once"}).status_code == 403
    with app.app_context(), unit_of_work():
        sanctions.lift(1, made, actor=audit.Actor("test"))
    assert post(client, author={"name": "Once"}).status_code == 201


def test_a_ban_by_address_refuses_every_name_from_there(app, client, site):
    assert post(client, author={"name": "Sock 1"}).status_code == 201
    with app.app_context():
        key = db.session.scalar(select(Comment.client_key))
        assert key and ADDRESS not in key
    sanction(app, (TargetKind.CLIENT, key), SanctionKind.BAN)
    assert post(client, author={"name": "Sock 2"}).get_json()["code"] == "banned"
    assert post(client, address="198.51.100.9", author={"name": "Sock 3"}).status_code == 201


def test_banned_and_suspended_authors_cannot_edit_and_held_ones_are_held_again(app, client, site):
    first = post(client, author={"name": "Editor"}).get_json()
    token = first["edit_token"]
    target = (TargetKind.AUTHOR, str(author_id(app, "Editor")))
    made, _ = sanction(app, target, SanctionKind.PREMODERATE)
    edit = client.patch(
        f"/api/v1/comments/{first['comment']['id']}",
        json={"body": "Edited while pre-moderated"},
        headers={"X-Edit-Token": token},
    )
    assert edit.status_code == 200 and edit.get_json()["reasons"][0]["code"] == "sanctioned"
    assert factories.read(client)["comments"] == []
    sanction(app, target, SanctionKind.BAN)
    edit = client.patch(
        f"/api/v1/comments/{first['comment']['id']}",
        json={"body": "Edited while banned"},
        headers={"X-Edit-Token": token},
    )
    assert edit.status_code == 403 and edit.get_json()["code"] == "banned"
    with app.app_context():
        assert db.session.get(Comment, first["comment"]["id"]).body == "Edited while pre-moderated"


def test_ban_from_the_command_line_by_email_holds_for_any_spelling(app, client, runner, site):
    factories.make_site(app, "other")
    result = runner.invoke(
        args=["ban", "news", "--email", "Troll@Example.org", "--reason", "abuse"]
    )
    assert result.exit_code == 0, result.output
    assert "banned on news (for good)" in result.output
    author = {"name": "T", "email": "troll@example.ORG "}
    assert post(client, author=author).get_json()["code"] == "banned"
    # Other sites are not concerned.
    assert post(client, site="other", author=author).status_code == 201
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sanction.ban"))
        logged = event.one()
        assert logged.actor.startswith("cli:") and logged.reason == "abuse"
        assert "troll" not in str(logged.after).lower()


def test_ban_with_reject_recent_takes_their_comments_off_at_once(app, client, runner, site):
    mine = [post(client, author={"name": "Spammer"}).get_json()["comment"] for _ in range(3)]
    other = post(client, address="198.51.100.2", author={"name": "Ann"}).get_json()["comment"]
    with app.app_context(), unit_of_work():
        # One comment of long ago stays as it was.
        old = db.session.get(Comment, mine[0]["id"])
        old.created_at = utcnow() - timedelta(days=40)
    before = client.get("/api/v1/counts?site=news&thread=story-1").get_json()["counts"]["story-1"]
    assert before == 4
    result = runner.invoke(
        args=["ban", "news", "--author", str(author_id(app, "Spammer")), "--reject-recent"]
    )
    assert result.exit_code == 0, result.output
    assert "2 recent comments rejected" in result.output
    counts = client.get("/api/v1/counts?site=news&thread=story-1").get_json()["counts"]
    assert counts["story-1"] == 2
    shown = {c["id"] for c in factories.read(client)["comments"]}
    assert shown == {mine[0]["id"], other["id"]}
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["sanction.ban", "comment.rejected", "comment.rejected"]


def test_unban_lifts_bans_and_suspensions(app, client, runner, site):
    runner.invoke(args=["ban", "news", "--email", "t@example.org", "--days", "3"])
    assert post(client, author={"name": "T", "email": "t@example.org"}).status_code == 403
    result = runner.invoke(args=["unban", "news", "--email", "t@example.org"])
    assert result.exit_code == 0 and "lifted 1 sanctions" in result.output
    assert post(client, author={"name": "T", "email": "t@example.org"}).status_code == 201


@pytest.mark.parametrize(
    "args",
    [
        ["ban", "news"],
        ["ban", "news", "--email", "a@b.example", "--author", "1"],
        ["ban", "news", "--email", "not-an-email"],
        ["ban", "news", "--author", "1", "--days", "0"],
        ["ban", "nowhere", "--author", "1"],
    ],
)
def test_ban_refuses_bad_input_and_changes_nothing(app, runner, site, args):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id)) is None


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        (SanctionKind.SUSPEND, {}),
        (SanctionKind.SUSPEND, {"days": 0}),
        (SanctionKind.BAN, {"days": 99999}),
        (SanctionKind.SUSPEND, {"days": 3, "reject_recent": True}),
    ],
)
def test_bad_sanctions_are_refused(app, site, kind, options):
    from comments import errors

    with pytest.raises(errors.ValidationFailed):
        sanction(app, (TargetKind.AUTHOR, "1"), kind, **options)
