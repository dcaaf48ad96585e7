"""Posting from the widget: comments, replies, held comments, errors of every kind."""

from __future__ import annotations

import re

import pytest
from conftest import PREMOD_SITE, rewrite_answers, start_service, watch
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOTS = "#comments .list > article"


def fill(page, body="My comment", name="Ada Reader", email="", website=""):
    page.get_by_label("Your comment").fill(body)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email (never shown)").fill(email)
    page.get_by_label("Website").fill(website)


def test_posted_comment_appears_in_place_focused_and_announced(page, service, host, thread_key):
    service.post(thread_key, "Earlier comment")
    page.goto(host.article(thread_key))
    expect(page.locator("#comments h2")).to_have_text("1 comment")
    fill(page, body="Hello from *the page*", website="https://ada.example")
    page.get_by_role("button", name="Post comment").click()

    mine = page.locator(ROOTS).first
    expect(mine.locator(".tx em")).to_have_text("the page")
    expect(mine.locator("a.nm")).to_have_attribute("href", "https://ada.example")
    expect(mine).to_be_focused()
    expect(page.locator("#comments [aria-live]")).to_have_text("Your comment was posted.")
    expect(page.locator("#comments h2")).to_have_text("2 comments")
    expect(page.get_by_label("Your comment")).to_have_value("")
    page.reload()
    expect(page.locator(ROOTS).first.locator(".tx")).to_have_text("Hello from the page")


def test_reply_is_written_inline_and_appears_under_its_parent(page, service, host, thread_key):
    parent = service.post(thread_key, "Parent comment", name="Sam")
    page.goto(host.article(thread_key))
    page.get_by_role("button", name="Reply to Sam").click()
    box = page.get_by_role("textbox", name="Reply to Sam")
    expect(box).to_be_focused()
    box.fill("A reply")
    page.locator(f"#comment-{parent['id']}").get_by_label("Name").fill("Ada")
    page.get_by_role("button", name="Post reply").click()

    reply = page.locator(f"#comment-{parent['id']} .kids article")
    expect(reply.locator(".tx")).to_have_text("A reply")
    expect(reply).to_be_focused()
    expect(page.get_by_role("button", name="Post reply")).to_have_count(0)
    expect(page.get_by_role("button", name="Reply to Sam")).to_have_attribute(
        "aria-expanded", "false"
    )


def test_cancelling_a_reply_returns_focus_to_its_button(page, service, host, thread_key):
    service.post(thread_key, "Parent comment", name="Sam")
    page.goto(host.article(thread_key))
    button = page.get_by_role("button", name="Reply to Sam")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("textbox", name="Reply to Sam")).to_have_count(0)
    expect(button).to_be_focused()


def test_reply_draft_survives_a_sort_switch(page, service, host, thread_key):
    service.post(thread_key, "Parent comment", name="Sam")
    page.goto(host.article(thread_key))
    page.get_by_role("button", name="Reply to Sam").click()
    page.get_by_role("textbox", name="Reply to Sam").fill("Half a reply")
    page.get_by_role("button", name="Oldest").click()
    expect(page.get_by_role("button", name="Oldest")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("textbox", name="Reply to Sam")).to_have_value("Half a reply")


def test_held_comment_is_shown_awaiting_moderation_to_its_author_only(
    page, service, host, thread_key
):
    page.goto(host.article(thread_key, site=PREMOD_SITE))
    expect(page.locator("#comments .ft")).to_contain_text("Comments appear once a moderator")
    fill(page, body="Please approve me")
    page.get_by_role("button", name="Post comment").click()

    mine = page.locator(ROOTS).first
    expect(mine.locator(".pend")).to_contain_text("Awaiting moderation")
    expect(mine.locator(".tx")).to_have_text("Please approve me")
    expect(page.locator("#comments [aria-live]")).to_have_text(
        "Your comment is awaiting moderation."
    )
    expect(page.locator("#comments h2")).to_have_text("0 comments")
    page.reload()
    expect(page.locator("#comments .empty")).to_be_visible()
    expect(page.get_by_text("Please approve me")).to_have_count(0)


