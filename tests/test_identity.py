"""Guests: what readers see is what was given with each comment; nobody takes over anybody."""

from __future__ import annotations

from sqlalchemy import func, select

from comments.extensions import db
from comments.models import Author
from tests.factories import post_ok, read


def _authors(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Author.id)))


def test_a_second_ann_changes_nothing_shown_on_the_first_anns_comments(app, client, site):
    first = post_ok(client, body="Mine", author={"name": "Ann", "website": "https://ann.example/"})
    impostor = client.post(
        "/api/v1/comments",
        json={
            "site": "news",
            "thread": "story-1",
            "body": "Not hers",
            "author": {"name": "Ann", "website": "https://evil.example/"},
        },
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert impostor.status_code == 201
    shown = {c["id"]: c["author"] for c in read(client)["comments"]}
    assert shown[first["id"]]["website"] == "https://ann.example/"
    assert shown[first["id"]]["name"] == "Ann"
    assert shown[impostor.get_json()["comment"]["id"]]["website"] == "https://evil.example/"
    assert _authors(app) == 2  # grouped apart: same name, other client, no email


def test_same_email_groups_comments_but_each_shows_what_it_was_given(app, client, site):
    one = post_ok(client, author={"name": "Ann", "email": "ann@example.com"})
    two = post_ok(
        client,
        author={"name": "Ann B.", "email": "ANN@example.com", "website": "https://b.example/"},
    )
    shown = {c["id"]: c["author"] for c in read(client)["comments"]}
    assert shown[one["id"]] == {**shown[one["id"]], "name": "Ann", "website": None}
    assert shown[two["id"]]["name"] == "Ann B."
    assert shown[two["id"]]["website"] == "https://b.example/"
    assert _authors(app) == 1


def test_guest_identities_are_keyed_never_a_plain_digest_of_the_email(app, client, site):
    import hashlib

    post_ok(client, author={"name": "Ann", "email": "ann@example.com"})
    with app.app_context():
        identity = db.session.scalar(select(Author.identity))
    assert "ann@example.com" not in identity
    for plain in ("ann@example.com", "ann\x00ann@example.com"):
        assert hashlib.sha256(plain.encode()).hexdigest() not in identity
