"""count.js on a section page: every marked element gets its thread's visible count."""

from __future__ import annotations

import pytest
from conftest import SITE
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def section(host, keys, script_attrs="", lang="en"):
    links = "".join(
        f'<li><a href="/{k}#comments" data-comments-thread="{k}">Comments</a></li>' for k in keys
    )
    src = f"{host.service_url}/static/count.js"
    tag = f'<script src="{src}" data-site="{SITE}" {script_attrs} async></script>'
    return host.add(f"<ul>{links}</ul>{tag}", title="Section", lang=lang)


def test_counts_fill_the_marked_links(page, service, host, thread_key):
    keys = [thread_key + "-a", thread_key + "-b", thread_key + "-c"]
    for _ in range(2):
        service.post(keys[0])
    service.post(keys[1])
    page.goto(section(host, keys))
    links = page.locator("[data-comments-thread]")
    expect(links).to_have_text(["2 comments", "1 comment", "0 comments"])
    expect(links.first).to_have_attribute("data-comments-count", "2")


def test_counts_use_the_script_tag_wording(page, service, host, thread_key):
    service.post(thread_key)
    service.post(thread_key + "-b")
    for _ in range(4):
        service.post(thread_key + "-b")
    attrs = 'data-one="{n} комментарий" data-few="{n} комментария" data-many="{n} комментариев"'
    page.goto(section(host, [thread_key, thread_key + "-b"], attrs, lang="ru"))
    expect(page.locator("[data-comments-thread]")).to_have_text(["1 комментарий", "5 комментариев"])


def test_counts_batch_one_request_per_hundred_threads(page, service, host, thread_key):
    keys = [f"{thread_key}-{n}" for n in range(150)]
    service.post(keys[149])
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/v1/counts" in r.url else None)
    page.goto(section(host, keys))
    expect(page.locator("[data-comments-thread]").last).to_have_text("1 comment")
    expect(page.locator("[data-comments-thread]").first).to_have_text("0 comments")
    assert len(requests) == 2
    assert sorted(r.count("&thread=") for r in requests) == [50, 100]