def test_held_comment_shows_the_reason(page, service, host, thread_key):
    links = " ".join(
        f"https://example.com/{n}" for n in range(service.app.config["SPAM_MAX_LINKS"] + 1)
    )
    page.goto(host.article(thread_key))
    fill(page, body=f"Look: {links}")
    page.get_by_role("button", name="Post comment").click()
    notice = page.locator(f"{ROOTS} .pend").first
    expect(notice).to_contain_text("Awaiting moderation")
    assert len(notice.inner_text()) > len(
        "Awaiting moderation: only you can see this until a moderator approves it."
    )


def test_held_comment_reasons_are_worded_in_the_readers_language(page, service, host, thread_key):
    limit = service.app.config["SPAM_MAX_LINKS"]
    links = " ".join(f"https://example.com/{n}" for n in range(limit + 2))
    page.goto(host.article(thread_key, site=PREMOD_SITE, lang="ru"))
    page.get_by_label("Ваш комментарий").fill(f"Ссылки: {links}")
    page.get_by_label("Имя").fill("Аня")
    page.get_by_role("button", name="Отправить").click()
    notice = page.locator(f"{ROOTS} .pend").first
    expect(notice).to_contain_text(
        "На этом сайте комментарии появляются после одобрения модератором."
    )
    expect(notice).to_contain_text(
        f"Ссылок в комментарии: {limit + 2}. Комментарии, где их больше {limit}, появляются"
    )
    expect(notice).not_to_contain_text("moderator")


def test_a_reason_the_widget_has_no_words_for_is_shown_in_the_services(page, host, thread_key):
    def unknown_reason(data):
        data["held"] = True
        data["comment"]["status"] = "pending"
        data["reasons"] = [{"code": "new_kind", "params": {}, "message": "A new kind of check."}]

    rewrite_answers(page, "POST", unknown_reason)
    page.goto(host.article(thread_key))
    fill(page, body="Check me")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(f"{ROOTS} .pend").first).to_have_text(
        "Awaiting moderation: only you can see this until a moderator approves it."
        " A new kind of check."
    )


def test_validation_errors_show_next_to_their_fields(page, console, host, thread_key):
    console.allow("status of 422")
    page.goto(host.article(thread_key))
    fill(page, body="", name="", email="not-an-address")
    page.get_by_role("button", name="Post comment").click()

    for label in ("Your comment", "Name", "Email (never shown)"):
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_attribute("aria-invalid", "true")
        message = page.locator("#" + field.get_attribute("aria-describedby").split()[-1])
        expect(message).not_to_be_empty()
    expect(page.get_by_label("Your comment")).to_be_focused()
    expect(page.get_by_label("Website")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#comments form .msg")).to_have_text("Please correct the marked fields.")

    fill(page, body="Now it is right")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(ROOTS).first.locator(".tx")).to_have_text("Now it is right")
    expect(page.get_by_label("Name")).not_to_have_attribute("aria-invalid", "true")


def test_rate_limited_post_says_when_to_try_again(browser, host, console, tmp_path, thread_key):
    limited = start_service(
        tmp_path, host.origin, RATELIMIT_ENABLED=True, RATELIMIT_POST="2 per minute"
    )
    try:
        console.allow("status of 429")
        context = browser.new_context()
        page = watch(context.new_page(), console)
        page.goto(host.article(thread_key, service_url=limited.url))
        for n in range(2):
            fill(page, body=f"Comment {n}")
            page.get_by_role("button", name="Post comment").click()
            expect(page.locator(ROOTS)).to_have_count(n + 1)
        fill(page, body="One too many")
        page.get_by_role("button", name="Post comment").click()
        message = page.locator("#comments form .msg")
        expect(message).to_have_text(
            re.compile(r"too fast\. Try again in (\d+ seconds?|1 minute)\.")
        )
        expect(page.get_by_label("Your comment")).to_have_value("One too many")
        context.close()
    finally:
        limited.close()
    assert console.unexpected() == []


