"""Readers' votes: one per reader per comment, tallies, the top sort, and cached pages."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from comments import audit, site_settings, threads, votes
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Comment, Vote
from tests.factories import (
    ORIGIN,
    bearer,
    comment_payload,
    give_sso_secret,
    post,
    post_ok,
    read,
    sso_token,
)

OPERATOR = audit.Actor(label="cli:test")


def guest(reader: str = "reader-a") -> dict[str, str]:
    return {"X-Comments-Reader": reader, "Origin": ORIGIN}


def vote(client, comment_id: int, value: int, headers=None, **kwargs):
    return client.post(
        f"/api/v1/comments/{comment_id}/vote",
        json={"value": value},
        headers=headers if headers is not None else guest(),
        **kwargs,
    )


def test_wilson_lower_bound_ranks_many_good_votes_above_a_few():
    assert votes.confidence(0, 0) == 0
    assert votes.confidence(40, 2) > votes.confidence(3, 0) > votes.confidence(1, 0)
    assert votes.confidence(10, 10) < votes.confidence(10, 1)
    # 1 up, 0 down: the lower bound of a 95 % interval is about 0.2065.
    assert votes.confidence(1, 0) == pytest.approx(206_549, abs=2)


def test_up_vote_counts_once_per_reader_and_can_be_taken_back(app, client, site):
    comment = post_ok(client)
    first = vote(client, comment["id"], 1)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {
        "id": comment["id"],
        "value": 1,
        "votes": {"up": 1, "down": 0, "score": 1},
    }
    assert vote(client, comment["id"], 1).get_json()["votes"] == {"up": 1, "down": 0, "score": 1}
    other = vote(client, comment["id"], -1, headers=guest("reader-b")).get_json()
    assert other["votes"] == {"up": 1, "down": 1, "score": 0}
    changed = vote(client, comment["id"], -1).get_json()
    assert changed["votes"] == {"up": 0, "down": 2, "score": -2}
    back = vote(client, comment["id"], 0).get_json()
    assert back["votes"] == {"up": 0, "down": 1, "score": -1} and back["value"] == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 1
        stored = db.session.get(Comment, comment["id"])
        assert stored.confidence == votes.confidence(0, 1)


def test_same_reader_id_from_another_address_is_another_voter(client, site):
    comment = post_ok(client)
    vote(client, comment["id"], 1)
    result = vote(client, comment["id"], 1, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert result.get_json()["votes"]["up"] == 2


def test_guest_cannot_vote_on_their_own_comment(client, site):
    own = post(client, headers=guest("me")).get_json()["comment"]
    refused = vote(client, own["id"], 1, headers=guest("me"))
    assert refused.status_code == 403 and refused.get_json()["code"] == "own_comment"
    assert vote(client, own["id"], 1, headers=guest("you")).status_code == 200


def test_signed_in_user_cannot_vote_on_their_own_comment(app, client, site):
    give_sso_secret(app)
    payload = comment_payload()
    payload.pop("author")
    token = sso_token(sub="42")
    own = client.post("/api/v1/comments", json=payload, headers=bearer(token)).get_json()
    refused = vote(client, own["comment"]["id"], 1, headers=bearer(token))
    assert refused.status_code == 403 and refused.get_json()["code"] == "own_comment"
    other = vote(client, own["comment"]["id"], 1, headers=bearer(sso_token(sub="43")))
    assert other.status_code == 200 and other.get_json()["votes"]["up"] == 1


def test_signed_in_vote_is_one_per_user_whatever_the_browser(app, client, site):
    give_sso_secret(app)
    comment = post_ok(client)
    token = sso_token(sub="7")
    vote(client, comment["id"], 1, headers={**bearer(token), "X-Comments-Reader": "one"})
    again = vote(client, comment["id"], 1, headers={**bearer(token), "X-Comments-Reader": "two"})
    assert again.get_json()["votes"]["up"] == 1


def test_vote_with_a_bad_token_is_refused_not_counted_as_a_guest(app, client, site):
    give_sso_secret(app)
    comment = post_ok(client)
    headers = {**bearer(sso_token(exp=int(time.time()) - 3600)), "X-Comments-Reader": "r"}
    refused = vote(client, comment["id"], 1, headers=headers)
    assert refused.status_code == 401 and refused.get_json()["code"] == "sso_expired"
    assert read(client)["comments"][0]["votes"]["up"] == 0


def test_vote_without_a_reader_id_is_refused(client, site):
    comment = post_ok(client)
    refused = vote(client, comment["id"], 1, headers={"Origin": ORIGIN})
    assert refused.status_code == 400 and refused.get_json()["code"] == "reader_missing"


@pytest.mark.parametrize("value", [2, "1", None, True])
def test_vote_value_must_be_one_minus_one_or_zero(client, site, value):
    comment = post_ok(client)
    refused = vote(client, comment["id"], value)
    assert refused.status_code == 422 and "value" in refused.get_json()["errors"]


def test_vote_from_a_foreign_origin_is_refused(client, site):
    comment = post_ok(client)
    headers = {"X-Comments-Reader": "r", "Origin": "https://evil.example"}
    refused = vote(client, comment["id"], 1, headers=headers)
    assert refused.status_code == 403 and refused.get_json()["code"] == "origin_refused"


def test_no_votes_on_hidden_comments_or_in_closed_threads(app, client, site):
    comment = post_ok(client)
    assert vote(client, 999_999, 1).status_code == 404
    with app.app_context(), unit_of_work():
        threads.close("news", "story-1", True, actor=OPERATOR)
    refused = vote(client, comment["id"], 1)
    assert refused.status_code == 403 and refused.get_json()["code"] == "thread_closed"


def test_guests_cannot_vote_on_a_site_for_signed_in_users_only(app, client, site):
    give_sso_secret(app)
    comment = post_ok(client)
    with app.app_context(), unit_of_work():
        site_settings.update_settings("news", {"guests": "refused"}, actor=OPERATOR)
    refused = vote(client, comment["id"], 1)
    assert refused.status_code == 403 and refused.get_json()["code"] == "sign_in_required"
    assert vote(client, comment["id"], 1, headers=bearer(sso_token())).status_code == 200


def test_votes_are_limited_per_client(app_factory, site):
    app = app_factory(
        RATELIMIT_ENABLED=True,
        RATELIMIT_VOTE="3 per minute",
        RATELIMIT_POST="100 per minute",
        RATELIMIT_POST_THREAD="100 per minute",
    )
    client = app.test_client()
    ids = [post_ok(client, body=f"Comment {i}")["id"] for i in range(4)]
    for comment_id in ids[:3]:
        assert vote(client, comment_id, 1).status_code == 200
    # Repeating a vote as it stands uses nothing up.
    assert vote(client, ids[0], 1).status_code == 200
    refused = vote(client, ids[3], 1)
    assert refused.status_code == 429 and refused.get_json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert read(client)["comments"][0]["votes"]["up"] == 0  # ids[3], newest


def test_top_sort_ranks_by_confidence_and_its_cursors_follow(app_factory, site):
    app = app_factory(VOTE_TALLY_TTL=0)
    client = app.test_client()
    ids = [post_ok(client, body=f"Comment {i}")["id"] for i in range(4)]
    # ids[0]: 1 up (0.21). ids[1]: 6 up, 1 down (0.49). ids[2]: 4 up, 1 down (0.38), above
    # ids[0] though its share is lower. ids[3]: none. A plain score would put ids[2] and
    # ids[0] the other way round only by id; a share would put ids[0] first.
    plan = {ids[0]: [1], ids[1]: [1, 1, 1, 1, 1, 1, -1], ids[2]: [1, 1, 1, 1, -1]}
    for comment_id, values in plan.items():
        for n, value in enumerate(values):
            assert vote(client, comment_id, value, headers=guest(f"r{n}")).status_code == 200
    first = read(client, sort="top", limit=2)
    second = read(client, sort="top", limit=2, cursor=first["next_cursor"])
    order = [c["id"] for c in first["comments"] + second["comments"]]
    assert order == [ids[1], ids[2], ids[0], ids[3]]
    assert second["next_cursor"] is None
    assert first["comments"][0]["votes"] == {"up": 6, "down": 1, "score": 5}


def test_votes_do_not_move_the_threads_version(app, client, site):
    comment = post_ok(client)
    with app.app_context():
        before = threads.version_of("news", "story-1")
    vote(client, comment["id"], 1)
    with app.app_context():
        after = threads.version_of("news", "story-1")
    assert after.thread_version == before.thread_version
    assert after.tally_version == (before.tally_version or 0) + 1


def test_cached_page_shows_new_tallies_only_after_the_ttl(app_factory, site):
    app = app_factory(VOTE_TALLY_TTL=3)
    client = app.test_client()
    comment = post_ok(client)
    page = client.get("/api/v1/comments?site=news&thread=story-1")
    etag = page.headers["ETag"]
    vote(client, comment["id"], 1)
    # Within the TTL: the same bytes, and a 304 for the browser that has them.
    assert read(client)["comments"][0]["votes"]["up"] == 0
    again = client.get("/api/v1/comments?site=news&thread=story-1", headers={"If-None-Match": etag})
    assert again.status_code == 304
    time.sleep(3.1)
    fresh = client.get("/api/v1/comments?site=news&thread=story-1", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert fresh.get_json()["comments"][0]["votes"]["up"] == 1


def test_new_comment_shows_at_once_with_the_latest_tallies(app_factory, site):
    app = app_factory(VOTE_TALLY_TTL=3600)
    client = app.test_client()
    comment = post_ok(client)
    read(client)
    vote(client, comment["id"], 1)
    post_ok(client, body="A second comment")
    page = read(client, sort="oldest")
    assert len(page["comments"]) == 2
    assert page["comments"][0]["votes"]["up"] == 1
