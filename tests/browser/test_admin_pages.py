"""The admin panel in Chromium: axe-core finds nothing serious on the dashboard, log and staff."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import SITE, dump, run_axe, watch
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "browser admin password"


@pytest.fixture
def page(browser, service, console):
    """A page where axe-core may be injected: the panel's CSP would refuse its inline script."""
    ctx = browser.new_context(viewport={"width": 1000, "height": 900}, bypass_csp=True)
    ctx.set_default_timeout(5000)
    tab = watch(ctx.new_page(), console)
    yield tab
    ctx.close()
    assert console.unexpected() == [], "the page logged errors"


def _sign_in(page, service, thread_key) -> str:
    email = f"admin-{uuid.uuid4().hex[:8]}@news.example"
    service.cli(
        "moderator", "add", email, "--role", "admin", "--site", SITE, "--password", PASSWORD
    )
    posted = service.post(thread_key, "A comment for the desk", name="Sam")
    service.cli("comment", "reject", str(posted["id"]), "--reason", "=HYPERLINK(x)")
    page.goto(f"{service.url}/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your sites")).to_be_visible()
    return email


@pytest.fixture
def signed_in(page, service, thread_key):
    """An admin of the test site, signed in, with a comment decided on (so the log has rows)."""
    return _sign_in(page, service, thread_key)


def test_the_pages_break_no_rule_of_the_content_security_policy(
    browser, service, console, thread_key
):
    ctx = browser.new_context()
    tab = watch(ctx.new_page(), console)
    _sign_in(tab, service, thread_key)
    for path in ("", "audit", "staff"):
        tab.goto(f"{service.url}/admin/{SITE}/{path}")
        expect(tab.get_by_role("heading", level=1)).to_be_visible()
    expect(tab.get_by_role("button", name="Add to News")).to_be_visible()
    ctx.close()
    assert console.unexpected() == [], dump(console.errors)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_site_dashboard_with_its_chart_has_no_serious_violations(
    page, service, signed_in, theme
):
    page.emulate_media(color_scheme=theme)
    page.get_by_role("link", name="News").click()
    chart = page.get_by_role("img", name="Comments received per day over the last 30 days")
    expect(chart).to_be_visible()
    page.get_by_text("The numbers, day by day").click()
    expect(page.get_by_role("table", name="Comments received per day")).to_be_visible()
    assert run_axe(page, "body") == [], dump(run_axe(page, "body"))


def test_the_audit_log_has_no_serious_violations(page, console, service, signed_in):
    console.allow("status of 400")  # the refused filters below
    page.goto(f"{service.url}/admin/{SITE}/audit")
    expect(page.get_by_role("cell", name="=HYPERLINK(x)").first).to_be_visible()
    violations = run_axe(page, "body")
    assert violations == [], dump(violations)
    page.get_by_label("From").fill("2026-02-01")
    page.get_by_label("To").fill("2026-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Some filters are not valid")).to_be_visible()
    violations = run_axe(page, "body")
    assert violations == [], dump(violations)


def test_the_staff_page_has_no_serious_violations(page, console, service, signed_in):
    console.allow("status of 422")  # the refused addition below
    page.goto(f"{service.url}/admin/{SITE}/staff")
    expect(page.get_by_role("row", name=signed_in)).to_be_visible()
    violations = run_axe(page, "body")
    assert violations == [], dump(violations)
    # A refused addition shows its field errors; those states are checked too.
    page.get_by_label("Email").fill("someone-new@news.example")
    page.get_by_role("button", name="Add to News").click()
    expect(page.get_by_text("A new account needs a password.")).to_be_visible()
    violations = run_axe(page, "body")
    assert violations == [], dump(violations)


def test_the_login_page_and_a_refused_login_have_no_serious_violations(page, console, service):
    console.allow("status of 400")  # the refused sign-in below
    page.goto(f"{service.url}/admin/login")
    assert run_axe(page, "body") == [], dump(run_axe(page, "body"))
    page.get_by_label("Email").fill("nobody@news.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an account."
    )
    assert run_axe(page, "body") == [], dump(run_axe(page, "body"))


def test_the_sites_list_and_a_moderators_edit_form_have_no_serious_violations(
    page, service, signed_in
):
    page.goto(f"{service.url}/admin/")
    expect(page.get_by_role("heading", name="Your sites")).to_be_visible()
    assert run_axe(page, "body") == [], dump(run_axe(page, "body"))
    page.goto(f"{service.url}/admin/{SITE}/queue/all")
    page.get_by_role("link", name="Edit").first.click()
    expect(page.get_by_role("textbox").first).to_be_visible()
    assert run_axe(page, "body") == [], dump(run_axe(page, "body"))


def test_a_comments_history_has_no_serious_violations(page, service, signed_in, thread_key):
    posted = service.app.test_client().post(
        "/api/v1/comments",
        json={
            "site": SITE,
            "thread": thread_key,
            "url": f"{service.origin}/{thread_key}",
            "body": "First words",
            "author": {"name": "Ada"},
        },
    )
    data = posted.get_json()
    edited = service.app.test_client().patch(
        f"/api/v1/comments/{data['comment']['id']}",
        json={"body": "Second words"},
        headers={"X-Edit-Token": data["edit_token"]},
    )
    assert edited.status_code == 200
    page.goto(f"{service.url}/admin/{SITE}/comments/{data['comment']['id']}/history")
    expect(page.get_by_role("heading", name="Earlier versions")).to_be_visible()
    expect(page.locator("ol.revisions")).to_contain_text("First words")


def test_an_admin_uploads_a_disqus_export_and_reads_its_summary(page, service, signed_in):
    page.goto(f"{service.url}/admin/{SITE}/imports")
    expect(page.get_by_role("heading", name="Upload an export")).to_be_visible()
    assert run_axe(page, "body") == [], dump(run_axe(page, "body"))
    page.get_by_label("Format").select_option("disqus")
    export = Path(__file__).parent.parent / "data" / "imports" / "disqus.xml"
    page.get_by_label("Export file").set_input_files(str(export))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("disqus.xml is queued for import")).to_be_visible()
    # The page refreshes itself until the job, run in the background, is done.
    expect(page.get_by_text("5 approved")).to_be_visible(timeout=30_000)
    expect(page.locator(".job-status").first).to_have_text("done")
    assert run_axe(page, "body") == [], dump(run_axe(page, "body"))
