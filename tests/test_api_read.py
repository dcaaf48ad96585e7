"""GET /api/v1/comments, /comments/{id}/replies and /counts."""

from __future__ import annotations

import json
import re

import pytest

from comments import posting
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Comment
from tests.factories import ORIGIN, post, post_ok, read


def _seed(app, roots: int, replies_each: int = 0, thread: str = "story-1") -> list[int]:
    """Store comments directly through the domain (fast, and counters stay right)."""
    ids = []
    policy = posting.Policy(secret="test-secret", max_links=10)
    with app.app_context(), unit_of_work():
        for r in range(roots):
            root = posting.create_comment(
                posting.NewComment(
                    site="news",
                    thread=thread,
                    url=f"{ORIGIN}/{thread}",
                    body=f"root {r}",
                    name=f"Author {r}",
                ),
                policy,
            ).comment
            ids.append(root.id)
            for i in range(replies_each):
                posting.create_comment(
                    posting.NewComment(
                        site="news",
                        thread=thread,
                        body=f"reply {r}.{i}",
                        name=f"Replier {i}",
                        parent_id=root.id,
                    ),
                    policy,
                )
    return ids


def test_thread_nobody_commented_on_is_an_empty_page(client, site):
    page = read(client, thread="never-seen")
    assert page["comments"] == [] and page["next_cursor"] is None
    assert page["thread"] == {
        "key": "never-seen",
        "url": None,
        "title": None,
        "closed": False,
        "closed_message": None,
        "comment_count": 0,
        "moderation": "post",
        "guests_allowed": True,
    }


