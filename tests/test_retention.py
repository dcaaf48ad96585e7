"""Retention: raw client addresses go after the retention period; their keyed hashes stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from comments import identity
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Comment, utcnow
from tests import factories


def _post(client, address: str, **overrides):
    response = client.post(
        "/api/v1/comments",
        json=factories.comment_payload(**overrides),
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["comment"]["id"]


def _age(app, comment_id: int, days: int) -> None:
    with app.app_context(), unit_of_work():
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )


def _stored(app, comment_id: int) -> tuple[str | None, str | None]:
    with app.app_context():
        row = db.session.execute(
            select(Comment.remote_addr, Comment.client_key).where(Comment.id == comment_id)
        ).one()
        return row[0], row[1]


def test_purge_clears_old_addresses_keeps_recent_ones_and_every_client_key(
    app, client, runner, site
):
    old = _post(client, "203.0.113.1")
    older = _post(client, "203.0.113.2")
    recent = _post(client, "203.0.113.3")
    _age(app, old, 8)
    _age(app, older, 30)
    _age(app, recent, 6)
    keys = {cid: _stored(app, cid)[1] for cid in (old, older, recent)}

    result = runner.invoke(args=["purge", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "cleared 2 addresses older than 7 days" in result.output
    assert _stored(app, old) == (None, keys[old])
    assert _stored(app, older) == (None, keys[older])
    assert _stored(app, recent) == ("203.0.113.3", keys[recent])
    assert keys[old] == identity.client_key("test-secret", "203.0.113.1")

    again = runner.invoke(args=["purge"])
    assert again.exit_code == 0 and "cleared 0 addresses" in again.output


def test_purge_gives_comments_from_before_client_keys_their_key(app, client, runner, site):
    legacy = _post(client, "203.0.113.4")
    _age(app, legacy, 10)
    with app.app_context(), unit_of_work():
        db.session.execute(update(Comment).values(client_key=None))
    assert runner.invoke(args=["purge"]).exit_code == 0
    assert _stored(app, legacy) == (None, identity.client_key("test-secret", "203.0.113.4"))


def test_the_retention_period_is_a_setting(app_factory, site):
    app = app_factory(RETENTION_ADDRESS_DAYS=30)
    client = app.test_client()
    comment = _post(client, "203.0.113.5")
    _age(app, comment, 10)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "cleared 0 addresses older than 30 days" in result.output
    assert _stored(app, comment)[0] == "203.0.113.5"


def test_a_ban_by_address_still_holds_after_purge(app, client, runner, site):
    from comments import audit, sanctions
    from comments.models import TargetKind

    comment = _post(client, "203.0.113.6", author={"name": "Sock"})
    _age(app, comment, 9)
    key = _stored(app, comment)[1]
    assert runner.invoke(args=["purge"]).exit_code == 0
    assert _stored(app, comment)[0] is None
    with app.app_context(), unit_of_work():
        sanctions.add(1, (TargetKind.CLIENT, key), "ban", actor=audit.Actor("t"))
    response = client.post(
        "/api/v1/comments",
        json=factories.comment_payload(author={"name": "Another name"}),
        environ_base={"REMOTE_ADDR": "203.0.113.6"},
    )
    assert response.status_code == 403 and response.get_json()["code"] == "banned"


def test_purge_moves_no_page_version(app, client, runner, site):
    from comments.models import Thread

    comment = _post(client, "203.0.113.8")
    _age(app, comment, 9)
    with app.app_context():
        before = db.session.scalar(select(Thread.version))
    runner.invoke(args=["purge"])
    with app.app_context():
        assert db.session.scalar(select(Thread.version)) == before
