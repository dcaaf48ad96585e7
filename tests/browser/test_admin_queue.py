"""The moderation queue in Chromium: decisions by mouse, keyboard and in bulk, seen by readers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import PREMOD_SITE, dump, run_axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "queue browser password"


def sign_in(tab: Any, service: Any, *sites: str) -> Any:
    """Sign ``tab`` in as a new moderator of ``sites``."""
    email = f"mod-{uuid.uuid4().hex[:8]}@news.example"
    roles = [arg for site in sites for arg in ("--site", site)]
    service.cli("moderator", "add", email, "--role", "moderator", *roles, "--password", PASSWORD)
    tab.goto(f"{service.url}/admin/login")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("heading", name="Your sites")).to_be_visible()
    return tab


@pytest.fixture
def desk(page: Any, service: Any) -> Any:
    """The page, signed in as a moderator of both sites."""
    return sign_in(page, service, "news", PREMOD_SITE)


def _held(service: Any, thread: str, *bodies: str) -> list[int]:
    return [service.post(thread, body, site=PREMOD_SITE)["id"] for body in bodies]


def _queue(service: Any, thread: str, name: str = "pending") -> str:
    return f"{service.url}/admin/{PREMOD_SITE}/queue/{name}?thread={thread}&order=oldest"


def _shown(service: Any, thread: str) -> list[int]:
    answer = service.app.test_client().get(
        "/api/v1/comments", query_string={"site": PREMOD_SITE, "thread": thread}
    )
    return [c["id"] for c in answer.get_json()["comments"]]


def _item(page: Any, comment_id: int) -> Any:
    return page.locator(f"#item-{comment_id}")


def test_approve_by_mouse_shows_the_comment_in_the_widget_at_once(desk, service, host, thread_key):
    [held] = _held(service, thread_key, "Waiting for a moderator")
    desk.goto(_queue(service, thread_key))
    expect(_item(desk, held)).to_contain_text("appear after a moderator has approved them")
    _item(desk, held).get_by_role("button", name="Approve").click()
    expect(desk.get_by_role("status")).to_have_text("Approved 1 comment.")
    expect(_item(desk, held)).to_have_count(0)
    assert _shown(service, thread_key) == [held]
    desk.goto(host.article(thread_key, site=PREMOD_SITE))
    expect(desk.locator("#comments .tx")).to_have_text("Waiting for a moderator")


def test_reject_by_mouse_with_a_reason(desk, service, thread_key):
    [held] = _held(service, thread_key, "Off the subject")
    desk.goto(_queue(service, thread_key))
    _item(desk, held).get_by_label(f"Reason to reject comment {held}").select_option("off_topic")
    _item(desk, held).get_by_role("button", name="Reject").click()
    expect(desk.get_by_role("status")).to_have_text("Rejected 1 comment.")
    desk.goto(_queue(service, thread_key, "rejected"))
    expect(_item(desk, held)).to_be_visible()


def test_decisions_by_keyboard(desk, console, service, thread_key):
    first, second, third = _held(service, thread_key, "One", "Two", "Three")
    desk.goto(_queue(service, thread_key))
    expect(desk.get_by_text("Keyboard shortcuts")).to_be_visible()
    desk.keyboard.press("j")
    expect(_item(desk, first)).to_be_focused()
    desk.keyboard.press("j")
    desk.keyboard.press("k")
    expect(_item(desk, first)).to_be_focused()
    desk.keyboard.press("a")
    expect(desk.get_by_role("status")).to_have_text("Approved 1 comment.")
    assert _shown(service, thread_key) == [first]

    desk.keyboard.press("j")
    expect(_item(desk, second)).to_be_focused()
    desk.keyboard.press("s")
    expect(desk.get_by_role("status")).to_have_text("Marked as spam 1 comment.")

    desk.keyboard.press("j")
    expect(_item(desk, third)).to_be_focused()
    desk.keyboard.press("r")
    reason = _item(desk, third).get_by_label(f"Reason to reject comment {third}")
    expect(reason).to_be_focused()
    reason.select_option("abuse")
    reason.press("Enter")
    expect(desk.get_by_role("status")).to_have_text("Rejected 1 comment.")
    assert _shown(service, thread_key) == [first]

    desk.goto(_queue(service, thread_key, "approved"))
    desk.keyboard.press("j")
    console.allow("404")  # the article page of a made-up story is not there
    desk.keyboard.press("o")
    desk.wait_for_url(f"{service.origin}/{thread_key}")


def test_bulk_actions_with_x_and_select_all(desk, service, thread_key):
    ids = _held(service, thread_key, "One", "Two", "Three")
    desk.goto(_queue(service, thread_key))
    desk.keyboard.press("j")
    desk.keyboard.press("x")
    desk.keyboard.press("j")
    desk.keyboard.press("x")
    expect(desk.locator("input.pick:checked")).to_have_count(2)
    desk.get_by_label("With the selected comments").select_option("approve")
    desk.get_by_role("button", name="Apply to selected").click()
    expect(desk.get_by_role("status")).to_have_text("Approved 2 comments.")
    assert sorted(_shown(service, thread_key)) == ids[:2]

    desk.goto(_queue(service, thread_key, "approved"))
    desk.get_by_label("Select all").check()
    expect(desk.locator("input.pick:checked")).to_have_count(2)
    desk.get_by_label("With the selected comments").select_option("delete")
    desk.get_by_role("button", name="Apply to selected").click()
    expect(desk.get_by_role("status")).to_have_text("Deleted 2 comments.")
    assert _shown(service, thread_key) == []


def test_bulk_works_without_javascript(browser, service, thread_key):
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = sign_in(context.new_page(), service, PREMOD_SITE)
        ids = _held(service, thread_key, "One", "Two")
        tab.goto(_queue(service, thread_key))
        expect(tab.get_by_label("Select all")).to_be_hidden()
        for comment_id in ids:
            tab.locator(f"#pick-{comment_id}").check()
        tab.get_by_label("With the selected comments").select_option("approve")
        tab.get_by_role("button", name="Apply to selected").click()
        expect(tab.get_by_role("status")).to_have_text("Approved 2 comments.")
        assert sorted(_shown(service, thread_key)) == ids
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_violations_on_the_queue(browser, service, thread_key, theme):
    root = service.post(thread_key, "A visible root", name="Sam", site=PREMOD_SITE)
    service.cli("comment", "approve", str(root["id"]))
    _held(service, thread_key, "Held *one*", "Held [link](https://example.com)")
    service.post(thread_key, "A reply", site=PREMOD_SITE, parent_id=root["id"])
    # Only so that axe can be injected: the page's own script runs under the CSP elsewhere.
    context = browser.new_context(bypass_csp=True, color_scheme=theme)
    try:
        tab = sign_in(context.new_page(), service, PREMOD_SITE)
        tab.goto(_queue(service, thread_key))
        expect(tab.locator(".items > .item")).to_have_count(3)
        tab.keyboard.press("j")  # the current item's outline too
        violations = run_axe(tab, "html")
        assert violations == [], dump(violations)
        tab.goto(_queue(service, thread_key, "reported"))
        expect(tab.get_by_text("Nothing here")).to_be_visible()
        assert run_axe(tab, "html") == []
    finally:
        context.close()
