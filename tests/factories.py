"""Plain test-data factories."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from comments import sites
from comments.database import unit_of_work
from comments.models import Site

ORIGIN = "https://news.example"
_names = itertools.count(1)


def make_site(
    app: Flask,
    slug: str = "news",
    origins: tuple[str, ...] = (ORIGIN, "http://localhost:8080"),
    moderation: str = "post",
) -> Site:
    """Register a site and return it."""
    with app.app_context(), unit_of_work():
        return sites.create_site(slug, name=slug.title(), origins=origins, moderation=moderation)


def comment_payload(**overrides: Any) -> dict[str, Any]:
    """Return a valid POST body; keyword arguments replace top-level fields."""
    payload: dict[str, Any] = {
        "site": "news",
        "thread": "story-1",
        "url": f"{ORIGIN}/story-1",
        "title": "A story",
        "body": f"A comment number {next(_names)}.",
        "author": {"name": f"Reader {next(_names)}"},
    }
    payload.update(overrides)
    return payload


def post(client: FlaskClient, **overrides: Any) -> TestResponse:
    """POST a comment built from :func:`comment_payload`."""
    headers = overrides.pop("headers", None) or {}
    return client.post("/api/v1/comments", json=comment_payload(**overrides), headers=headers)


def post_ok(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    """POST a comment that must be accepted; return the comment object."""
    response = post(client, **overrides)
    assert response.status_code in (201, 202), response.get_json()
    return response.get_json()["comment"]  # type: ignore[no-any-return]


def read(client: FlaskClient, thread: str = "story-1", **params: Any) -> dict[str, Any]:
    """GET a page of a thread and return its JSON (asserting a 200)."""
    response = client.get(
        "/api/v1/comments", query_string={"site": "news", "thread": thread, **params}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]
