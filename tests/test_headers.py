"""Security headers: nosniff on every answer, a strict policy on every HTML page."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import ORIGIN, post, post_ok

PAGE = "/api/v1/comments?site=news&thread=story-1"


def _policy(response: TestResponse) -> dict[str, list[str]]:
    """Parse the response's Content-Security-Policy into directive -> sources."""
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def _assert_nosniff(response: TestResponse) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _assert_strict_page(response: TestResponse, frame_ancestors: str) -> None:
    _assert_nosniff(response)
    policy = _policy(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == [frame_ancestors]
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.fixture
def demo(app_factory) -> FlaskClient:
    return app_factory(DEMO=True).test_client()


def test_api_json_says_nosniff_and_keeps_its_cors(client, site):
    response = client.get(PAGE, headers={"Origin": ORIGIN})
    assert response.status_code == 200 and response.mimetype == "application/json"
    _assert_nosniff(response)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Content-Security-Policy" not in response.headers


def test_posted_comment_says_nosniff(client, site):
    response = post(client, headers={"Origin": ORIGIN})
    assert response.status_code == 201
    _assert_nosniff(response)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/comments?site=missing&thread=a", 404),
        ("GET", "/api/v1/nowhere", 404),
        ("GET", "/api/v1/comments?site=news", 422),
        ("PUT", "/api/v1/comments", 405),
    ],
)
def test_problem_answers_say_nosniff(client, site, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    _assert_nosniff(response)


def test_rate_limited_answer_says_nosniff(app_factory, site):
    client = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_READ="1 per minute").test_client()
    client.get(PAGE)
    response = client.get(PAGE)
    assert response.status_code == 429
    _assert_nosniff(response)


def test_preflight_says_nosniff(client, site):
    response = client.options(
        "/api/v1/comments",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    _assert_nosniff(response)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_unchanged_api_page_304_says_nosniff(app, client, site):
    post_ok(client)
    etag = client.get(PAGE).headers["ETag"]
    response = client.get(PAGE, headers={"If-None-Match": etag})
    assert response.status_code == 304
    _assert_nosniff(response)


@pytest.mark.parametrize("path", ["/static/embed.js", "/static/count.js", "/static/i18n/en.json"])
def test_static_files_and_their_304_say_nosniff(client, path):
    response = client.get(path)
    assert response.status_code == 200
    _assert_nosniff(response)
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    _assert_nosniff(again)


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/openapi.json", "/static/missing.js"])
def test_other_answers_say_nosniff(client, path):
    _assert_nosniff(client.get(path))


def test_front_page_is_a_strict_page_nobody_may_frame(client):
    response = client.get("/")
    assert response.status_code == 200
    _assert_strict_page(response, "'none'")
    assert _policy(response)["style-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/nowhere", "/articles/demo-article", "/section"])
def test_html_404_is_a_strict_page(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "text/html"
    _assert_strict_page(response, "'none'")


@pytest.mark.parametrize("path", ["/", "/articles/demo-transit", "/section"])
def test_demo_pages_run_scripts_only_from_the_service(demo, path):
    response = demo.get(path)
    assert response.status_code == 200
    _assert_strict_page(response, "'self'")
    policy = _policy(response)
    assert policy["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]


def test_demo_404_is_a_strict_page_too(demo):
    response = demo.get("/articles/nope")
    assert response.status_code == 404
    _assert_strict_page(response, "'none'")


class _PageParts(HTMLParser):
    """Collect a page's scripts, inline handlers and inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script = False
        self.handlers: list[str] = []
        self.javascript_urls: list[str] = []
        self.styles: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script":
            self.scripts.append(named)
            self._in_script = True
        if tag == "style":
            self.styles.append("<style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name == "style":
                self.styles.append(f"<{tag} style>")
            if value and value.strip().lower().startswith("javascript:"):
                self.javascript_urls.append(f"<{tag} {name}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


def _parts(response: TestResponse) -> _PageParts:
    parser = _PageParts()
    parser.feed(response.get_data(as_text=True))
    return parser


@pytest.mark.parametrize("path", ["/", "/articles/demo-transit", "/section"])
def test_demo_pages_scripts_are_all_external_files_of_the_service(demo, path):
    response = demo.get(path)
    parts = _parts(response)
    assert parts.scripts, "the demo page embeds the widget or the counts script"
    assert not parts.inline_script
    assert parts.handlers == [] and parts.javascript_urls == []
    for script in parts.scripts:
        src: Any = script.get("src")
        assert src and src.startswith("/static/"), script
        served = demo.get(src)
        assert served.status_code == 200 and served.mimetype == "text/javascript"
    if parts.styles:
        # The page styles itself inline; its policy must say so, or the browser drops it.
        assert "'unsafe-inline'" in _policy(response)["style-src"]


def test_front_page_needs_nothing_its_policy_forbids(client):
    parts = _parts(client.get("/"))
    assert parts.scripts == [] and parts.styles == [] and parts.handlers == []
