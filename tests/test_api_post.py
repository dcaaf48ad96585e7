"""POST /api/v1/comments: what is accepted, what is held, what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from comments.extensions import db
from comments.models import Author, Comment, Thread
from tests.factories import ORIGIN, comment_payload, post, post_ok, read


def _stored(app: Any) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Comment.id))),
            db.session.scalar(select(func.count(Thread.id))),
            db.session.scalar(select(func.count(Author.id))),
        )


def test_first_comment_creates_thread_and_is_visible(client, site):
    response = post(client, body="Hello *world*")
    assert response.status_code == 201
    data = response.get_json()
    assert data["held"] is False and data["reason"] is None
    assert data["comment"]["html"] == "<p>Hello <em>world</em></p>"
    assert data["comment"]["status"] == "approved"
    assert data["edit_token"]
    page = read(client)
    assert page["thread"]["comment_count"] == 1
    assert page["thread"]["title"] == "A story"
    assert [c["id"] for c in page["comments"]] == [data["comment"]["id"]]


def test_author_email_is_never_shown(client, site):
    comment = post_ok(client, author={"name": "Ann", "email": "ann@example.com"})
    assert "ann@example.com" not in str(comment)
    assert "ann@example.com" not in read(client).__repr__()
    assert len(comment["author"]["hash"]) == 16


def test_reply_nests_under_parent(client, site):
    root = post_ok(client)
    reply = post_ok(client, parent_id=root["id"])
    assert reply["parent_id"] == root["id"]
    assert reply["depth"] == 1
    assert reply["in_reply_to"] == {"id": root["id"], "name": root["author"]["name"]}
    page = read(client)
    assert page["comments"][0]["replies"][0]["id"] == reply["id"]
    assert page["comments"][0]["reply_count"] == 1


def test_reply_to_comment_in_other_thread_is_rejected(client, site):
    other = post_ok(client, thread="story-2", url=f"{ORIGIN}/story-2")
    before = _stored(client.application)
    response = post(client, parent_id=other["id"])
    assert response.status_code == 422
    assert "parent_id" in response.get_json()["errors"]
    assert _stored(client.application) == before


def test_reply_to_missing_comment_is_rejected(client, site):
    post_ok(client)
    response = post(client, parent_id=999_999)
    assert response.status_code == 422
    assert response.get_json()["errors"]["parent_id"]


@pytest.mark.parametrize(
    "key",
    [
        "x" * 500,
        "/2026/11/29/city-council-approves-park?utm=1#frag",
        "文章-42 «quotes» \"double\" 'single'",
        "emoji 🎉 and \\backslash",
        "WS61e0b3a1a310cdd39bc81ee5",
    ],
)
def test_thread_keys_are_opaque_strings(client, site, key):
    comment = post_ok(client, thread=key)
    page = read(client, thread=key)
    assert page["thread"]["key"] == key
    assert page["comments"][0]["id"] == comment["id"]


def test_thread_key_longer_than_500_is_refused(client, site):
    response = post(client, thread="x" * 501)
    assert response.status_code == 422
    assert "thread" in response.get_json()["errors"]


BAD_INPUT: list[tuple[str, dict[str, Any]]] = [
    ("body", {"body": ""}),
    ("body", {"body": "   \n\t  "}),
    ("body", {"body": "x" * 10_001}),
    ("body", {"body": 42}),
    ("body", {"body": "[](https://example.com)"}),
    ("author.name", {"author": {"name": ""}}),
    ("author.name", {"author": {"name": "   "}}),
    ("author.name", {"author": {"name": "x" * 81}}),
    ("author.name", {"author": {"name": "bell\x07"}}),
    ("author.name", {"author": {"name": "new\nline"}}),
    ("author.name", {"author": {"name": "evil\u202eeman"}}),
    ("author.name", {"author": {"name": "\u200b"}}),
    ("author.name", {"author": {"name": "\u200b\u200c\u200d\ufeff"}}),
    ("author.name", {"author": {"name": " \u2060 "}}),
    ("body", {"body": "\u200b\u200b"}),
    ("body", {"body": "\ufeff \u200d"}),
    ("author.email", {"author": {"name": "A", "email": "not-an-email"}}),
    ("author.email", {"author": {"name": "A", "email": "a@b@c"}}),
    ("author.website", {"author": {"name": "A", "website": "javascript:alert(1)"}}),
    ("author.website", {"author": {"name": "A", "website": "ftp://example.com"}}),
    ("author.website", {"author": {"name": "A", "website": "http://"}}),
    ("author", {"author": "Ann"}),
    ("author", {"author": None}),
    ("url", {"url": "https://evil.example/story-1"}),
    ("url", {"url": "javascript:alert(1)"}),
    ("url", {"url": None}),
    ("parent_id", {"parent_id": 0}),
    ("parent_id", {"parent_id": "5"}),
    ("parent_id", {"parent_id": True}),
    ("site", {"site": ""}),
    ("thread", {"thread": ""}),
    ("thread", {"thread": None}),
    ("title", {"title": "t" * 301}),
]


@pytest.mark.parametrize(("field", "change"), BAD_INPUT)
def test_invalid_input_is_refused_per_field_and_changes_nothing(client, site, field, change):
    before = _stored(client.application)
    response = post(client, **change)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "validation"
    assert field in problem["errors"], problem
    assert problem["detail"]
    assert _stored(client.application) == before


@pytest.mark.parametrize("body", ["[](https://example.com)", "[ ](https://example.com)"])
def test_body_that_sanitizes_to_nothing_is_refused(client, site, body):
    response = post(client, body=body)
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]


def test_raw_html_is_shown_as_text(client, site):
    comment = post_ok(client, body="<script>alert(1)</script>")
    assert "<script>" not in comment["html"]
    assert "&lt;script&gt;" in comment["html"]


def test_body_is_trimmed_and_ten_thousand_characters_allowed(client, site):
    body = "  " + "a" * 10_000 + "  "
    comment = post_ok(client, body=body)
    assert comment["html"] == "<p>" + "a" * 10_000 + "</p>"


def test_unknown_site_is_404(client, site):
    response = post(client, site="nope")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_first_comment_needs_url_on_site(client, site):
    response = post(client, url=None)
    assert response.status_code == 422
    assert "url" in response.get_json()["errors"]
    assert post(client, url="http://localhost:8080/x").status_code == 201


def test_later_comments_need_no_url(client, site):
    post_ok(client)
    assert post(client, url=None).status_code == 201


def test_closed_thread_refuses_comments(client, runner, site):
    post_ok(client)
    result = runner.invoke(args=["thread", "close", "news", "story-1"])
    assert result.exit_code == 0, result.output
    before = _stored(client.application)
    response = post(client)
    assert response.status_code == 403
    assert response.get_json()["code"] == "thread_closed"
    assert _stored(client.application) == before
    assert read(client)["thread"]["closed"] is True
    runner.invoke(args=["thread", "open", "news", "story-1"])
    assert post(client).status_code == 201


def test_pre_moderation_holds_comments(client, runner, site):
    runner.invoke(args=["site", "update", "news", "--moderation", "pre"])
    response = post(client)
    assert response.status_code == 202
    data = response.get_json()
    assert data["held"] is True
    assert data["comment"]["status"] == "pending"
    assert "moderator" in data["reason"]
    page = read(client)
    assert page["comments"] == [] and page["thread"]["comment_count"] == 0
    counts = client.get("/api/v1/counts", query_string={"site": "news", "thread": "story-1"})
    assert counts.get_json()["counts"]["story-1"] == 0


def test_many_links_hold_the_comment(app_factory, site):
    client = app_factory(SPAM_MAX_LINKS=2).test_client()
    body = "see https://a.com https://b.org https://c.net"
    response = post(client, body=body)
    assert response.status_code == 202
    assert "links" in response.get_json()["reason"]
    assert post(client, body="only https://a.com and https://b.org").status_code == 201


def test_same_body_twice_by_same_author_is_refused(client, site):
    author = {"name": "Ann", "email": "ann@example.com"}
    assert post(client, body="Same words", author=author).status_code == 201
    response = post(client, body="Same words", author=author)
    assert response.status_code == 409
    assert response.get_json()["code"] == "duplicate"
    # Someone else may say the same thing, and Ann may say it elsewhere.
    assert post(client, body="Same words", author={"name": "Bob"}).status_code == 201
    elsewhere = post(client, body="Same words", author=author, thread="s2", url=f"{ORIGIN}/s2")
    assert elsewhere.status_code == 201


def test_honeypot_refuses_bots(client, site):
    before = _stored(client.application)
    response = post(client, hp="http://spam.example")
    assert response.status_code == 400
    assert response.get_json()["code"] == "spam"
    assert _stored(client.application) == before
    assert post(client, hp="").status_code == 201


def test_wrong_content_type_is_415(client, site):
    response = client.post("/api/v1/comments", data="body=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("raw", ["{", "[1, 2]", "null", '"text"', "{'single': 1}", "\xff"])
def test_malformed_json_is_400(client, site, raw):
    response = client.post(
        "/api/v1/comments",
        data=raw.encode("utf-8", "surrogateescape"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "bad_json"


def test_too_large_body_is_413_before_reading(client, site):
    payload = comment_payload(body="x" * 70_000)
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "too_large"


def test_readers_get_no_cookies(client, site):
    response = post(client)
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in client.get("/api/v1/comments?site=news&thread=story-1").headers


def test_unknown_fields_are_ignored(client, site):
    comment = post_ok(client, status="approved", score=1000, html="<script>")
    assert comment["votes"]["score"] == 0
    assert "<script>" not in comment["html"]


def test_website_is_kept_for_the_author(client, site):
    comment = post_ok(client, author={"name": "Ann", "website": "https://ann.example/"})
    assert comment["author"]["website"] == "https://ann.example/"


def test_field_errors_are_sentences_a_reader_can_act_on(client, site):
    response = post(client, body="", author={"name": "", "email": "nope"})
    errors = response.get_json()["errors"]
    assert errors["body"] == "Your comment must not be empty."
    assert errors["author.name"] == "Your name must not be empty."
    assert errors["author.email"] == "Your email address is not valid."


def test_names_and_bodies_are_normalized_to_nfc(client, site):
    decomposed = "Jose\u0301"  # "José" with a combining accent
    comment = post_ok(client, body=f"Hola {decomposed}", author={"name": decomposed})
    assert comment["author"]["name"] == "Jos\u00e9"
    assert comment["html"] == "<p>Hola Jos\u00e9</p>"


def test_a_name_may_hold_joiners_between_visible_characters(client, site):
    family = "\U0001f469\u200d\U0001f467"  # an emoji sequence joined by U+200D
    assert post_ok(client, author={"name": family})["author"]["name"] == family


def test_the_response_says_until_when_the_author_may_edit(app_factory, site):
    from datetime import datetime, timedelta

    client = app_factory(EDIT_WINDOW=120).test_client()
    data = post(client).get_json()
    created = datetime.fromisoformat(data["comment"]["created_at"].rstrip("Z"))
    until = datetime.fromisoformat(data["editable_until"].rstrip("Z"))
    assert data["editable_until"].endswith("Z")
    assert until - created == timedelta(seconds=120)


def test_max_body_length_is_the_setting(app_factory, site):
    client = app_factory(MAX_BODY_LENGTH=50).test_client()
    assert post(client, body="a" * 50).status_code == 201
    response = post(client, body="b" * 51)
    assert response.status_code == 422
    assert "50" in response.get_json()["errors"]["body"]


def test_page_size_is_the_setting(app_factory, site):
    client = app_factory(PAGE_SIZE=2).test_client()
    for _ in range(3):
        post_ok(client)
    page = read(client)
    assert len(page["comments"]) == 2 and page["next_cursor"]
    assert len(read(client, limit=3)["comments"]) == 3
