"""The widget's own thread keys (pages without data-thread) follow the shared table."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import SITE
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CASES = json.loads(
    (Path(__file__).parent.parent / "data" / "thread_keys.json").read_text(encoding="utf-8")
)["cases"]


def asked_thread(request) -> str:
    """The thread key a listing request asked for."""
    return parse_qs(urlsplit(request.url).query)["thread"][0]


def listing(request) -> bool:
    return "/api/v1/comments?" in request.url


def test_widget_computes_the_keys_of_the_shared_table(page, host):
    container = f'<div id="comments" data-site="{SITE}"></div>'
    script = f'<script src="{host.service_url}/static/embed.js" async></script>'
    page.goto(host.add(container + script))
    expect(page.locator("#comments .empty")).to_be_visible()
    keys = {}
    for case in CASES:
        with page.expect_request(listing) as asked:
            page.evaluate("url => Comments.init({url})", case["url"])
        keys[case["url"]] = asked_thread(asked.value)
    assert keys == {case["url"]: case["key"] for case in CASES}


def test_a_shared_link_without_a_canonical_finds_the_articles_thread(page, service, host):
    container = f'<div id="comments" data-site="{SITE}"></div>'
    script = f'<script src="{host.service_url}/static/embed.js" async></script>'
    url = host.add(container + script)
    path = urlsplit(url).path
    service.post(f"{path}?id=5", "On article five")
    service.post(f"{path}?id=6", "On article six")
    with page.expect_request(listing) as asked:
        page.goto(f"{url}?utm_source=newsletter&id=5&fbclid=abc#comments")
    assert asked_thread(asked.value) == f"{path}?id=5"
    expect(page.locator("#comments .tx")).to_have_text("On article five")


def test_the_canonical_link_loses_its_tracking_parameters_too(page, host):
    canonical = f"{host.origin}/article.php?utm_medium=social&id=123"
    container = f'<div id="comments" data-site="{SITE}"></div>'
    script = f'<script src="{host.service_url}/static/embed.js" async></script>'
    url = host.add(container + script, head=f'<link rel="canonical" href="{canonical}">')
    with page.expect_request(listing) as asked:
        page.goto(url + "?id=999")
    assert asked_thread(asked.value) == "/article.php?id=123"
    expect(page.locator("#comments .empty")).to_be_visible()
