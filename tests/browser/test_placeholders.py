"""Placeholders, avatars and the feed link in the widget."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from conftest import run_axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOTS = "#comments .list > article"


def _post(page, body, name="Ada Reader"):
    page.get_by_label("Your comment").fill(body)
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(ROOTS).filter(has_text=name).first
    expect(mine).to_be_focused()
    return mine


def _delete(mine):
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Delete").click()


def test_deleting_ones_comment_with_replies_leaves_a_placeholder_over_them(
    page, service, host, thread_key
):
    page.goto(host.article(thread_key))
    mine = _post(page, "Start of a conversation")
    comment_id = int(mine.get_attribute("id").removeprefix("comment-"))
    reply = service.post(thread_key, "A reply to keep", name="Sam", parent_id=comment_id)
    page.reload()
    mine = page.locator(f"#comment-{comment_id}")
    expect(page.locator("#comments h2")).to_have_text("2 comments")

    _delete(mine)
    placeholder = page.locator(f"#comment-{comment_id}")
    expect(placeholder).to_contain_text("Comment deleted")
    expect(placeholder).to_be_focused()
    expect(placeholder.locator(".tx").first).to_have_text("A reply to keep")
    expect(placeholder.locator(".nm")).to_have_text(["Sam"])
    expect(placeholder.get_by_text("Start of a conversation")).to_have_count(0)
    expect(page.locator("#comments h2")).to_have_text("1 comment")
    assert run_axe(page) == []

    page.reload()
    placeholder = page.locator(f"#comment-{comment_id}")
    expect(placeholder).to_contain_text("Comment deleted")
    expect(placeholder.locator(f"#comment-{reply['id']}")).to_contain_text("A reply to keep")
    # A placeholder has no author, no avatar and no actions.
    expect(placeholder.locator(":scope > .av img")).to_have_count(0)
    expect(placeholder.get_by_role("button", name="Reply to Sam")).to_have_count(1)
    expect(placeholder.locator(":scope > div > .act")).to_have_count(0)
    expect(page.locator("#comments h2")).to_have_text("1 comment")
    assert run_axe(page) == []


def test_deleting_ones_comment_without_replies_takes_it_away(page, service, host, thread_key):
    service.post(thread_key, "Someone else's words", name="Sam")
    page.goto(host.article(thread_key))
    mine = _post(page, "Said in haste")
    _delete(mine)
    expect(page.get_by_text("Said in haste")).to_have_count(0)
    expect(page.get_by_text("Comment deleted")).to_have_count(0)
    expect(page.locator(ROOTS)).to_have_count(1)


def test_deleting_the_last_reply_under_a_placeholder_takes_both_away(
    page, service, host, thread_key
):
    root = service.post(thread_key, "To be removed", name="Sam")
    page.goto(host.article(thread_key))
    page.get_by_role("button", name="Reply to Sam").click()
    page.get_by_role("textbox", name="Reply to Sam").fill("My answer")
    page.locator(f"#comment-{root['id']}").get_by_label("Name").fill("Ada")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(f"#comment-{root['id']} .kids article")).to_be_focused()
    service.cli("comment", "reject", str(root["id"]), "--reason", "abuse")
    page.reload()
    placeholder = page.locator(f"#comment-{root['id']}")
    expect(placeholder).to_contain_text("Comment removed")
    expect(placeholder.get_by_text("To be removed")).to_have_count(0)

    reply = placeholder.locator(".kids article")
    _delete(reply)
    expect(page.locator(f"#comment-{root['id']}")).to_have_count(0)
    expect(page.locator("#comments h2")).to_be_focused()
    expect(page.locator("#comments h2")).to_have_text("0 comments")


def test_avatars_are_drawn_by_the_service(page, service, host, thread_key):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    service.post(thread_key, "With an avatar", name="Sam")
    page.goto(host.article(thread_key))
    image = page.locator(f"{ROOTS} .av img").first
    expect(image).to_have_attribute("alt", "")
    expect(image).to_have_attribute("loading", "lazy")
    expect(page.locator(f"{ROOTS} .av").first).to_have_attribute("aria-hidden", "true")
    page.wait_for_function(
        "() => { const img = document.querySelector('#comments').shadowRoot"
        ".querySelector('.av img'); return img && img.complete && img.naturalWidth > 0; }"
    )
    avatars = [url for url in requests if "/avatars/" in url]
    assert avatars and all(url.startswith(service.url + "/api/v1/avatars/") for url in avatars)
    assert all(url.startswith((service.url, host.origin)) for url in requests), requests


def test_the_feed_link_leads_to_the_threads_atom_feed(page, service, host, thread_key):
    service.post(thread_key, "In the feed", name="Sam")
    page.goto(host.article(thread_key))
    link = page.locator("#comments").get_by_role("link", name="Atom feed")
    expect(link).to_have_attribute("type", "application/atom+xml")
    href = link.get_attribute("href")
    assert href.startswith(service.url + "/api/v1/feeds/thread.atom?")
    answer = page.request.get(href)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(answer.body())
    content = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content")
    assert content.text == "<p>In the feed</p>"


def test_a_thread_nobody_commented_on_has_no_feed_link(page, host, thread_key):
    page.goto(host.article(thread_key))
    expect(page.locator("#comments h2")).to_have_text("0 comments")
    expect(page.locator("#comments").get_by_role("link", name="Atom feed")).to_have_count(0)
