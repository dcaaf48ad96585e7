"""Accessibility of the widget: axe-core finds nothing serious, and the keyboard gets everywhere."""

from __future__ import annotations

import pytest
from conftest import dump, run_axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# The accessible name of the focused element, looking through shadow roots.
FOCUSED_NAME = """() => {
  let el = document.activeElement;
  while (el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  const label = el.labels && el.labels[0];
  return el.getAttribute("aria-label") || (label ? label.textContent : el.textContent);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_violations(page, console, service, host, thread_key, theme):
    console.allow("status of 422")
    root = service.post(thread_key, "A comment with a [link](https://example.com)", name="Sam")
    service.post(thread_key, "A reply", name="Ada", parent_id=root["id"])
    page.emulate_media(color_scheme=theme)
    # A dark widget goes on a dark page: its background is the page's own.
    background = (
        "<style>body { background: #0d1117; color: #e6edf3 }</style>" if theme == "dark" else ""
    )
    page.goto(host.add("".join(host.embed_tags(thread_key, theme=theme)), head=background))
    expect(page.locator("#comments .tx").first).to_be_visible()
    # Open a reply form and provoke field errors, so those states are checked too.
    page.get_by_role("button", name="Reply to Sam").click()
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_label("Name").first).to_have_attribute("aria-invalid", "true")
    violations = run_axe(page)
    assert violations == [], dump(violations)


def test_every_control_is_reachable_by_keyboard_in_order(page, service, host, thread_key):
    service.post(thread_key, "Something", name="Sam")
    page.goto(host.article(thread_key))
    expect(page.locator("#comments .tx")).to_be_visible()
    page.locator("h1").click()
    names = []
    for _ in range(12):
        page.keyboard.press("Tab")
        names.append(page.evaluate(FOCUSED_NAME))
    expected = [
        "Newest",
        "Oldest",
        "Top",
        "Your comment",
        "Name",
        "Email (never shown)",
        "Website",
        "Post comment",
    ]
    assert names[: len(expected)] == expected
    assert "Reply to Sam" in names


def test_reply_form_is_reached_and_left_by_keyboard(page, service, host, thread_key):
    service.post(thread_key, "Something", name="Sam")
    page.goto(host.article(thread_key))
    reply = page.get_by_role("button", name="Reply to Sam")
    reply.focus()
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Reply to Sam")
    expect(box).to_be_focused()
    page.keyboard.type("Typed with the keyboard")
    page.get_by_role("button", name="Cancel").focus()
    page.keyboard.press("Enter")
    expect(reply).to_be_focused()


def test_new_content_is_announced_in_a_live_region(page, service, host, thread_key):
    page.goto(host.article(thread_key))
    live = page.locator("#comments [aria-live=polite]")
    expect(live).to_have_count(1)
    page.get_by_label("Your comment").fill("Announce me")
    page.get_by_label("Name").fill("Ada")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Post comment").press("Enter")
    expect(live).to_have_text("Your comment was posted.")


def test_fields_have_labels_and_the_hint_is_described(page, host, thread_key):
    page.goto(host.article(thread_key))
    body = page.get_by_role("textbox", name="Your comment")
    hint = page.locator("#" + body.get_attribute("aria-describedby").split()[0])
    expect(hint).to_contain_text("Markdown")
    expect(page.get_by_role("textbox", name="Name")).to_be_hidden()
    body.focus()  # the identity fields unfold when the reader starts writing
    for name in ("Name", "Email (never shown)", "Website"):
        expect(page.get_by_role("textbox", name=name)).to_be_visible()
    expect(page.get_by_role("group", name="Sort comments")).to_be_visible()
    expect(page.get_by_role("region", name="Comments")).to_be_visible()


def test_axe_finds_no_serious_violations_on_a_permalink_page(page, service, host, thread_key):
    posted = [service.post(thread_key, f"Comment {n}") for n in range(25)]
    page.goto(host.article(thread_key) + f"#comment-{posted[0]['id']}")
    newer = page.get_by_role("button", name="Show newer comments")
    expect(newer).to_be_visible()
    violations = run_axe(page)
    assert violations == [], dump(violations)
