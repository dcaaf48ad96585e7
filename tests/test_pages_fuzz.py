"""Fuzz the routes outside the API: no input makes them fail with a 5xx."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
segments = st.text(min_size=1, max_size=300)


@pytest.fixture
def demo(app_factory) -> FlaskClient:
    """Return a client of an app with the demo newspaper on."""
    return app_factory(DEMO=True).test_client()


@SETTINGS
@given(key=segments)
def test_article_pages_never_fail(demo, key):
    response = demo.get("/articles/" + quote(key, safe=""))
    assert response.status_code in (200, 404, 308)


@SETTINGS
@given(name=st.lists(segments, min_size=1, max_size=4))
def test_static_files_never_fail_or_escape(client, name):
    path = "/".join(quote(part, safe="") for part in name)
    response = client.get("/static/" + path)
    assert response.status_code < 500
    if response.status_code == 200:
        assert response.headers["Content-Type"].split(";")[0] in {
            "text/javascript",
            "text/css",
            "application/json",
            "image/svg+xml",
        }


@SETTINGS
@given(query=st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=5))
def test_pages_ignore_odd_queries(demo, query):
    for path in ("/", "/section", "/healthz", "/api/v1/openapi.json"):
        assert demo.get(path, query_string=query).status_code == 200


@SETTINGS
@given(
    method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]),
    path=st.sampled_from(
        ["/", "/section", "/healthz", "/static/embed.js", "/api/v1/counts", "/api/v1/openapi.json"]
    ),
)
def test_wrong_methods_are_405(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
