"""Editing and deleting one's own comments from the widget, within the edit window."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from conftest import SITE, dump, rewrite_answers, run_axe, start_service, watch
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOTS = "#comments .list > article"
# What the widget keeps in the page's localStorage, per service and site.
TOKENS = "comments:edit:{site}:{service}/api/v1/"


def post(page, body, name="Ada Reader"):
    """Post a comment from the widget and return its element."""
    page.get_by_label("Your comment").fill(body)
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(ROOTS).filter(has_text=name).first
    expect(mine).to_be_focused()
    return mine


def editor(mine):
    return mine.get_by_role("textbox", name="Edit your comment")


def comment_id(mine) -> int:
    return int(mine.get_attribute("id").removeprefix("comment-"))


def test_author_edits_a_comment_and_the_edit_survives_a_reload(page, host, thread_key):
    page.goto(host.article(thread_key))
    mine = post(page, "First *draft*")
    edit = mine.get_by_role("button", name="Edit")
    edit.click()
    box = editor(mine)
    expect(box).to_be_focused()
    expect(box).to_have_value("First *draft*")  # the Markdown, not the rendered text
    expect(mine.locator(".tx")).to_be_hidden()

    box.fill("Second *version*")
    mine.get_by_role("button", name="Save").click()
    expect(box).to_have_count(0)
    expect(mine.locator(".tx em")).to_have_text("version")
    expect(mine.locator(".meta")).to_contain_text("edited")
    expect(edit).to_be_focused()
    expect(page.locator("#comments [aria-live]")).to_have_text("Your comment was edited.")
    expect(page.locator("#comments h2")).to_have_text("1 comment")

    page.reload()
    mine = page.locator(ROOTS).first
    expect(mine.locator(".tx")).to_have_text("Second version")
    expect(mine.locator(".meta")).to_contain_text("edited")
    mine.get_by_role("button", name="Edit").click()
    expect(editor(mine)).to_have_value("Second *version*")


def test_edit_without_the_markdown_starts_from_the_text(page, service, host, thread_key):
    page.goto(host.article(thread_key))
    mine = post(page, "Some **bold** words")
    key = TOKENS.format(site=SITE, service=service.url)
    # Another device's widget, or an older one, kept only the token and the time.
    page.evaluate(
        """(key) => {
          const all = JSON.parse(localStorage.getItem(key));
          for (const id in all) all[id] = all[id].slice(0, 2);
          localStorage.setItem(key, JSON.stringify(all));
        }""",
        key,
    )
    page.reload()
    mine = page.locator(ROOTS).first
    mine.get_by_role("button", name="Edit").click()
    expect(editor(mine)).to_have_value("Some bold words")


def test_edit_validation_error_is_shown_under_the_field(page, console, host, thread_key):
    console.allow("status of 422")
    page.goto(host.article(thread_key))
    mine = post(page, "Something to take back")
    mine.get_by_role("button", name="Edit").click()
    box = editor(mine)
    box.fill("   ")
    mine.get_by_role("button", name="Save").click()

    expect(box).to_have_attribute("aria-invalid", "true")
    error = page.locator("#" + box.get_attribute("aria-describedby"))
    expect(error).not_to_be_empty()
    expect(error).to_be_visible()
    expect(box).to_be_focused()
    expect(mine.locator(".tx")).to_be_hidden()

    box.fill("Better words")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(".tx")).to_have_text("Better words")


def test_escape_cancels_an_edit_and_returns_focus_to_edit(page, host, thread_key):
    page.goto(host.article(thread_key))
    mine = post(page, "Keep me as I am")
    edit = mine.get_by_role("button", name="Edit")
    edit.focus()
    page.keyboard.press("Enter")
    box = editor(mine)
    expect(box).to_be_focused()
    page.keyboard.type(" but changed")
    page.keyboard.press("Escape")
    expect(box).to_have_count(0)
    expect(mine.locator(".tx")).to_have_text("Keep me as I am")
    expect(edit).to_be_focused()

    edit.click()
    mine.get_by_role("button", name="Cancel").click()
    expect(box).to_have_count(0)
    expect(edit).to_be_focused()


def test_edit_that_needs_a_moderator_is_held_with_the_reason(page, service, host, thread_key):
    page.goto(host.article(thread_key))
    mine = post(page, "Plain words")
    expect(page.locator("#comments h2")).to_have_text("1 comment")
    links = " ".join(
        f"https://example.com/{n}" for n in range(service.app.config["SPAM_MAX_LINKS"] + 1)
    )
    mine.get_by_role("button", name="Edit").click()
    editor(mine).fill(f"Now with links: {links}")
    mine.get_by_role("button", name="Save").click()

    notice = mine.locator(".pend")
    expect(notice).to_contain_text("Awaiting moderation")
    assert len(notice.inner_text()) > len(
        "Awaiting moderation: only you can see this until a moderator approves it."
    )
    expect(page.locator("#comments h2")).to_have_text("0 comments")
    expect(page.locator("#comments [aria-live]")).to_have_text(
        "Your comment is awaiting moderation."
    )


def test_author_deletes_a_comment_after_confirming_in_place(page, service, host, thread_key):
    service.post(thread_key, "Someone else's words", name="Sam")
    page.on("dialog", lambda dialog: pytest.fail(f"a {dialog.type} dialog was opened"))
    page.goto(host.article(thread_key))
    mine = post(page, "Said in haste")
    expect(page.locator("#comments h2")).to_have_text("2 comments")

    delete = mine.get_by_role("button", name="Delete")
    delete.click()
    expect(mine.locator(".act")).to_contain_text("Delete this comment?")
    mine.get_by_role("button", name="Cancel").click()
    expect(mine.get_by_role("button", name="Delete")).to_be_focused()

    mine.get_by_role("button", name="Delete").click()
    confirm = mine.get_by_role("button", name="Delete")
    expect(confirm).to_be_focused()
    confirm.click()
    expect(page.get_by_text("Said in haste")).to_have_count(0)
    expect(page.locator(ROOTS)).to_have_count(1)
    expect(page.locator("#comments h2")).to_have_text("1 comment")
    expect(page.locator("#comments h2")).to_be_focused()
    expect(page.locator("#comments [aria-live]")).to_have_text("Your comment was deleted.")

    page.reload()
    expect(page.locator("#comments h2")).to_have_text("1 comment")
    expect(page.get_by_text("Said in haste")).to_have_count(0)


def test_deleting_the_only_reply_focuses_its_parent(page, service, host, thread_key):
    parent = service.post(thread_key, "A question", name="Sam")
    page.goto(host.article(thread_key))
    page.get_by_role("button", name="Reply to Sam").click()
    page.get_by_role("textbox", name="Reply to Sam").fill("An answer")
    page.locator(f"#comment-{parent['id']}").get_by_label("Name").fill("Ada")
    page.get_by_role("button", name="Post reply").click()
    reply = page.locator(f"#comment-{parent['id']} .kids article")
    expect(reply).to_be_focused()

    reply.get_by_role("button", name="Delete").click()
    reply.get_by_role("button", name="Delete").click()
    expect(reply).to_have_count(0)
    expect(page.locator(f"#comment-{parent['id']}")).to_be_focused()
    expect(page.locator("#comments h2")).to_have_text("1 comment")


def test_controls_are_only_on_the_readers_own_comments(page, service, host, thread_key):
    service.post(thread_key, "Not yours", name="Sam")
    page.goto(host.article(thread_key))
    post(page, "Yours")
    expect(page.get_by_role("button", name="Edit")).to_have_count(1)
    expect(page.get_by_role("button", name="Delete")).to_have_count(1)
    others = page.locator(ROOTS).filter(has_text="Not yours")
    expect(others.get_by_role("button", name="Reply to Sam")).to_be_visible()
    expect(others.get_by_role("button", name="Edit")).to_have_count(0)

    page.reload()
    expect(page.get_by_role("button", name="Edit")).to_have_count(1)
    yours = page.locator(ROOTS).filter(has=page.locator(".tx", has_text=re.compile("^Yours$")))
    expect(yours.get_by_role("button", name="Edit")).to_be_visible()
    expect(others.get_by_role("button", name="Delete")).to_have_count(0)


def test_controls_are_gone_once_the_window_is_over(page, service, host, thread_key):
    page.goto(host.article(thread_key))
    post(page, "Written a while ago")
    key = TOKENS.format(site=SITE, service=service.url)
    page.evaluate(
        """(key) => {
          const all = JSON.parse(localStorage.getItem(key));
          for (const id in all) all[id][1] = Date.now() - 16 * 60 * 1000;
          localStorage.setItem(key, JSON.stringify(all));
        }""",
        key,
    )
    page.reload()
    expect(page.locator(ROOTS).first.locator(".tx")).to_have_text("Written a while ago")
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    # The reload pruned the expired token.
    assert page.evaluate("(key) => localStorage.getItem(key)", key) == "{}"


def test_controls_disappear_when_the_window_closes_on_an_open_page(page, host, thread_key):
    page.clock.install()
    page.goto(host.article(thread_key))
    mine = post(page, "Time is running")
    page.clock.fast_forward("14:00")
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()
    page.clock.fast_forward("01:01")
    expect(mine.get_by_role("button", name="Edit")).to_have_count(0)
    expect(mine.get_by_role("button", name="Reply to Ada Reader")).to_be_visible()


def test_controls_last_until_the_services_editable_until(page, host, thread_key):
    def five_minutes(data):
        created = datetime.fromisoformat(data["comment"]["created_at"].removesuffix("Z"))
        until = created.replace(microsecond=0) + timedelta(minutes=5)
        data["editable_until"] = until.isoformat() + "Z"

    rewrite_answers(page, "POST", five_minutes)
    page.clock.install()
    page.goto(host.article(thread_key))
    mine = post(page, "Five minutes to fix it")
    page.clock.fast_forward("04:50")
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()
    page.clock.fast_forward("00:15")
    expect(mine.get_by_role("button", name="Edit")).to_have_count(0)
    expect(mine.get_by_role("button", name="Delete")).to_have_count(0)
    expect(mine.get_by_role("button", name="Reply to Ada Reader")).to_be_visible()


def test_the_edit_deadline_is_kept_with_the_token(page, service, host, thread_key):
    page.goto(host.article(thread_key))
    mine = post(page, "Until when?")
    key = TOKENS.format(site=SITE, service=service.url)
    kept = page.evaluate("(key) => Object.values(JSON.parse(localStorage.getItem(key)))[0]", key)
    left = kept[1] - page.evaluate("Date.now()")
    # The service's EDIT_WINDOW (15 minutes), counted from its own clock.
    assert 13 * 60_000 < left <= 15 * 60_000
    assert kept[0] and kept[2] == "Until when?"
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()


def test_service_refusing_an_edit_takes_the_controls_away(
    browser, host, console, tmp_path, thread_key
):
    short = start_service(tmp_path, host.origin, EDIT_WINDOW=1)
    try:
        console.allow("status of 403")
        context = browser.new_context()
        page = watch(context.new_page(), console)
        # A service that does not say until when: the widget assumes 15 minutes.
        rewrite_answers(page, "POST", lambda data: data.pop("editable_until"))
        page.goto(host.article(thread_key, service_url=short.url))
        mine = post(page, "Too slow to fix")
        page.wait_for_timeout(2100)  # the service's window of one second is over
        mine.get_by_role("button", name="Edit").click()
        editor(mine).fill("Fixed")
        mine.get_by_role("button", name="Save").click()

        expect(mine.locator(".msg")).to_have_text(re.compile(r"after posting it"))
        expect(mine.get_by_role("textbox")).to_have_count(0)
        expect(mine.locator(".tx")).to_have_text("Too slow to fix")
        expect(mine.get_by_role("button", name="Edit")).to_have_count(0)
        expect(mine.get_by_role("button", name="Delete")).to_have_count(0)
        expect(mine).to_be_focused()
        page.reload()
        expect(page.locator(ROOTS).first.locator(".tx")).to_have_text("Too slow to fix")
        expect(page.get_by_role("button", name="Edit")).to_have_count(0)
        context.close()
    finally:
        short.close()
    assert console.unexpected() == []


def test_forget_me_also_forgets_the_edit_tokens(page, host, thread_key):
    page.goto(host.article(thread_key))
    mine = post(page, "On a shared computer")
    page.get_by_role("button", name="Forget me").click()
    expect(mine.get_by_role("button", name="Edit")).to_have_count(0)
    assert page.evaluate("localStorage.length") == 0
    page.reload()
    expect(page.locator(ROOTS).first.locator(".tx")).to_have_text("On a shared computer")
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)


def test_axe_finds_no_serious_violations_while_editing(page, console, host, thread_key):
    console.allow("status of 422")
    page.goto(host.article(thread_key))
    mine = post(page, "Under review")
    mine.get_by_role("button", name="Edit").click()
    editor(mine).fill("")
    mine.get_by_role("button", name="Save").click()
    expect(mine.get_by_role("textbox")).to_have_attribute("aria-invalid", "true")
    violations = run_axe(page)
    assert violations == [], dump(violations)

    mine.get_by_role("button", name="Cancel").click()
    mine.get_by_role("button", name="Delete").click()
    expect(mine.locator(".act")).to_contain_text("Delete this comment?")
    violations = run_axe(page)
    assert violations == [], dump(violations)
