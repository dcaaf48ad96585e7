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


SSO_SECRET = "s3cret-" + "x" * 40


def give_sso_secret(app: Flask, slug: str = "news", secret: str = SSO_SECRET) -> None:
    """Give a site an SSO secret."""
    with app.app_context(), unit_of_work():
        sites.update_site(slug, sso_secret=secret)


def sso_token(secret: str = SSO_SECRET, *, algorithm: str = "HS256", **claims: Any) -> str:
    """Return a sign-in token as a publisher's backend would sign it (exp in an hour)."""
    import time

    import jwt

    now = int(time.time())
    body: dict[str, Any] = {"sub": "u-1", "name": "Signed Sam", "iat": now, "exp": now + 3600}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, secret, algorithm=algorithm)


def bearer(token: str) -> dict[str, str]:
    """Return the headers a widget sends for a signed-in reader."""
    return {"Authorization": f"Bearer {token}", "Origin": ORIGIN}
