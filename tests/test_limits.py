"""Rate limits: problem JSON with Retry-After, shared through Redis, not dodged by headers."""

from __future__ import annotations

import os

import pytest

from comments import moderation
from tests.factories import post, post_ok

LIMITED = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_POST": "3 per minute",
    "RATELIMIT_POST_THREAD": "100 per minute",
}


def test_fourth_post_in_a_minute_is_429_with_retry_after(app_factory, site):
    client = app_factory(**LIMITED).test_client()
    for _ in range(3):
        assert post(client).status_code == 201
    response = post(client)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "rate_limited"
    assert 0 < problem["retry_after"] <= 60
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "try again" in problem["detail"]


def test_refused_posts_do_not_use_up_the_limit(app_factory, site):
    client = app_factory(**LIMITED).test_client()
    for _ in range(5):
        assert post(client, body="").status_code == 422
    assert post(client).status_code == 201


def test_posts_refused_for_the_form_leave_the_whole_limit(app_factory, site):
    client = app_factory(
        RATELIMIT_ENABLED=True, RATELIMIT_POST="5 per minute", RATELIMIT_POST_THREAD="9 per minute"
    ).test_client()
    first = post_ok(client, body="Said once.", author={"name": "Ann"})
    bad = [
        {"body": ""},
        {"body": "[](https://news.example/)"},
        {"url": "https://elsewhere.example/story-1"},
        {"parent_id": 999},
        {"body": "Said once.", "author": {"name": "Ann"}},
        {"site": "nowhere"},
    ]
    statuses = [post(client, **overrides).status_code for overrides in bad + bad[:4]]
    assert statuses == [422, 422, 422, 422, 409, 404, 422, 422, 422, 422]
    assert [post(client).status_code for _ in range(4)] == [201] * 4
    assert post(client).status_code == 429
    assert first["id"] == 1


def test_refused_by_one_limit_counts_against_none(app_factory, site):
    client = app_factory(
        RATELIMIT_ENABLED=True, RATELIMIT_POST="3 per minute", RATELIMIT_POST_THREAD="1 per minute"
    ).test_client()
    assert post(client, thread="a", url="https://news.example/a").status_code == 201
    for _ in range(3):
        # Refused by the per-thread limit: the per-client limit keeps its places.
        assert post(client, thread="a", url="https://news.example/a").status_code == 429
    assert post(client, thread="b", url="https://news.example/b").status_code == 201
    assert post(client, thread="c", url="https://news.example/c").status_code == 201
    assert post(client, thread="d", url="https://news.example/d").status_code == 429


def test_a_post_that_fails_while_storing_does_not_count(app_factory, site, monkeypatch):
    client = app_factory(**LIMITED).test_client()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(moderation, "set_status", broken)
        for _ in range(3):
            with pytest.raises(RuntimeError):
                post(client)
    assert [post(client).status_code for _ in range(4)] == [201, 201, 201, 429]


def test_limits_off_means_off(app_factory, site):
    app = app_factory(
        RATELIMIT_ENABLED=False,
        RATELIMIT_POST="1 per minute",
        RATELIMIT_POST_THREAD="1 per minute",
        RATELIMIT_EDIT="1 per minute",
        RATELIMIT_READ="1 per minute",
    )
    client = app.test_client()
    comments = [_posted(client) for _ in range(3)]
    for posted in comments:
        assert _edit(client, posted).status_code == 200
        assert _edit(client, posted, body="Again.").status_code == 200
    assert client.get("/api/v1/counts?site=news&thread=story-1").status_code == 200
    assert client.get("/api/v1/counts?site=news&thread=story-1").status_code == 200


def test_per_thread_limit(app_factory, site):
    client = app_factory(
        RATELIMIT_ENABLED=True,
        RATELIMIT_POST="100 per minute",
        RATELIMIT_POST_THREAD="2 per minute",
    ).test_client()
    assert post(client).status_code == 201
    assert post(client).status_code == 201
    assert post(client).status_code == 429
    other = post(client, thread="story-2", url="https://news.example/story-2")
    assert other.status_code == 201


def test_reads_are_limited_generously(app_factory, site):
    client = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_READ="5 per minute").test_client()
    for _ in range(5):
        assert client.get("/api/v1/counts?site=news&thread=a").status_code == 200
    response = client.get("/api/v1/counts?site=news&thread=a")
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"


