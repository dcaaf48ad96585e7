"""Every edit keeps the text it replaced, and the admin panel shows it for any comment."""

from __future__ import annotations

import re

import pytest

from comments import audit, moderation
from comments.database import unit_of_work
from tests import factories
from tests.admin_helpers import make_moderator, sign_in


@pytest.fixture
def signed_in(app, client, site):
    make_moderator(app)
    sign_in(client)
    return client


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _edited_by_author_then_staff(app, client) -> dict:
    posted = factories.post(client, body="First *draft*").get_json()
    comment, token = posted["comment"], posted["edit_token"]
    edited = client.patch(
        f"/api/v1/comments/{comment['id']}",
        json={"body": "Second draft"},
        headers={"X-Edit-Token": token},
    )
    assert edited.status_code == 200
    with app.app_context(), unit_of_work():
        moderation.edit(
            comment["id"], "Third, by staff", actor=audit.Actor("mod@news.example"), note="Typo"
        )
    return comment


def test_history_shows_the_authors_and_the_staffs_edits_newest_first(app, signed_in):
    comment = _edited_by_author_then_staff(app, signed_in)
    response = signed_in.get(f"/admin/news/comments/{comment['id']}/history")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = _text(page)
    assert "<p>Third, by staff</p>" in page
    now, earlier = page.split("Earlier versions", 1)
    assert "Third, by staff" in now and "Second draft" not in now
    assert earlier.index("Second draft") < earlier.index("<em>draft</em>")
    assert re.search(r"by mod@news\.example: Typo Second draft", _text(earlier))
    assert re.search(r"by its author First draft", _text(earlier))
    assert "First *draft*" in earlier  # the Markdown as written
    assert "Status approved" in text


def test_the_thread_page_links_the_history_of_edited_comments(app, signed_in):
    comment = _edited_by_author_then_staff(app, signed_in)
    untouched = factories.post_ok(signed_in, body="Never edited")
    page = signed_in.get("/admin/news/threads").get_data(as_text=True)
    thread_path = re.search(r'href="(/admin/news/threads/\d+)"', page).group(1)
    thread_page = signed_in.get(thread_path).get_data(as_text=True)
    assert f'href="/admin/news/comments/{comment["id"]}/history"' in thread_page
    assert f"/admin/news/comments/{untouched['id']}/history" not in thread_page


def test_the_history_of_a_comment_never_edited_says_so(signed_in):
    comment = factories.post_ok(signed_in, body="As posted")
    page = signed_in.get(f"/admin/news/comments/{comment['id']}/history").get_data(as_text=True)
    assert "<p>As posted</p>" in page and "No earlier version is kept" in page


def test_history_of_a_comment_elsewhere_or_missing_is_not_found(app, signed_in):
    factories.make_site(app, "other", origins=("https://other.example",))
    elsewhere = factories.post_ok(
        signed_in, site="other", url="https://other.example/a", thread="a"
    )
    assert signed_in.get(f"/admin/news/comments/{elsewhere['id']}/history").status_code == 404
    assert signed_in.get("/admin/news/comments/999999/history").status_code == 404
    assert signed_in.get(f"/admin/other/comments/{elsewhere['id']}/history").status_code == 404


def test_history_needs_a_signed_in_moderator(client, site):
    comment = factories.post_ok(client)
    response = client.get(f"/admin/news/comments/{comment['id']}/history")
    assert response.status_code in (302, 303) and "/admin/login" in response.headers["Location"]
