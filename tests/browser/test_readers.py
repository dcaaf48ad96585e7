"""Signed-in readers and votes in the widget: data-sso, the guest fallback, sign-in only, voting."""

from __future__ import annotations

import time

import pytest
from conftest import SITE, dump, run_axe
from playwright.sync_api import expect

from tests.factories import SSO_SECRET, sso_token

pytestmark = pytest.mark.browser

ROOTS = "#comments .list > article"
MEMBERS = "members"


@pytest.fixture(scope="module")
def signed_in_sites(service):
    """The news site takes signed-in users; the members site takes nobody else."""
    service.cli("site", "update", SITE, "--sso-secret", SSO_SECRET)
    service.cli("site", "add", MEMBERS, "--name", "Members", "--origin", service.origin)
    service.cli("site", "update", MEMBERS, "--sso-secret", SSO_SECRET)
    from comments import audit, site_settings
    from comments.database import unit_of_work

    with service.app.app_context(), unit_of_work():
        site_settings.update_settings(
            MEMBERS, {"guests": "refused"}, actor=audit.Actor(label="test")
        )


def test_signed_in_reader_posts_as_themselves_and_edits_without_a_form(
    page, service, host, thread_key, signed_in_sites
):
    other = service.post(thread_key, "Someone else's comment", name="Bo")
    token = sso_token(sub="mei", name="Mei Lin", badges=["subscriber"])
    page.goto(host.article(thread_key, sso=token))
    expect(page.get_by_text("Signed in as Mei Lin")).to_be_visible()
    page.get_by_label("Your comment").fill("Hello from an account")
    expect(page.get_by_label("Name", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(ROOTS).first
    expect(mine.locator(".nm")).to_have_text("Mei Lin")
    expect(mine.locator(".bdg")).to_have_text("subscriber")
    # One's own comment: no voting on it.
    expect(mine.get_by_role("button", name="Vote up, 0")).to_be_disabled()
    violations = run_axe(page)
    assert violations == [], dump(violations)

    # After a reload the page is the same for everyone; /me says which is mine.
    page.reload()
    mine = page.locator(ROOTS).first
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()
    expect(
        page.locator(f"#comment-{other['id']}").get_by_role("button", name="Edit")
    ).to_have_count(0)
    mine.get_by_role("button", name="Edit").click()
    mine.get_by_label("Edit your comment").fill("Edited from an account")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(".tx")).to_have_text("Edited from an account")


def test_refused_sign_in_falls_back_to_a_guest(
    page, console, service, host, thread_key, signed_in_sites
):
    console.allow("status of 401")
    expired = sso_token(exp=int(time.time()) - 3600)
    page.goto(host.article(thread_key, sso=expired))
    expect(page.locator("#comments .empty")).to_be_visible()
    page.get_by_label("Your comment").fill("Posted as a guest after all")
    name = page.get_by_label("Name", exact=True)
    expect(name).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    name.fill("Guest Gil")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(ROOTS).first.locator(".nm")).to_have_text("Guest Gil")


def test_site_for_signed_in_readers_only_links_to_its_sign_in(
    page, service, host, thread_key, signed_in_sites
):
    payload = {"site": MEMBERS, "thread": thread_key, "url": f"{service.origin}/{thread_key}",
               "body": "A member's comment"}  # fmt: skip
    headers = {"Authorization": f"Bearer {sso_token(name='Member')}", "Origin": service.origin}
    posted = service.app.test_client().post("/api/v1/comments", json=payload, headers=headers)
    assert posted.status_code == 201, posted.get_json()
    page.goto(host.article(thread_key, site=MEMBERS, login_url="https://news.example/login"))
    link = page.get_by_role("link", name="Sign in to comment")
    expect(link).to_have_attribute("href", "https://news.example/login")
    expect(page.get_by_label("Your comment")).to_have_count(0)
    comment = page.locator(ROOTS).first
    expect(comment.get_by_role("button", name="Reply")).to_be_hidden()
    expect(comment.get_by_role("button", name="Vote up, 0")).to_be_disabled()
    violations = run_axe(page)
    assert violations == [], dump(violations)


def test_signed_in_member_may_post_on_a_members_only_site(page, host, thread_key, signed_in_sites):
    page.goto(host.article(thread_key, site=MEMBERS, sso=sso_token(name="Mo")))
    expect(page.get_by_text("Signed in as Mo")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in to comment")).to_have_count(0)
    page.get_by_label("Your comment").fill("Members talk")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(ROOTS).first.locator(".nm")).to_have_text("Mo")


def test_voting_toggles_at_once_and_is_remembered(page, service, host, thread_key):
    comment = service.post(thread_key, "Vote on me", name="Val")
    page.goto(host.article(thread_key))
    item = page.locator(f"#comment-{comment['id']}")
    up = item.get_by_role("button", name="Vote up, 0")
    up.click()
    up = item.get_by_role("button", name="Vote up, 1")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_text("▲ 1")
    down = item.get_by_role("button", name="Vote down, 0")
    violations = run_axe(page)
    assert violations == [], dump(violations)
    down.click()
    expect(item.get_by_role("button", name="Vote down, 1")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(item.get_by_role("button", name="Vote up, 0")).to_have_attribute("aria-pressed", "false")

    page.reload()
    down = page.locator(f"#comment-{comment['id']}").get_by_role("button", name="Vote down, 1")
    expect(down).to_have_attribute("aria-pressed", "true")
    down.click()  # takes it back
    expect(
        page.locator(f"#comment-{comment['id']}").get_by_role("button", name="Vote down, 0")
    ).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(
        page.locator(f"#comment-{comment['id']}").get_by_role("button", name="Vote down, 0")
    ).to_have_attribute("aria-pressed", "false")


def test_vote_the_service_refuses_is_rolled_back_with_its_words(
    page, console, service, host, thread_key
):
    console.allow("status of 429")
    comment = service.post(thread_key, "Vote on me", name="Val")

    def refuse(route):
        route.fulfill(
            status=429,
            content_type="application/problem+json",
            headers={"Access-Control-Allow-Origin": host.origin},
            json={"type": "about:blank", "title": "Too Many Requests", "status": 429,
                  "detail": "You are voting too quickly.", "code": "rate_limited"},
        )  # fmt: skip

    page.route("**/vote", refuse)
    page.goto(host.article(thread_key))
    item = page.locator(f"#comment-{comment['id']}")
    item.get_by_role("button", name="Vote up, 0").click()
    expect(item.get_by_role("alert")).to_have_text("You are voting too quickly.")
    up = item.get_by_role("button", name="Vote up, 0")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(up).to_have_text("▲ 0")


def test_guest_cannot_vote_on_their_own_comment(page, host, thread_key):
    page.goto(host.article(thread_key))
    page.get_by_label("Your comment").fill("My own words")
    page.get_by_label("Name", exact=True).fill("Ola")
    page.get_by_role("button", name="Post comment").click()
    own = page.locator(ROOTS).first
    expect(own.get_by_role("button", name="Vote up, 0")).to_be_disabled()
    page.reload()
    expect(page.locator(ROOTS).first.get_by_role("button", name="Vote up, 0")).to_be_disabled()