def test_page_shows_each_comment_as_the_widget_needs_it(client, site):
    author = {"name": "Ada", "email": "ada@example.com", "website": "https://ada.example"}
    root = post_ok(client, body="Hello *there*", author=author)
    reply = post_ok(client, body="Hi Ada", author={"name": "Bob"}, parent_id=root["id"])
    response = client.get("/api/v1/comments?site=news&thread=story-1")
    assert b"ada@example.com" not in response.data and b"email" not in response.data
    page = response.get_json()
    assert (page["site"], page["sort"], page["next_cursor"]) == ("news", "newest", None)
    assert page["prev_cursor"] is None
    assert page["thread"]["comment_count"] == 2
    [shown] = page["comments"]
    assert re.fullmatch(r"[0-9a-f]{16}", shown["author"].pop("hash"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", shown.pop("created_at"))
    [shown_reply] = shown.pop("replies")
    assert shown == {
        "id": root["id"],
        "parent_id": None,
        "depth": 0,
        "html": "<p>Hello <em>there</em></p>",
        "author": {"name": "Ada", "avatar": None, "website": "https://ada.example", "badges": []},
        "edited_at": None,
        "status": "approved",
        "deleted": False,
        "votes": {"up": 0, "down": 0, "score": 0},
        "pinned": False,
        "featured": False,
        "reply_count": 1,
        "in_reply_to": None,
        "replies_total": 1,
        "replies_cursor": None,
    }
    assert shown_reply["id"] == reply["id"] and shown_reply["html"] == "<p>Hi Ada</p>"
    assert (shown_reply["parent_id"], shown_reply["depth"]) == (root["id"], 1)
    assert shown_reply["in_reply_to"] == {"id": root["id"], "name": "Ada"}
    assert shown_reply["author"]["name"] == "Bob" and shown_reply["author"]["website"] is None
    assert shown_reply["replies"] == [] and shown_reply["replies_total"] is None


def test_unknown_site_is_404(client, site):
    response = client.get("/api/v1/comments?site=nope&thread=x")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "not_found" and "nope" in problem["detail"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("newest", list(reversed(range(7)))), ("oldest", list(range(7)))],
)
def test_cursors_walk_every_root_once_in_order(app, client, site, sort, expected):
    ids = _seed(app, 7)
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = read(client, **params)
        assert len(page["comments"]) <= 3
        seen += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [ids[i] for i in expected]


def test_top_sort_orders_by_confidence(app, client, site):
    ids = _seed(app, 4)
    with app.app_context():
        for rank, comment_id in zip([500_000, 10, 900_000, 0], ids, strict=True):
            db.session.get(Comment, comment_id).confidence = rank
            db.session.get(Comment, comment_id).thread.version += 1
        db.session.commit()
    first = read(client, sort="top", limit=2)
    second = read(client, sort="top", limit=2, cursor=first["next_cursor"])
    order = [c["id"] for c in first["comments"] + second["comments"]]
    assert order == [ids[2], ids[0], ids[1], ids[3]]
    assert second["next_cursor"] is None


def test_replies_are_capped_per_root_with_a_cursor_for_the_rest(app_factory, site):
    app = app_factory(REPLIES_PER_ROOT=2)
    client = app.test_client()
    _seed(app, 1, replies_each=5)
    root = read(client)["comments"][0]
    assert root["replies_total"] == 5 and root["reply_count"] == 5
    assert [r["html"] for r in root["replies"]] == ["<p>reply 0.0</p>", "<p>reply 0.1</p>"]
    rest = client.get(f"/api/v1/comments/{root['id']}/replies?cursor={root['replies_cursor']}")
    assert rest.status_code == 200
    more = rest.get_json()
    assert [r["html"] for r in more["comments"]] == [f"<p>reply 0.{i}</p>" for i in (2, 3, 4)]
    assert more["next_cursor"] is None
    assert all(r["in_reply_to"]["id"] == root["id"] for r in more["comments"])


def test_replies_endpoint_pages_with_limit(app, client, site):
    root_id = _seed(app, 1, replies_each=5)[0]
    first = client.get(f"/api/v1/comments/{root_id}/replies?limit=2").get_json()
    second = client.get(
        f"/api/v1/comments/{root_id}/replies?limit=2&cursor={first['next_cursor']}"
    ).get_json()
    third = client.get(
        f"/api/v1/comments/{root_id}/replies?limit=2&cursor={second['next_cursor']}"
    ).get_json()
    bodies = [c["html"] for c in first["comments"] + second["comments"] + third["comments"]]
    assert bodies == [f"<p>reply 0.{i}</p>" for i in range(5)]
    assert third["next_cursor"] is None


def test_replies_of_a_reply_are_refused_clearly(app, client, site):
    root = post_ok(client)
    reply = post_ok(client, parent_id=root["id"])
    response = client.get(f"/api/v1/comments/{reply['id']}/replies")
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["code"] == "bad_request" and set(problem["errors"]) == {"id"}
    assert "top-level" in problem["detail"]
    missing = client.get("/api/v1/comments/999999/replies")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"


def test_chain_of_two_thousand_replies_reads_without_trouble(app, client, site):
    policy = posting.Policy(secret="s", max_links=3)
    with app.app_context(), unit_of_work():
        parent = None
        for i in range(2000):
            parent = posting.create_comment(
                posting.NewComment(
                    site="news",
                    thread="chain",
                    url=f"{ORIGIN}/chain",
                    body=f"link {i}",
                    name="Chain",
                    parent_id=parent.id if parent else None,
                ),
                policy,
            ).comment
        last_id = parent.id
    page = read(client, thread="chain")
    assert page["thread"]["comment_count"] == 2000
    root = page["comments"][0]
    assert root["replies_total"] == 1999
    depth, node = 0, root
    while node["replies"]:
        node, depth = node["replies"][0], depth + 1
    assert depth == 3  # REPLIES_PER_ROOT replies shown, nested as they were written
    around = read(client, thread="chain", around=last_id)
    shown = around["comments"][0]["replies"]
    assert shown[0]["id"] == last_id and shown[0]["depth"] == 1999
    assert shown[0]["in_reply_to"]["name"] == "Chain"
    assert len(json.dumps(around)) < 10_000


def test_around_returns_the_page_holding_the_comment(app, client, site):
    ids = _seed(app, 30, replies_each=1)
    page = read(client, around=ids[5], limit=10)
    assert page["comments"][0]["id"] == ids[5]
    page = read(client, around=ids[5], limit=10, sort="oldest")
    assert page["comments"][0]["id"] == ids[5]
    reply_id = page["comments"][0]["replies"][0]["id"]
    page = read(client, around=reply_id)
    assert page["comments"][0]["id"] == ids[5]
    assert page["comments"][0]["replies"][0]["id"] == reply_id


def test_around_unknown_comment_is_404(app, client, site):
    _seed(app, 2)
    response = client.get("/api/v1/comments?site=news&thread=story-1&around=99999")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    other = _seed(app, 1, thread="other")[0]
    response = client.get(f"/api/v1/comments?site=news&thread=story-1&around={other}")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_pending_comments_are_not_listed_or_counted(app_factory, site):
    client = app_factory(SPAM_MAX_LINKS=0).test_client()
    held = post(client, thread="t", url=f"{ORIGIN}/t", body="see https://a.com")
    assert held.status_code == 202
    page = read(client, thread="t")
    assert page["comments"] == [] and page["thread"]["comment_count"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "garbage!!"},
        {"cursor": "WyJuZXdlc3QiXQ"},  # a list of the wrong shape
        {"cursor": "eyJhIjoxfQ"},  # an object
        {"sort": "random"},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"around": "-1"},
        {"thread": ""},
        {"thread": "x" * 501},
    ],
)
def test_bad_query_is_a_client_error(client, site, params):
    query = {"site": "news", "thread": "story-1", **params}
    response = client.get("/api/v1/comments", query_string=query)
    assert response.status_code in (400, 422), response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]


