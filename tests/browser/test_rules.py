"""The settings page in Chromium (axe, no JavaScript needed) and the site's closed message."""

from __future__ import annotations

import pytest
from conftest import PREMOD_SITE, SITE, dump, run_axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ADMIN, PASSWORD = "settings-admin@news.example", "correct horse battery"


@pytest.fixture(scope="module")
def admin(service):
    service.cli(
        "moderator", "add", ADMIN, "--role", "admin", "--site", SITE, "--password", PASSWORD
    )


def _sign_in(page, service):
    """Sign in through the login form."""
    page.goto(service.url + "/admin/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your sites")).to_be_visible()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_violations_on_the_settings_page(browser, service, admin, theme):
    # axe-core goes in as an inline script, which the admin's policy rightly forbids.
    context = browser.new_context(bypass_csp=True, color_scheme=theme)
    try:
        _check_settings_page(context.new_page(), service)
    finally:
        context.close()


def _check_settings_page(page, service):
    _sign_in(page, service)
    page.goto(service.url + f"/admin/{SITE}/settings")
    expect(page.get_by_role("heading", name="Settings of News")).to_be_visible()
    assert run_axe(page, "body") == [], dump(run_axe(page, "body"))
    # The page with field errors is checked too.
    page.get_by_label("Banned words").fill("f*ck")
    page.get_by_role("button", name="Save settings").click()
    error = page.locator("#banned_words-error")
    expect(error).to_contain_text("only at its start or end")
    expect(page.get_by_label("Banned words")).to_have_attribute("aria-invalid", "true")
    violations = run_axe(page, "body")
    assert violations == [], dump(violations)


def test_the_settings_page_works_without_javascript(browser, service, admin):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        _sign_in(page, service)
        page.goto(service.url + f"/admin/{SITE}/settings")
        page.get_by_label("Reports that take a comment off the page").fill("4")
        page.get_by_role("button", name="Save settings").click()
        expect(page.get_by_role("status")).to_contain_text("The settings are saved")
        expect(page.get_by_label("Reports that take a comment off the page")).to_have_value("4")
    finally:
        context.close()


def test_a_closed_thread_shows_the_sites_own_message(page, service, host, thread_key):
    from comments import audit, site_settings
    from comments.database import unit_of_work

    with service.app.app_context(), unit_of_work():
        site_settings.update_settings(
            PREMOD_SITE, {"closed_message": "Comments close after a week."}, actor=audit.Actor("t")
        )
    service.post(thread_key, "Said before closing", site=PREMOD_SITE)
    service.cli("thread", "close", PREMOD_SITE, thread_key)
    page.goto(host.article(thread_key, site=PREMOD_SITE))
    expect(page.locator("#comments .note:not(.empty)")).to_have_text("Comments close after a week.")
    expect(page.locator("#comments textarea")).to_have_count(0)
