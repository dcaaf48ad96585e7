"""Reporting a comment from the widget: the reasons, the thanks, and enough reports hide it."""

from __future__ import annotations

import pytest
from conftest import dump, run_axe
from playwright.sync_api import expect

from tests.admin_helpers import PASSWORD

pytestmark = pytest.mark.browser

ROOTS = "#comments .list > article"


def report_from(service, comment_id, addr):
    """Report a comment through the API as another reader (another client address)."""
    response = service.app.test_client().post(
        f"/api/v1/comments/{comment_id}/flag",
        json={"reason": "abuse"},
        headers={"Origin": service.origin},
        environ_base={"REMOTE_ADDR": addr},
    )
    assert response.status_code == 202, response.get_json()


def test_reader_reports_a_comment_is_thanked_and_enough_reports_take_it_away(
    page, service, host, thread_key
):
    kept = service.post(thread_key, "A fair point.", name="Ada")
    bad = service.post(thread_key, "Buy pills at example.com", name="Spammer")
    page.goto(host.article(thread_key))
    expect(page.locator(ROOTS)).to_have_count(2)
    comment = page.locator(f"#comment-{bad['id']}")

    report = comment.get_by_role("button", name="Report the comment by Spammer")
    report.click()
    expect(report).to_have_attribute("aria-expanded", "true")
    form = comment.locator("form")
    expect(form.get_by_role("group", name="Why are you reporting this comment?")).to_be_visible()
    expect(form.get_by_role("radio", name="Spam")).to_be_focused()
    note = form.get_by_role("textbox", name="What is wrong? (optional)")
    expect(note).to_be_hidden()
    form.get_by_role("radio", name="Something else").check()
    expect(note).to_be_visible()
    note.fill("Advertising, again.")
    violations = run_axe(page)
    assert violations == [], dump(violations)

    form.get_by_role("button", name="Send report").click()
    thanks = comment.get_by_text("Thanks, a moderator will look at it.")
    expect(thanks).to_be_focused()
    expect(form).to_have_count(0)
    expect(report).to_have_count(0)
    expect(page.locator("#comments [aria-live]")).to_have_text(
        "Thanks, a moderator will look at it."
    )
    expect(page.locator(ROOTS)).to_have_count(2)  # one report does not hide it

    report_from(service, bad["id"], "203.0.113.1")
    report_from(service, bad["id"], "203.0.113.2")
    page.reload()
    expect(page.locator(ROOTS)).to_have_count(1)
    expect(page.locator(ROOTS).first).to_have_attribute("id", f"comment-{kept['id']}")
    expect(page.locator("#comments h2")).to_have_text("1 comment")

    # The moderators find it in their Reported queue, with the readers' reasons.
    service.cli(
        "moderator", "add", "desk@news.example", "--role", "moderator", "--site", "news",
        "--password", PASSWORD,
    )  # fmt: skip
    page.goto(f"{service.url}/admin/login")
    page.get_by_label("Email").fill("desk@news.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{service.url}/admin/news/queue/reported")
    item = page.locator(".item", has_text="Buy pills at example.com")
    expect(item).to_be_visible()
    expect(item).to_contain_text("Reported by 3 readers: abuse (2), other (1).")


def test_cancel_and_escape_close_the_report_form(page, service, host, thread_key):
    service.post(thread_key, "Something", name="Sam")
    page.goto(host.article(thread_key))
    report = page.get_by_role("button", name="Report the comment by Sam")
    report.click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#comments form.rf")).to_have_count(0)
    expect(report).to_be_focused()
    expect(report).to_have_attribute("aria-expanded", "false")
    report.click()
    page.keyboard.press("Escape")
    expect(page.locator("#comments form.rf")).to_have_count(0)
    expect(report).to_be_focused()


def test_no_report_control_on_the_readers_own_comment(page, service, host, thread_key):
    service.post(thread_key, "Someone else's", name="Sam")
    page.goto(host.article(thread_key))
    page.get_by_label("Your comment").fill("My own words")
    page.get_by_label("Name").fill("Ada Reader")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(ROOTS).filter(has_text="My own words")
    expect(mine).to_be_focused()
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()
    expect(mine.get_by_role("button", name="Report the comment by Ada Reader")).to_have_count(0)
    expect(page.get_by_role("button", name="Report the comment by Sam")).to_be_visible()
