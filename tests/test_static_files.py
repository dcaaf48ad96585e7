"""The static files blueprint: types, caching, ETags, gzip, language fallback, traversal."""

from __future__ import annotations

import gzip
import json

import pytest

from comments import static_files
from comments.paths import STATIC_DIR


def test_embed_js_is_served_as_javascript_with_cache_headers(client):
    response = client.get("/static/embed.js")
    assert response.status_code == 200
    assert response.content_type == "text/javascript; charset=utf-8"
    assert response.data == (STATIC_DIR / "embed.js").read_bytes()
    assert response.cache_control.public
    assert response.cache_control.max_age == static_files.DEFAULT_MAX_AGE
    assert response.headers["ETag"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Accept-Encoding" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("count.js", "text/javascript; charset=utf-8"),
        ("i18n/ru.json", "application/json"),
    ],
)
def test_content_types(client, name, content_type):
    assert client.get(f"/static/{name}").content_type == content_type


def test_gzip_when_the_client_accepts_it(client):
    plain = client.get("/static/embed.js").data
    response = client.get("/static/embed.js", headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == plain
    assert int(response.headers["Content-Length"]) == len(response.data) < len(plain)


def test_no_gzip_when_the_client_refuses_it(client):
    response = client.get("/static/embed.js", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers


def test_files_are_compressed_once_not_per_request(client, monkeypatch):
    client.get("/static/embed.js", headers={"Accept-Encoding": "gzip"})
    calls = []
    monkeypatch.setattr(static_files.gzip, "compress", lambda *a, **k: calls.append(a))
    for _ in range(3):
        client.get("/static/embed.js", headers={"Accept-Encoding": "gzip"})
    assert calls == []


def test_a_changed_file_is_read_again(app, tmp_path, monkeypatch):
    (tmp_path / "x.js").write_text("one")
    monkeypatch.setattr(static_files, "STATIC_DIR", tmp_path)
    client = app.test_client()
    first = client.get("/static/x.js")
    (tmp_path / "x.js").write_text("two!")
    second = client.get("/static/x.js")
    assert (first.data, second.data) == (b"one", b"two!")
    assert first.headers["ETag"] != second.headers["ETag"]


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_etag_revalidation_answers_304(client, encoding):
    headers = {"Accept-Encoding": encoding}
    etag = client.get("/static/embed.js", headers=headers).headers["ETag"]
    response = client.get("/static/embed.js", headers={**headers, "If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


def test_versioned_url_is_immutable_for_a_year(app, client):
    with app.test_request_context():
        url = static_files.static_url("embed.js")
    assert url.startswith("/static/embed.js?v=")
    response = client.get(url)
    assert response.cache_control.immutable
    assert response.cache_control.max_age == static_files.IMMUTABLE_MAX_AGE


def test_stale_version_is_not_cached_as_immutable(client):
    response = client.get("/static/embed.js?v=000000000000")
    assert response.status_code == 200
    assert not response.cache_control.immutable
    assert response.cache_control.max_age == static_files.DEFAULT_MAX_AGE


@pytest.mark.parametrize(
    ("asked", "served"),
    [("zh-CN", "zh-CN"), ("zh", "zh-CN"), ("zh-TW", "zh-CN"), ("ru-RU", "ru"), ("de", "en")],
)
def test_language_files_fall_back_to_the_closest_language(client, asked, served):
    response = client.get(f"/static/i18n/{asked}.json")
    assert response.status_code == 200
    assert json.loads(response.data)["lang"] == served


@pytest.mark.parametrize(
    "path",
    [
        "/static/../comments/__init__.py",
        "/static/%2e%2e/comments/__init__.py",
        "/static/i18n/../../pyproject.toml",
        "/static/i18n/..%2f..%2fpyproject.toml",
        "/static/i18n/../../comments/i18n.json",
        "/static/.hidden",
        "/static/i18n",
        "/static/nothing-here.js",
        "/static//etc/passwd",
    ],
)
def test_nothing_outside_the_static_folder_is_served(client, path):
    assert client.get(path, follow_redirects=True).status_code == 404


def test_the_readable_source_is_served_beside_the_minified_widget(client):
    served = client.get("/static/embed.js").data
    source = client.get("/static/src/embed.js")
    assert source.status_code == 200
    assert source.content_type == "text/javascript; charset=utf-8"
    assert source.data == (STATIC_DIR / "src" / "embed.js").read_bytes()
    assert len(served) < len(source.data)