def test_cursor_of_another_sort_is_refused(app, client, site):
    _seed(app, 3)
    cursor = read(client, limit=1)["next_cursor"]
    response = client.get(
        "/api/v1/comments",
        query_string={"site": "news", "thread": "story-1", "sort": "top", "cursor": cursor},
    )
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"cursor"}


def test_first_page_size_does_not_grow_with_the_thread(app, client, site):
    _seed(app, 25, replies_each=4, thread="small")
    small = len(client.get("/api/v1/comments?site=news&thread=small").data)
    _seed(app, 120, replies_each=8, thread="large")
    large = len(client.get("/api/v1/comments?site=news&thread=large").data)
    assert abs(large - small) < 0.1 * small


def test_counts_only_visible_comments_for_many_threads(app, client, site):
    _seed(app, 3, replies_each=1, thread="a")
    _seed(app, 1, thread="b")
    response = client.get("/api/v1/counts?site=news&thread=a&thread=b&thread=none")
    assert response.status_code == 200
    assert response.get_json() == {"counts": {"a": 6, "b": 1, "none": 0}}


def test_counts_accepts_100_threads_and_refuses_101(client, site):
    keys = [f"k{i}" for i in range(100)]
    ok = client.get("/api/v1/counts", query_string={"site": "news", "thread": keys})
    assert ok.status_code == 200 and len(ok.get_json()["counts"]) == 100
    too_many = client.get(
        "/api/v1/counts", query_string={"site": "news", "thread": [*keys, "k100"]}
    )
    assert too_many.status_code == 422
    assert "thread" in too_many.get_json()["errors"]


def test_counts_needs_a_thread(client, site):
    response = client.get("/api/v1/counts?site=news")
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "validation" and set(problem["errors"]) == {"thread"}


def test_unknown_api_route_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_found"
    response = client.delete("/api/v1/counts")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "method_not_allowed"


def test_cached_page_changes_the_moment_a_comment_lands(app, client, site):
    first = post_ok(client)
    assert [c["id"] for c in read(client)["comments"]] == [first["id"]]
    second = post_ok(client)
    assert [c["id"] for c in read(client)["comments"]] == [second["id"], first["id"]]
    reply = post_ok(client, parent_id=first["id"])
    page = read(client)
    assert page["comments"][1]["replies"][0]["id"] == reply["id"]
    assert page["thread"]["comment_count"] == 3


def test_unchanged_page_answers_304_to_its_etag(client, site):
    post_ok(client)
    url = "/api/v1/comments?site=news&thread=story-1"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    post_ok(client)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_closing_a_thread_shows_at_once(client, runner, site):
    post_ok(client)
    assert read(client)["thread"]["closed"] is False
    runner.invoke(args=["thread", "close", "news", "story-1"])
    assert read(client)["thread"]["closed"] is True


def test_moderation_mode_shows_at_once(client, runner, site):
    assert read(client)["thread"]["moderation"] == "post"
    runner.invoke(args=["site", "update", "news", "--moderation", "pre"])
    assert read(client)["thread"]["moderation"] == "pre"


def test_counts_change_the_moment_a_comment_lands_in_another_process(app, client, site, tmp_path):
    import subprocess
    import sys

    url = "/api/v1/counts?site=news&thread=story-1"
    assert client.get(url).get_json()["counts"]["story-1"] == 0
    post_ok(client)
    assert client.get(url).get_json()["counts"]["story-1"] == 1
    # A commit from another process (here: closing the thread) is seen at once too.
    page = "/api/v1/comments?site=news&thread=story-1"
    assert client.get(page).get_json()["thread"]["closed"] is False
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    script = (
        "from comments import create_app; from comments import threads;"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {database!r}, 'SECRET_KEY': 'x',"
        f" 'INSTANCE_PATH': {str(tmp_path)!r}}});"
        "ctx = app.app_context(); ctx.push()\n"
        "from comments.database import unit_of_work\n"
        "with unit_of_work(): threads.set_closed('news', 'story-1', True)"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert client.get(page).get_json()["thread"]["closed"] is True


def test_a_repeated_query_is_answered_afresh_and_a_bad_one_refused_each_time(client, site):
    bad = "/api/v1/comments?site=news&thread=story-1&limit=0"
    for _ in range(2):
        assert client.get(bad).status_code in (400, 422)
    one = "/api/v1/comments?site=news&thread=story-1&limit=1"
    assert read_url(client, one)["comments"] == []
    first = post_ok(client)
    second = post_ok(client)
    assert [c["id"] for c in read_url(client, one)["comments"]] == [second["id"]]
    two = "/api/v1/comments?site=news&thread=story-1&limit=2"
    assert [c["id"] for c in read_url(client, two)["comments"]] == [second["id"], first["id"]]
    assert [c["id"] for c in read_url(client, one)["comments"]] == [second["id"]]
    for _ in range(2):
        assert client.get(bad).status_code in (400, 422)


def read_url(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
