"""Atom feeds of a thread and of a site: valid RFC 4287, visible comments only, cacheable."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest

from tests.factories import ORIGIN, post_ok

A = "{http://www.w3.org/2005/Atom}"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _thread_feed(client, thread="story-1", **headers):
    return client.get(
        "/api/v1/feeds/thread.atom",
        query_string={"site": "news", "thread": thread},
        headers=headers,
    )


def _site_feed(client, **headers):
    return client.get("/api/v1/feeds/site.atom", query_string={"site": "news"}, headers=headers)


def _parse(response):
    """Parse a feed, checking what RFC 4287 requires of every feed and entry."""
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"]
    assert response.headers["Cache-Control"] == "public, max-age=60"
    feed = ET.fromstring(response.data)
    assert feed.tag == A + "feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(A + name) is not None, name
    assert TIME.match(feed.findtext(A + "updated"))
    assert feed.find(f"{A}link[@rel='self']").get("href").startswith("http://localhost/api/v1/")
    for entry in feed.findall(A + "entry"):
        for name in ("id", "title", "updated", "published", "author", "content"):
            assert entry.find(A + name) is not None, name
        assert entry.findtext(A + "id").startswith("tag:localhost,")
        assert entry.find(A + "content").get("type") == "html"
        assert TIME.match(entry.findtext(A + "published"))
    return feed


def test_thread_feed_lists_visible_comments_newest_first(client, runner, site):
    first = post_ok(client, body="First *one*", author={"name": "Ada", "email": "ada@example.org"})
    second = post_ok(client, parent_id=first["id"], body="A <b>reply</b>", author={"name": "Bo"})
    hidden = post_ok(client, body="Spam, spam")
    runner.invoke(args=["comment", "spam", str(hidden["id"])])

    feed = _parse(_thread_feed(client))
    assert feed.findtext(A + "title") == "Comments on A story"
    assert feed.find(f"{A}link[@rel='alternate']").get("href") == f"{ORIGIN}/story-1"
    entries = feed.findall(A + "entry")
    assert [e.findtext(f"{A}author/{A}name") for e in entries] == ["Bo", "Ada"]
    newest = entries[0]
    assert newest.findtext(A + "title") == "Bo on A story"
    assert newest.findtext(A + "id").endswith(f":comment/{second['id']}")
    link = newest.find(f"{A}link[@rel='alternate']").get("href")
    assert link == f"{ORIGIN}/story-1#comment-{second['id']}"
    assert newest.findtext(A + "content") == "<p>A &lt;b&gt;reply&lt;/b&gt;</p>"
    assert entries[1].findtext(A + "content") == "<p>First <em>one</em></p>"
    assert b"ada@example.org" not in _thread_feed(client).data
    assert b"Spam, spam" not in _thread_feed(client).data


def test_feed_answers_304_until_the_thread_changes(client, runner, site):
    comment = post_ok(client)
    etag = _thread_feed(client).headers["ETag"]
    unchanged = _thread_feed(client, **{"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == etag

    runner.invoke(args=["comment", "reject", str(comment["id"]), "--reason", "abuse"])
    changed = _thread_feed(client, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert _parse(changed).findall(A + "entry") == []


def test_site_feed_lists_every_threads_comments_and_changes_with_any(client, site):
    post_ok(client, thread="story-1", body="On one", author={"name": "Ada"})
    etag = _site_feed(client).headers["ETag"]
    post_ok(client, thread="story-2", url=f"{ORIGIN}/two", title="Two", body="On two")
    assert _site_feed(client, **{"If-None-Match": etag}).status_code == 200
    feed = _parse(_site_feed(client))
    assert feed.findtext(A + "title") == "Comments on News"
    titles = [e.findtext(A + "title") for e in feed.findall(A + "entry")]
    assert titles[1] == "Ada on A story" and titles[0].endswith(" on Two")
    again = _site_feed(client).headers["ETag"]
    assert _site_feed(client, **{"If-None-Match": again}).status_code == 304


def test_feeds_hold_the_newest_entries_only(app_factory, site):
    client = app_factory(FEED_ENTRIES=2).test_client()
    made = [post_ok(client, body=f"Number {i}")["id"] for i in range(3)]
    entries = _parse(_thread_feed(client)).findall(A + "entry")
    assert [e.findtext(A + "id").rsplit("/", 1)[1] for e in entries] == [
        str(made[2]),
        str(made[1]),
    ]


def test_thread_keys_with_any_character_have_their_feed(client, site):
    key = "/news/2026/a story?id=1&x=#frag ü"
    post_ok(client, thread=key, body="Odd key")
    feed = _parse(_thread_feed(client, thread=key))
    assert [e.findtext(A + "content") for e in feed.findall(A + "entry")] == ["<p>Odd key</p>"]


def test_text_xml_does_not_allow_is_left_out(client, site):
    post_ok(client, title="Bell \x07 story", body="Here")
    response = _thread_feed(client)
    assert b"\x07" not in response.data
    assert _parse(response).findtext(A + "title") == "Comments on Bell  story"


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("thread.atom", {"site": "nowhere", "thread": "story-1"}),
        ("thread.atom", {"site": "news", "thread": "nobody-commented"}),
        ("site.atom", {"site": "nowhere"}),
    ],
)
def test_unknown_sites_and_threads_are_a_404_problem(client, site, path, query):
    response = client.get(f"/api/v1/feeds/{path}", query_string=query)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_found"


def test_missing_parameters_are_a_422_problem(client, site):
    response = client.get("/api/v1/feeds/thread.atom", query_string={"site": "news"})
    assert response.status_code == 422 and "thread" in response.get_json()["errors"]


def test_site_feed_of_a_site_nobody_commented_on_is_empty(client, site):
    feed = _parse(_site_feed(client))
    assert feed.findall(A + "entry") == []


def test_feeds_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/feeds/thread.atom", "/feeds/site.atom"):
        ok = paths[path]["get"]["responses"]["200"]
        assert list(ok["content"]) == ["application/atom+xml"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/feeds/thread.atom", {"site": "news\x00", "thread": "story-1"}),
        ("/api/v1/feeds/site.atom", {"site": "\x00"}),
        ("/api/v1/comments", {"site": "news", "thread": "a\x00b"}),
        ("/api/v1/counts", {"site": "\x00", "thread": "0"}),
    ],
)
def test_a_nul_in_a_site_or_thread_is_refused(client, site, path, query):
    response = client.get(path, query_string=query)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) & {"site", "thread", "thread.0"}
