"""Rate limits: problem JSON with Retry-After, shared through Redis, not dodged by headers."""

from __future__ import annotations

import os

import pytest

from tests.factories import post

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
