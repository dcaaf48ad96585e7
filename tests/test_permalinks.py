"""Permalink pages lead both ways: to older comments and back up to the newest."""

from __future__ import annotations

import pytest

from tests.factories import post_ok, read


def _thread(client, roots: int) -> list[int]:
    ids = []
    for i in range(roots):
        ids.append(post_ok(client, body=f"root {i}")["id"])
    return ids


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_from_a_permalink_prev_cursors_reach_the_top_of_the_thread(client, site, sort):
    ids = _thread(client, 11)
    in_order = ids[::-1] if sort == "newest" else ids
    target = in_order[7]
    page = read(client, sort=sort, limit=3, around=target)
    assert page["comments"][0]["id"] == target
    seen = [c["id"] for c in page["comments"]]
    cursor = page["prev_cursor"]
    hops = 0
    while cursor:
        above = read(client, sort=sort, limit=3, cursor=cursor)
        seen = [c["id"] for c in above["comments"]] + seen
        cursor = above["prev_cursor"]
        hops += 1
    assert hops == 3  # 7 roots above the target, 3 a page
    assert seen == in_order[: len(seen)]
    assert seen[0] == in_order[0]


def test_the_first_page_has_no_prev_cursor_and_the_second_has_one(client, site):
    ids = _thread(client, 5)
    first = read(client, limit=2)
    assert first["prev_cursor"] is None
    second = read(client, limit=2, cursor=first["next_cursor"])
    back = read(client, limit=2, cursor=second["prev_cursor"])
    assert [c["id"] for c in back["comments"]] == [c["id"] for c in first["comments"]]
    assert back["prev_cursor"] is None
    assert back["next_cursor"] is not None
    assert [c["id"] for c in first["comments"]] == [ids[4], ids[3]]


def test_the_demo_case_around_an_old_root_links_back_to_newer_ones(client, site):
    # Roots 1, 4 and 6 with replies between them, as in the demo thread.
    one = post_ok(client, body="one")
    post_ok(client, body="two", parent_id=one["id"])
    post_ok(client, body="three", parent_id=one["id"])
    four = post_ok(client, body="four")
    post_ok(client, body="five", parent_id=four["id"])
    six = post_ok(client, body="six")
    page = read(client, around=one["id"] + 2)
    assert [c["id"] for c in page["comments"]] == [one["id"]]
    newer = read(client, cursor=page["prev_cursor"])
    assert [c["id"] for c in newer["comments"]] == [six["id"], four["id"]]
    assert newer["prev_cursor"] is None


def test_a_cursor_read_backwards_must_match_its_sort(client, site):
    _thread(client, 3)
    page = read(client, limit=1, cursor=read(client, limit=1)["next_cursor"])
    response = client.get(
        "/api/v1/comments",
        query_string={"site": "news", "thread": "story-1", "sort": "oldest",
                      "cursor": page["prev_cursor"]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "cursor" in response.get_json()["errors"]
