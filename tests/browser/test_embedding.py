"""Embedding the widget: script placement, re-mounting, hostile pages, themes, languages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from conftest import SITE
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LATE_CONTAINER = """
<button id="open" onclick="
  const box = document.createElement('div');
  box.id = 'comments'; box.dataset.site = '{site}'; box.dataset.thread = '{thread}';
  document.body.append(box);">Show comments</button>
"""


@pytest.mark.parametrize("placement", ["async", "defer", "head", "late-container"])
def test_widget_mounts_however_the_script_is_placed(page, service, host, thread_key, placement):
    service.post(thread_key, "Placed")
    container, tag = host.embed_tags(thread_key, script="async" if placement != "head" else "")
    if placement == "defer":
        tag = tag.replace(" async", " defer")
    if placement == "head":
        url = host.add(container, head=tag)
    elif placement == "late-container":
        url = host.add(LATE_CONTAINER.format(site=SITE, thread=thread_key) + tag)
    else:
        url = host.add(container + tag)
    page.goto(url)
    if placement == "late-container":
        expect(page.locator("script[src$='embed.js']")).to_be_attached()
        page.get_by_role("button", name="Show comments").click()
    expect(page.locator("#comments .tx")).to_have_text("Placed")


def test_init_twice_replaces_the_first_rendering(page, service, host, thread_key):
    service.post(thread_key, "Only once")
    page.goto(host.article(thread_key))
    expect(page.locator("#comments .tx")).to_have_text("Only once")
    page.evaluate("Comments.init(); Comments.init()")
    expect(page.locator("#comments .tx")).to_have_text("Only once")
    expect(page.locator("#comments h2")).to_have_count(1)
    expect(page.locator("#comments form")).to_have_count(1)
    assert page.evaluate("Object.keys(window).filter(k => /comment/i.test(k))") == ["Comments"]


def test_init_mounts_another_thread_for_single_page_apps(page, service, host, thread_key):
    service.post(thread_key, "First story")
    service.post(thread_key + "-b", "Second story")
    page.goto(host.article(thread_key))
    expect(page.locator("#comments .tx")).to_have_text("First story")
    page.evaluate("k => Comments.init({thread: k})", thread_key + "-b")
    expect(page.locator("#comments .tx")).to_have_text("Second story")
    expect(page.locator("#comments section")).to_have_count(1)


HOSTILE = "<style>* { display: inline !important; color: red } div { font-size: 0 }</style>"


def test_hostile_host_stylesheet_does_not_break_the_widget(page, service, host, thread_key):
    service.post(thread_key, "Still readable", name="Sam")
    url = host.add("".join(host.embed_tags(thread_key)), head=HOSTILE)
    page.goto(url)
    body = page.locator("#comments .tx")
    expect(body).to_have_text("Still readable")
    style = body.evaluate(
        "el => { const s = getComputedStyle(el); "
        "return {display: s.display, size: s.fontSize, color: s.color}; }"
    )
    assert style["display"] == "block"
    assert style["size"] == "15px"
    assert style["color"] != "rgb(255, 0, 0)"
    assert page.locator("#comments").evaluate("el => getComputedStyle(el).display") == "block"
    textarea = page.get_by_label("Your comment")
    box = textarea.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 60
    textarea.fill("Typing works")
    page.get_by_label("Name").fill("Ada")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comments .list > article").first.locator(".tx")).to_have_text(
        "Typing works"
    )


def _field_background(page) -> str:
    return page.get_by_label("Your comment").evaluate("el => getComputedStyle(el).backgroundColor")


DARK = "rgb(13, 17, 23)"
LIGHT = "rgb(255, 255, 255)"


@pytest.mark.parametrize(
    ("theme", "scheme", "expected"),
    [
        ("light", "dark", LIGHT),
        ("dark", "light", DARK),
        ("auto", "dark", DARK),
        ("auto", "light", LIGHT),
    ],
)
def test_theme_light_dark_and_auto(page, host, thread_key, theme, scheme, expected):
    page.emulate_media(color_scheme=scheme)
    page.goto(host.article(thread_key, theme=theme))
    expect(page.get_by_label("Your comment")).to_be_visible()
    assert _field_background(page) == expected


def test_theme_custom_properties_reach_into_the_widget(page, host, thread_key):
    head = (
        "<style>#comments { --comments-button: rgb(0, 0, 90); --comments-fg: rgb(1, 2, 3) }</style>"
    )
    page.goto(host.add("".join(host.embed_tags(thread_key)), head=head))
    expect(page.locator("#comments h2")).to_have_css("color", "rgb(1, 2, 3)")
    expect(page.get_by_role("button", name="Post comment")).to_have_css(
        "background-color", "rgb(0, 0, 90)"
    )


LANGUAGES = [
    ("en", {"count": "2 comments", "sort": ["Newest", "Oldest", "Top"], "post": "Post comment"}),
    ("zh-CN", {"count": "2 条评论", "sort": ["最新", "最早", "最热"], "post": "发表评论"}),
    ("ru", {"count": "2 комментария", "sort": ["Новые", "Старые", "Лучшие"], "post": "Отправить"}),
]


@pytest.mark.parametrize(("lang", "expected"), LANGUAGES, ids=[lang for lang, _ in LANGUAGES])
def test_languages_chosen_by_data_lang(page, service, host, thread_key, lang, expected):
    service.post(thread_key, "One")
    service.post(thread_key, "Two")
    page.goto(host.article(thread_key, lang=lang))
    expect(page.locator("#comments h2")).to_have_text(expected["count"])
    expect(page.locator("#comments .sort button")).to_have_text(expected["sort"])
    expect(page.locator("#comments .btn")).to_have_text(expected["post"])
    expect(page.locator("#comments section")).to_have_attribute("lang", lang)


@pytest.mark.parametrize(
    ("locale", "heading"),
    [("ru-RU", "Комментарии"), ("zh-CN", "评论"), ("zh-TW", "评论"), ("de-DE", "Comments")],
)
def test_language_follows_the_browser(browser, service, host, console, thread_key, locale, heading):
    from conftest import watch

    context = browser.new_context(locale=locale)
    page = watch(context.new_page(), console)
    page.goto(host.article(thread_key))
    expect(page.locator("#comments section")).to_have_attribute("aria-label", heading)
    expect(page.locator("#comments .empty")).to_be_visible()
    context.close()
    assert console.unexpected() == []


def test_relative_times_are_in_the_readers_language(page, service, host, thread_key):
    service.post(thread_key, "Now")
    page.goto(host.article(thread_key, lang="ru"))
    expect(page.locator("#comments time")).to_have_text("только что")


def test_widget_talks_to_nobody_but_its_service(page, service, host, thread_key):
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    service.post(thread_key, "Hello", name="Sam")
    page.goto(host.article(thread_key, lang="ru"))
    expect(page.locator("#comments .tx")).to_have_text("Hello")
    page.get_by_role("button", name=re.compile("Ответить")).first.click()
    origins = {
        f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in seen if not u.startswith("data:")
    }
    assert origins == {host.origin, service.url}


def test_missing_site_is_reported_in_the_console_with_the_prefix(page, host):
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(
        host.add(
            f'<div id="comments"></div><script src="{host.service_url}/static/embed.js"></script>'
        )
    )
    expect(page.locator("#comments")).to_be_empty()
    assert any(m.startswith("[comments]") and "data-site" in m for m in messages)


def test_posts_carry_the_canonical_url_and_title_and_default_thread(page, host, thread_key):
    canonical = f"{host.origin}/news/{thread_key}"
    container = f'<div id="comments" data-site="{SITE}"></div>'
    script = f'<script src="{host.service_url}/static/embed.js" async></script>'
    page.goto(
        host.add(
            container + script, head=f'<link rel="canonical" href="{canonical}">', title="Big news"
        )
    )
    page.get_by_label("Your comment").fill("Where am I?")
    page.get_by_label("Name").fill("Ada")
    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.get_by_role("button", name="Post comment").click()
    payload = posted.value.post_data_json
    assert payload["url"] == canonical
    assert payload["title"] == "Big news"
    assert payload["thread"] == f"/news/{thread_key}"
    assert payload["hp"] == ""
    expect(page.locator("#comments .list article .tx")).to_have_text("Where am I?")


def test_requests_carry_no_cookies_and_no_credentials(page, service, host, thread_key):
    service.post(thread_key, "Hello")
    with page.expect_request(lambda r: "/api/v1/comments?" in r.url) as listed:
        page.goto(host.article(thread_key))
    headers = listed.value.all_headers()
    assert "cookie" not in headers
    assert "authorization" not in headers
    expect(page.locator("#comments .tx")).to_have_text("Hello")
