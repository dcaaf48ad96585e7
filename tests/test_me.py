"""GET /me: what is personal to one reader on a thread, beside a page that is the same for all."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from comments import readers
from tests.factories import (
    ORIGIN,
    bearer,
    comment_payload,
    give_sso_secret,
    post,
    post_ok,
    sso_token,
)


def me(client, headers=None, thread="story-1"):
    return client.get(
        "/api/v1/me", query_string={"site": "news", "thread": thread}, headers=headers or {}
    )


def post_signed_in(client, token, **overrides):
    payload = comment_payload(**overrides)
    payload.pop("author")
    response = client.post("/api/v1/comments", json=payload, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["comment"]


def test_guest_without_anything_gets_an_empty_answer_never_cached(client, site):
    response = me(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_json() == {
        "user": None,
        "comments": [],
        "votes": {},
        "guests_allowed": True,
    }


def test_signed_in_reader_gets_who_they_are_their_comments_and_votes(app, client, site):
    give_sso_secret(app)
    token = sso_token(sub="5", name="Ann Signed", badges=["staff"])
    mine = post_signed_in(client, token, body="Mine")
    theirs = post_ok(client, body="Theirs")
    client.post(f"/api/v1/comments/{theirs['id']}/vote", json={"value": -1}, headers=bearer(token))
    response = me(client, bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] == {"name": "Ann Signed", "avatar": None, "badges": ["staff"]}
    assert [c["id"] for c in body["comments"]] == [mine["id"]]
    until = datetime.fromisoformat(body["comments"][0]["editable_until"].rstrip("Z"))
    created = datetime.fromisoformat(mine["created_at"].rstrip("Z"))
    assert timedelta(minutes=14) < until - created <= timedelta(minutes=15, seconds=1)
    assert body["votes"] == {str(theirs["id"]): -1}
    # Another user on the same page sees none of it.
    other = me(client, bearer(sso_token(sub="6"))).get_json()
    assert other["comments"] == [] and other["votes"] == {}


def test_guest_gets_their_own_comments_and_votes_by_reader_id(client, site):
    headers = {"X-Comments-Reader": "browser-1", "Origin": ORIGIN}
    mine = post(client, headers=headers, body="Mine").get_json()["comment"]
    theirs = post_ok(client, body="Theirs")
    client.post(f"/api/v1/comments/{theirs['id']}/vote", json={"value": 1}, headers=headers)
    body = me(client, headers).get_json()
    assert body["user"] is None
    # A guest changes a comment with its edit token, so no editable_until here.
    assert body["comments"] == [{"id": mine["id"], "editable_until": None}]
    assert body["votes"] == {str(theirs["id"]): 1}
    assert me(client, {"X-Comments-Reader": "browser-2"}).get_json()["votes"] == {}


def test_bad_token_gets_the_same_refusal_codes(app, client, site):
    give_sso_secret(app)
    expired = me(client, bearer(sso_token(exp=int(time.time()) - 3600)))
    assert expired.status_code == 401 and expired.get_json()["code"] == "sso_expired"
    forged = me(client, bearer(sso_token("not-the-secret-" + "q" * 30)))
    assert forged.get_json()["code"] == "sso_bad_signature"


def test_me_answers_cors_for_the_sites_origins_only(client, site):
    ours = me(client, {"Origin": ORIGIN})
    assert ours.headers["Access-Control-Allow-Origin"] == ORIGIN
    theirs = me(client, {"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in theirs.headers


def test_preflight_allows_the_reader_headers(client, site):
    response = client.options(
        "/api/v1/me?site=news&thread=story-1",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, x-comments-reader",
        },
    )
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "x-comments-reader" in allowed


def test_me_is_bounded_however_many_comments_and_votes(client, site, monkeypatch):
    monkeypatch.setattr(readers, "MAX_OWN_VOTES", 3)
    monkeypatch.setattr(readers, "MAX_OWN_COMMENTS", 2)
    headers = {"X-Comments-Reader": "busy", "Origin": ORIGIN}
    for i in range(3):
        post(client, headers=headers, body=f"Mine {i}")
    others = [post_ok(client, body=f"Theirs {i}")["id"] for i in range(5)]
    for comment_id in others:
        client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": 1}, headers=headers)
    body = me(client, headers).get_json()
    assert len(body["comments"]) == 2 and len(body["votes"]) == 3
    # The newest first.
    assert set(body["votes"]) == {str(i) for i in others[-3:]}


def test_me_of_an_unknown_site_is_not_found(client, site):
    response = client.get("/api/v1/me?site=nope&thread=x")
    assert response.status_code == 404