def test_forged_forwarded_for_does_not_dodge_the_limit(app_factory, site):
    client = app_factory(**LIMITED).test_client()
    for i in range(3):
        assert post(client, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 201
    assert post(client, headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 429


def test_trusted_proxy_address_is_used(app_factory, site):
    client = app_factory(TRUSTED_PROXIES=1, **LIMITED).test_client()
    for _ in range(3):
        # The client forges a first entry; the proxy appends the real address.
        headers = {"X-Forwarded-For": "1.2.3.4, 203.0.113.7"}
        assert post(client, headers=headers).status_code == 201
    assert post(client, headers={"X-Forwarded-For": "9.9.9.9, 203.0.113.7"}).status_code == 429
    assert post(client, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 201


def test_429_is_readable_cross_origin(app_factory, site):
    client = app_factory(**LIMITED).test_client()
    headers = {"Origin": "https://news.example"}
    for _ in range(3):
        post(client, headers=headers)
    response = post(client, headers=headers)
    assert response.status_code == 429
    assert response.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.redis
@pytest.mark.skipif(
    not os.environ.get("COMMENTS_TEST_REDIS_URL"), reason="COMMENTS_TEST_REDIS_URL is not set"
)
def test_two_instances_share_limits_through_redis(app_factory, site):
    prefix = f"shared-{os.getpid()}-{id(site)}"
    one = app_factory(RATELIMIT_KEY_PREFIX=prefix, **LIMITED).test_client()
    two = app_factory(RATELIMIT_KEY_PREFIX=prefix, **LIMITED).test_client()
    assert post(one).status_code == 201
    assert post(two).status_code == 201
    assert post(one).status_code == 201
    # The fourth post counts against the same client whichever instance takes it.
    assert post(two).status_code == 429


def test_accepted_answers_carry_no_retry_after(app_factory, site):
    client = app_factory(**LIMITED).test_client()
    response = post(client)
    assert response.status_code == 201
    assert "Retry-After" not in response.headers
    assert response.headers["X-RateLimit-Limit"]


EDITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_EDIT": "10 per minute"}


def _posted(client) -> dict:
    response = post(client)
    assert response.status_code == 201
    return response.get_json()  # type: ignore[no-any-return]


def _edit(client, posted: dict, body: str = "Changed.", token: str | None = None):
    token = token if token is not None else posted["edit_token"]
    return client.patch(
        f"/api/v1/comments/{posted['comment']['id']}",
        json={"body": body},
        headers={"X-Edit-Token": token},
    )


def _delete(client, posted: dict):
    return client.delete(
        f"/api/v1/comments/{posted['comment']['id']}",
        headers={"X-Edit-Token": posted["edit_token"]},
    )


def test_eleventh_edit_in_a_minute_is_429(app_factory, site):
    client = app_factory(**EDITS).test_client()
    posted = _posted(client)
    for i in range(10):
        assert _edit(client, posted, f"Version {i}.").status_code == 200
    response = _edit(client, posted, "One more time.")
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "rate_limited"
    assert problem["title"] == "Too Many Requests"
    assert 0 < problem["retry_after"] <= 60
    assert response.headers["Retry-After"] == str(problem["retry_after"])
    assert response.headers["X-RateLimit-Limit"] == "10"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert f"try again in {problem['retry_after']} seconds" in problem["detail"]
    page = client.get("/api/v1/comments?site=news&thread=story-1").get_json()
    assert page["comments"][0]["html"] == "<p>Version 9.</p>"


def test_deletes_share_the_edit_limit(app_factory, site):
    client = app_factory(
        RATELIMIT_ENABLED=True, RATELIMIT_EDIT="3 per minute", RATELIMIT_POST="9 per minute",
        RATELIMIT_POST_THREAD="9 per minute",
    ).test_client()  # fmt: skip
    first, second, third = _posted(client), _posted(client), _posted(client)
    assert _edit(client, first).status_code == 200
    assert _delete(client, second).status_code == 204
    assert _delete(client, first).status_code == 204
    assert _delete(client, third).status_code == 429
    assert _edit(client, third).status_code == 429
    page = client.get("/api/v1/comments?site=news&thread=story-1").get_json()
    assert [c["id"] for c in page["comments"]] == [third["comment"]["id"]]


def test_wrong_tokens_count_malformed_edits_do_not(app_factory, site):
    client = app_factory(
        RATELIMIT_ENABLED=True, RATELIMIT_EDIT="3 per minute", RATELIMIT_READ="100 per minute"
    ).test_client()
    posted = _posted(client)
    for _ in range(3):
        response = client.patch(
            f"/api/v1/comments/{posted['comment']['id']}",
            data="not json",
            headers={"X-Edit-Token": posted["edit_token"], "Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert _edit(client, posted, body="").status_code == 422
    # Guessing tokens is what the limit is for: a wrong token counts.
    assert [_edit(client, posted, token="guess").status_code for _ in range(3)] == [403] * 3
    assert _edit(client, posted).status_code == 429


def test_edits_do_not_use_up_posting(app_factory, site):
    client = app_factory(**EDITS, RATELIMIT_POST="2 per minute").test_client()
    posted = _posted(client)
    for _ in range(5):
        assert _edit(client, posted).status_code == 200
    assert post(client).status_code == 201
    assert post(client).status_code == 429


def test_forged_forwarded_for_does_not_dodge_the_edit_limit(app_factory, site):
    client = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_EDIT="2 per minute").test_client()
    posted = _posted(client)
    for i in range(2):
        headers = {"X-Edit-Token": posted["edit_token"], "X-Forwarded-For": f"10.0.0.{i}"}
        url = f"/api/v1/comments/{posted['comment']['id']}"
        assert client.patch(url, json={"body": f"Edit {i}."}, headers=headers).status_code == 200
    headers = {"X-Edit-Token": posted["edit_token"], "X-Forwarded-For": "10.9.9.9"}
    url = f"/api/v1/comments/{posted['comment']['id']}"
    assert client.patch(url, json={"body": "Edit."}, headers=headers).status_code == 429


def test_openapi_documents_429_on_every_write(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "posts" in paths["/comments"]["post"]["responses"]["429"]["description"]
    for method in ("patch", "delete"):
        described = paths["/comments/{comment_id}"][method]["responses"]["429"]["description"]
        assert "edits and deletes" in described