def test_closed_thread_says_so_and_shows_no_form(page, service, host, thread_key):
    service.post(thread_key, "Said before closing", name="Sam")
    service.cli("thread", "close", "news", thread_key)
    page.goto(host.article(thread_key))
    expect(page.locator("#comments .note")).to_have_text("Comments are closed on this article.")
    expect(page.locator("#comments .tx")).to_have_text("Said before closing")
    expect(page.locator("#comments form")).to_have_count(0)
    expect(page.locator("#comments textarea")).to_have_count(0)
    expect(page.get_by_role("button", name="Reply to Sam")).to_have_count(0)


def test_thread_closed_while_writing_removes_the_form(page, console, service, host, thread_key):
    console.allow("status of 403")
    service.post(thread_key, "Open for now", name="Sam")
    page.goto(host.article(thread_key))
    fill(page, body="Too late")
    service.cli("thread", "close", "news", thread_key)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comments .note")).to_have_text("Comments are closed on this article.")
    expect(page.locator("#comments .note")).to_be_focused()
    expect(page.locator("#comments form")).to_have_count(0)


def test_network_error_keeps_the_draft_and_offers_a_retry(page, console, host, thread_key):
    console.allow("ERR_FAILED")
    page.goto(host.article(thread_key))
    api = re.compile(r"/api/v1/comments$")
    page.route(
        api, lambda route: route.abort() if route.request.method == "POST" else route.continue_()
    )
    fill(page, body="Not lost")
    page.get_by_role("button", name="Post comment").click()
    message = page.locator("#comments form .msg")
    expect(message).to_contain_text("could not be reached")
    expect(page.get_by_label("Your comment")).to_have_value("Not lost")

    page.unroute(api)
    message.get_by_role("button", name="Try again").click()
    expect(page.locator(ROOTS).first.locator(".tx")).to_have_text("Not lost")
    expect(message).to_be_hidden()


def test_name_email_and_website_are_remembered_until_forget_me(context, console, host, thread_key):
    page = watch(context.new_page(), console)
    page.goto(host.article(thread_key))
    expect(page.get_by_role("button", name="Forget me")).to_be_hidden()
    fill(
        page, body="Remember me", name="Ada", email="ada@example.com", website="https://ada.example"
    )
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(ROOTS)).to_have_count(1)

    later = watch(context.new_page(), console)
    later.goto(host.article(thread_key))
    expect(later.get_by_label("Name")).to_have_value("Ada")
    expect(later.get_by_label("Email (never shown)")).to_have_value("ada@example.com")
    expect(later.get_by_label("Website")).to_have_value("https://ada.example")
    later.get_by_role("button", name="Forget me").click()
    expect(later.get_by_label("Name")).to_have_value("")
    expect(later.get_by_label("Name")).to_be_focused()
    assert later.evaluate("localStorage.length") == 0
    expect(later.get_by_role("button", name="Forget me")).to_be_hidden()
    assert console.unexpected() == []


def test_honeypot_is_out_of_sight_and_out_of_reach(page, host, thread_key):
    page.goto(host.article(thread_key))
    trap = page.locator("#comments input[name=hp]")
    expect(trap).to_have_attribute("aria-hidden", "true")
    expect(trap).to_have_attribute("tabindex", "-1")
    expect(trap).to_have_attribute("autocomplete", "off")
    box = trap.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1


def test_reply_emails_are_offered_with_an_email_and_need_a_confirmation(
    page, service, host, thread_key
):
    page.goto(host.article(thread_key))
    page.get_by_label("Your comment").fill("Tell me about replies")
    page.get_by_label("Name").fill("Ada")
    box = page.get_by_label("Email me when someone replies")
    expect(box).to_be_hidden()
    page.get_by_label("Email (never shown)").fill("ada@example.com")
    expect(box).to_be_visible()
    box.check()
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(ROOTS).first
    expect(mine.locator(".tx")).to_have_text("Tell me about replies")
    expect(mine.locator(".msg")).to_have_text(
        "Check your inbox: confirm your email address to hear about replies."
    )
    page.get_by_label("Email (never shown)").fill("")
    expect(box).to_be_hidden()
