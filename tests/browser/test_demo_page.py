"""The demo newspaper in Chromium: the widget and the counts work under the page's policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Service, start_service
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(tmp_path: Any, host: Any) -> Iterator[Service]:
    """A service with the demo on, as ``comments serve`` runs it, and a comment on its article."""
    running = start_service(tmp_path, host.origin, DEMO=True)
    running.cli("site", "add", "demo", "--name", "The Daily Demo", "--origin", running.url)
    running.origin = running.url
    running.post("demo-article", "Under the demo's policy.", site="demo")
    yield running
    running.close()


def test_demo_article_runs_the_widget_under_its_policy(page, demo):
    # The page fixture fails the test on any console error, CSP refusals included.
    page.goto(demo.url + "/")
    expect(page.locator("#comments .tx")).to_have_text("Under the demo's policy.")


def test_demo_section_fills_in_counts_under_its_policy(page, demo):
    page.goto(demo.url + "/section")
    expect(page.locator('[data-comments-thread="demo-article"]')).to_have_text("1 comment")


def test_the_policy_refuses_a_script_injected_into_the_page(page, demo, console):
    refusal = "inline script violates the following Content Security Policy directive 'script-src"
    console.allow(refusal)
    page.goto(demo.url + "/")
    expect(page.locator("#comments .tx")).to_be_visible()
    page.evaluate(
        """() => {
        const s = document.createElement("script");
        s.textContent = "window.injected = true";
        document.body.append(s);
    }"""
    )
    assert page.evaluate("window.injected === undefined")
    assert any(refusal in e for e in console.errors)
