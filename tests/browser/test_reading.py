"""Reading a thread in the widget: rendering, sorting, paging, replies, permalinks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOTS = "#comments .list > article"


def test_thread_renders_comments_replies_times_and_avatars(page, service, host, thread_key):
    root = service.post(thread_key, "Hello **world**", name="Sam Okafor")
    service.post(thread_key, "A reply", name="王小明", parent_id=root["id"])
    page.goto(host.article(thread_key))

    widget = page.locator("#comments")
    expect(widget.locator("h2")).to_have_text("2 comments")
    first = widget.locator(f"#comment-{root['id']}")
    expect(first.locator(".nm").first).to_have_text("Sam Okafor")
    expect(first.locator(".tx strong").first).to_have_text("world")
    avatar = first.locator(".av img").first
    expect(avatar).to_have_attribute(
        "src", f"{service.url}/api/v1/avatars/{root['author']['hash']}.svg"
    )
    stamp = first.locator("time").first
    expect(stamp).to_have_attribute("datetime", root["created_at"])
    expect(stamp).to_have_text("just now")
    reply = first.locator(".kids article")
    expect(reply.locator(".nm")).to_have_text("王小明")
    expect(reply.locator(".av img")).to_have_attribute("loading", "lazy")


def test_reader_text_is_shown_as_text_never_as_html(page, service, host, thread_key):
    service.post(thread_key, "Plain", name='<img src=x onerror="window.pwned=1">')
    page.goto(host.article(thread_key))
    name = page.locator("#comments .nm")
    expect(name).to_have_text('<img src=x onerror="window.pwned=1">')
    assert page.locator("#comments .meta img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_empty_thread_invites_the_first_comment(page, host, thread_key):
    page.goto(host.article(thread_key))
    expect(page.locator("#comments h2")).to_have_text("0 comments")
    expect(page.locator("#comments .empty")).to_have_text(
        "No comments yet. Start the conversation."
    )


def test_switching_sort_reorders_and_keeps_the_draft(page, service, host, thread_key):
    posted = [service.post(thread_key, f"Comment {n}") for n in range(3)]
    # Top is neither newest nor oldest first.
    service.set_scores({posted[0]["id"]: 5, posted[1]["id"]: 20, posted[2]["id"]: 1})
    page.goto(host.article(thread_key))
    roots = page.locator(f"{ROOTS} > div > .tx")
    expect(roots).to_have_text(["Comment 2", "Comment 1", "Comment 0"])
    page.get_by_label("Your comment").fill("My half-written thought")

    page.get_by_role("button", name="Oldest").click()
    expect(roots).to_have_text(["Comment 0", "Comment 1", "Comment 2"])
    expect(page.get_by_role("button", name="Oldest")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("Your comment")).to_have_value("My half-written thought")

    page.get_by_role("button", name="Top").click()
    expect(page.get_by_role("button", name="Top")).to_have_attribute("aria-pressed", "true")
    expect(roots).to_have_text(["Comment 1", "Comment 0", "Comment 2"])
    expect(page.get_by_label("Your comment")).to_have_value("My half-written thought")


def test_load_more_comments_follows_the_cursor(page, service, host, thread_key):
    for n in range(23):
        service.post(thread_key, f"Comment {n}")
    page.goto(host.article(thread_key))
    expect(page.locator(ROOTS)).to_have_count(20)
    more = page.get_by_role("button", name="Load more comments")
    more.click()
    expect(page.locator(ROOTS)).to_have_count(23)
    expect(more).to_be_hidden()
    expect(page.locator(f"{ROOTS} > div > .tx").last).to_have_text("Comment 0")
    # Focus moves to the first comment that arrived, so keyboard readers carry on there.
    expect(page.locator(ROOTS).nth(20)).to_be_focused()
    expect(page.locator("#comments [aria-live]")).to_have_text("3 more comments loaded.")


def test_show_more_replies_fetches_the_rest_of_the_subtree(page, service, host, thread_key):
    root = service.post(thread_key, "Root")
    for n in range(8):
        service.post(thread_key, f"Reply {n}", parent_id=root["id"])
    shown = service.app.config["REPLIES_PER_ROOT"]
    page.goto(host.article(thread_key))
    replies = page.locator(f"#comment-{root['id']} .kids article")
    expect(replies).to_have_count(shown)
    more = page.get_by_role("button", name=f"Show {8 - shown} more replies")
    more.click()
    expect(replies).to_have_count(8)
    expect(replies.locator(".tx")).to_have_text([f"Reply {n}" for n in range(8)])
    expect(more).to_have_count(0)


def test_deep_replies_sit_flat_with_in_reply_to(page, service, host, thread_key):
    parent = service.post(thread_key, "Level 0", name="Author0")
    for level in range(1, 6):
        parent = service.post(
            thread_key, f"Level {level}", name=f"Author{level}", parent_id=parent["id"]
        )
    page.goto(host.article(thread_key))
    page.get_by_role("button", name=re.compile("Show .* more repl")).click()
    for level in range(1, 6):
        node = page.locator("article", has=page.locator(".tx", has_text=f"Level {level}")).last
        # Indentation stops at level 3: the reply sits inside as many articles as its level.
        nesting = min(level, 3)
        assert (
            node.evaluate(
                "el => { let n = 0; for (let p = el.parentElement; p; p = p.parentElement)"
                " if (p.tagName === 'ARTICLE') n++; return n; }"
            )
            == nesting
        )
        label = node.locator(":scope > div > .meta > span", has_text="in reply to")
        if level > 3:
            expect(label).to_have_text(f"in reply to Author{level - 1}")
        else:
            expect(label).to_have_count(0)


def test_permalink_loads_the_page_holding_the_comment_and_highlights_it(
    page, service, host, thread_key
):
    old = service.post(thread_key, "The one we link to")
    for n in range(25):
        service.post(thread_key, f"Later comment {n}")
    page.goto(host.article(thread_key) + f"#comment-{old['id']}")
    target = page.locator(f"#comment-{old['id']}")
    expect(target).to_have_class(re.compile(r"\bhl\b"))
    expect(target).to_be_in_viewport()
    expect(target).to_be_focused()
    link = target.locator("a.tm")
    expect(link).to_have_attribute("href", re.compile(f"#comment-{old['id']}$"))


def test_permalink_to_a_deep_reply_beyond_the_first_replies(page, service, host, thread_key):
    root = service.post(thread_key, "Root")
    replies = [service.post(thread_key, f"Reply {n}", parent_id=root["id"]) for n in range(9)]
    for n in range(21):
        service.post(thread_key, f"Later {n}")
    wanted = replies[7]
    page.goto(host.article(thread_key) + f"#comment-{wanted['id']}")
    target = page.locator(f"#comment-{wanted['id']}")
    expect(target).to_have_class(re.compile(r"\bhl\b"))
    expect(target).to_be_in_viewport()


def test_following_a_permalink_on_the_page_highlights_without_reload(
    page, service, host, thread_key
):
    first = service.post(thread_key, "First")
    service.post(thread_key, "Second")
    page.goto(host.article(thread_key))
    page.locator(f"#comment-{first['id']} a.tm").click()
    expect(page.locator(f"#comment-{first['id']}")).to_have_class(re.compile(r"\bhl\b"))
    assert page.url.endswith(f"#comment-{first['id']}")


def test_failed_load_offers_a_retry(page, console, service, host, thread_key):
    console.allow("ERR_FAILED")
    service.post(thread_key, "Here after all")
    listing = re.compile(r"/api/v1/comments\?")
    page.route(listing, lambda route: route.abort())
    page.goto(host.article(thread_key))
    note = page.get_by_role("alert")
    expect(note).to_contain_text("The comments could not be loaded.")
    page.unroute(listing)
    note.get_by_role("button", name="Try again").click()
    expect(page.locator("#comments .tx")).to_have_text("Here after all")


def test_from_an_early_permalink_the_reader_reaches_the_newest_comment(
    page, service, host, thread_key
):
    posted = [service.post(thread_key, f"Comment {n}") for n in range(200)]
    early = posted[5]
    page.goto(host.article(thread_key) + f"#comment-{early['id']}")
    expect(page.locator(f"#comment-{early['id']}")).to_be_focused()
    texts = page.locator(f"{ROOTS} > div > .tx")
    newer = page.get_by_role("button", name="Show newer comments")
    clicks = 0
    while newer.is_visible():
        shown = texts.count()
        newer.click()
        expect(texts).not_to_have_count(shown)
        # The first comment that arrived gets the focus, above those shown before.
        expect(page.locator(ROOTS).first).to_be_focused()
        clicks += 1
        assert clicks <= 10, "the newer comments never ran out"
    expect(newer).to_be_hidden()
    expect(texts.first).to_have_text("Comment 199")
    shown = texts.all_inner_texts()
    # Newest first, each comment once, from the newest down past the permalinked one.
    assert shown == [f"Comment {n}" for n in range(199, 199 - len(shown), -1)]
    assert "Comment 5" in shown
    expect(page.locator(f"#comment-{early['id']}")).to_have_class(re.compile(r"\bhl\b"))


def test_the_first_page_offers_no_newer_comments(page, service, host, thread_key):
    for n in range(25):
        service.post(thread_key, f"Comment {n}")
    page.goto(host.article(thread_key))
    expect(page.locator(f"{ROOTS} > div > .tx").first).to_have_text("Comment 24")
    expect(page.get_by_role("button", name="Show newer comments")).to_be_hidden()
    page.get_by_role("button", name="Load more comments").click()
    expect(page.locator(ROOTS)).to_have_count(25)
    expect(page.get_by_role("button", name="Show newer comments")).to_be_hidden()


def test_oldest_first_permalink_offers_the_previous_comments(page, service, host, thread_key):
    posted = [service.post(thread_key, f"Comment {n}") for n in range(30)]
    page.goto(host.article(thread_key, sort="oldest") + f"#comment-{posted[25]['id']}")
    expect(page.locator(f"#comment-{posted[25]['id']}")).to_be_focused()
    previous = page.get_by_role("button", name="Show previous comments")
    for _ in range(3):
        if previous.is_hidden():
            break
        previous.click()
        expect(page.locator("#comments .newer")).not_to_have_text("Loading…")
    expect(previous).to_be_hidden()
    expect(page.locator(f"{ROOTS} > div > .tx").first).to_have_text("Comment 0")
    texts = page.locator(f"{ROOTS} > div > .tx").all_inner_texts()
    assert texts == [f"Comment {n}" for n in range(len(texts))]
