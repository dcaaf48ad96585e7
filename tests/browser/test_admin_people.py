"""The threads and commenters pages in Chromium: a ban from a profile, and axe on each page."""

from __future__ import annotations

import re
import uuid

import pytest
from conftest import SITE, dump, run_axe, watch
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def moderator(service):
    """A moderator of the site ``news``, new for each test."""
    email = f"mod-{uuid.uuid4().hex[:8]}@news.example"
    service.cli(
        "moderator", "add", email, "--role", "moderator", "--site", SITE, "--password", PASSWORD
    )
    return email


def sign_in(page, console, service, email):
    console.allow("status of 404")
    page.goto(service.url + "/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your sites")).to_be_visible()


def test_a_commenter_banned_from_their_profile_is_refused_in_the_widget(
    page, console, service, host, thread_key, moderator
):
    console.allow("status of 403")
    name = f"Troll {uuid.uuid4().hex[:6]}"
    service.post(thread_key, "A first comment", name=name)

    sign_in(page, console, service, moderator)
    page.goto(f"{service.url}/admin/{SITE}/people")
    page.get_by_label("Name, or email (exact)").fill(name)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    page.get_by_label("Sanction").select_option("ban")
    page.get_by_label("Why (for the audit log)").fill("Abuse")
    page.get_by_role("button", name="Add the sanction").click()
    expect(page.get_by_role("status")).to_have_text("Sanction added; 0 recent comments rejected.")
    expect(page.get_by_role("row", name=re.compile(r"^ban"))).to_contain_text("for good")

    page.goto(host.article(thread_key))
    page.get_by_label("Your comment").fill("Let me back in")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comments")).to_contain_text("You can no longer comment on this site.")
    expect(page.locator("#comments .tx")).to_have_count(1)


@pytest.fixture
def csp_free_page(browser, console):
    """A page whose context lets axe-core's script in past the admin's strict CSP."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(5000)
    yield watch(context.new_page(), console)
    context.close()
    assert console.unexpected() == [], "the page logged errors"


def test_axe_finds_nothing_serious_on_the_threads_and_commenters_pages(
    csp_free_page, console, service, thread_key, moderator
):
    page = csp_free_page
    root = service.post(thread_key, "A root with a [link](https://example.com)", name="Sam")
    service.post(thread_key, "A reply", name="Ada", parent_id=root["id"])
    sign_in(page, console, service, moderator)

    page.goto(f"{service.url}/admin/{SITE}/threads")
    page.get_by_label("Key, title or address").fill(thread_key)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("row", name=re.compile(thread_key))).to_be_visible()
    pages = {"threads": run_axe(page, "html")}

    page.get_by_role("row", name=re.compile(thread_key)).get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Comments in thread order")).to_be_visible()
    pages["thread"] = run_axe(page, "html")

    page.get_by_role("link", name="Commenters").first.click()
    page.get_by_label("Name, or email (exact)").fill("Sam")
    page.get_by_role("button", name="Find").click()
    pages["people"] = run_axe(page, "html")

    page.get_by_role("link", name="Sam", exact=True).first.click()
    expect(page.get_by_role("heading", name="Sanctions")).to_be_visible()
    pages["profile"] = run_axe(page, "html")
    # The form's error state too (answered with 400).
    console.allow("status of 400")
    page.get_by_label("Sanction").select_option("suspend")
    page.get_by_role("button", name="Add the sanction").click()
    expect(page.get_by_text("Say for how many days to suspend.")).to_be_visible()
    pages["profile with errors"] = run_axe(page, "html")
    assert {k: v for k, v in pages.items() if v} == {}, dump(pages)
