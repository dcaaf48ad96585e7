"""The audit log page and its CSV export: filters, pages, who sees what, safe cells."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import func, select

from comments import audit, moderation
from comments.admin import audit_log
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Role
from tests import factories
from tests.admin_helpers import csrf_token, make_moderator, sign_in


@pytest.fixture
def desk(app, site):
    """A moderator and an admin of ``news``; a moderator of ``other``."""
    factories.make_site(app, "other")
    make_moderator(app)
    make_moderator(app, "admin@news.example", Role.ADMIN)
    make_moderator(app, "mod@other.example", sites=("other",))


def _decide(app, comment_id: int, decision: str, note: str | None = None, who: str = "mod"):
    with app.app_context(), unit_of_work():
        actor = audit.Actor(f"{who}@news.example")
        moderation.decide(comment_id, decision, actor=actor, note=note)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_text(response), newline="")))


def test_the_log_shows_decisions_newest_first_with_who_why_and_the_change(app, client, desk):
    comment = factories.post_ok(client)
    _decide(app, comment["id"], "reject", note="Personal attack")
    _decide(app, comment["id"], "restore", who="admin")
    sign_in(client)
    page = _text(client.get("/admin/news/audit"))
    rejected = page.index("Rejected a comment")
    approved = page.index("Approved a comment")
    assert approved < rejected  # the restore came later, so it is shown first
    assert "Personal attack" in page
    assert (
        'approved <span aria-hidden="true">→</span><span class="sr">changed to</span> rejected'
        in page
    )
    assert f"Comment {comment['id']}" in page
    assert f"https://news.example/story-1#comment-{comment['id']}" in page
    assert "admin@news.example" in page


def test_the_log_is_in_the_site_menu_and_dashboard_comes_first(client, desk):
    sign_in(client)
    page = _text(client.get("/admin/news/audit"))
    menu = page[page.index('aria-label="Main"') : page.index("</nav>")]
    assert menu.index(">Dashboard<") < menu.index(">Audit log<")
    assert ">Staff<" not in menu  # a moderator does not manage staff


def test_the_log_shows_only_this_sites_events(app, client, desk):
    with app.app_context(), unit_of_work():
        site_ids = {s.slug: s.id for s in __import__("comments").sites.list_sites()}
        audit.record(audit.Actor("x"), "thread.closed", site_id=site_ids["other"], reason="other's")
        audit.record(audit.Actor("x"), "thread.closed", site_id=site_ids["news"], reason="ours")
    sign_in(client)
    page = _text(client.get("/admin/news/audit"))
    assert "ours" in page and "other&#39;s" not in page and "other's" not in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"action": "comment.spam"}, ["spam note"], ["reject note"]),
        ({"who": "ADMIN@news.example "}, ["spam note"], ["reject note"]),
        ({"action": "comment.rejected", "who": "mod@news.example"}, ["reject note"], ["spam note"]),
    ],
)
def test_the_log_filters_by_action_and_who(app, client, desk, query, shown, hidden):
    first, second = factories.post_ok(client), factories.post_ok(client)
    _decide(app, first["id"], "reject", note="reject note")
    _decide(app, second["id"], "spam", note="spam note", who="admin")
    sign_in(client)
    page = _text(client.get("/admin/news/audit", query_string=query))
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_the_log_filters_by_comment_and_links_a_comment_to_its_events(app, client, desk):
    first, second = factories.post_ok(client), factories.post_ok(client)
    _decide(app, first["id"], "reject", note="first note")
    _decide(app, second["id"], "reject", note="second note")
    sign_in(client)
    page = _text(client.get(f"/admin/news/audit?comment={second['id']}"))
    assert "second note" in page and "first note" not in page
    assert f'href="/admin/news/audit?comment={second["id"]}"' in page


def test_the_log_filters_by_date_range(app, client, desk):
    comment = factories.post_ok(client)
    _decide(app, comment["id"], "reject", note="today's note")
    with app.app_context(), unit_of_work():
        old = db.session.scalar(select(AuditEvent).where(AuditEvent.reason == "today's note"))
        old.created_at = datetime(2026, 1, 15, 23, 59)
    sign_in(client)
    for since, until, found in [
        ("2026-01-15", "2026-01-15", True),
        ("2026-01-16", "", False),
        ("", "2026-01-14", False),
        ("2026-01-01", "2026-01-31", True),
    ]:
        page = _text(client.get("/admin/news/audit", query_string={"since": since, "until": until}))
        assert ("today&#39;s note" in page) is found, (since, until)


@pytest.mark.parametrize(
    "query",
    [
        {"comment": "abc"},
        {"comment": "0"},
        {"comment": str(2**40)},
        {"since": "yesterday"},
        {"since": "2026-02-01", "until": "2026-01-01"},
        {"action": "DROP TABLE"},
        {"before": "-3"},
        {"who": "x" * 300},
    ],
)
def test_bad_filters_are_a_400_that_says_so(client, desk, query):
    sign_in(client)
    response = client.get("/admin/news/audit", query_string=query)
    assert response.status_code == 400
    assert "not valid" in _text(response)
    assert client.get("/admin/news/audit.csv", query_string=query).status_code == 400


def test_the_log_pages_by_id_without_gaps_or_repeats(app, client, desk, monkeypatch):
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 4)
    with app.app_context(), unit_of_work():
        news = __import__("comments").sites.get_site("news")
        for n in range(10):
            audit.record(audit.Actor("x"), "thread.closed", site_id=news.id, reason=f"event-{n:02}")
    sign_in(client)
    seen, url = [], "/admin/news/audit?action=thread.closed"
    for _ in range(5):
        page = _text(client.get(url))
        found = [f"event-{n:02}" for n in range(10) if f"event-{n:02}" in page]
        seen += sorted(found, key=page.index)
        if 'rel="next"' not in page:
            break
        assert "Newest events" in page or url.endswith("closed")
        url = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        assert "action=thread.closed" in url
    assert seen == [f"event-{n:02}" for n in range(9, -1, -1)]


def test_admins_see_sign_ins_of_their_sites_staff_only(app, desk):
    other_client = app.test_client()
    sign_in(other_client, "mod@other.example")  # staff of another site only
    sign_in(app.test_client(), "mod@news.example", "wrong password")
    moderator, admin = app.test_client(), app.test_client()
    sign_in(moderator)
    sign_in(admin, "admin@news.example")

    page = _text(admin.get("/admin/news/audit?action=staff.login"))
    assert "mod@news.example" in page.split("<tbody>")[1]
    assert "mod@other.example" not in page
    failed = _text(admin.get("/admin/news/audit?action=staff.login_failed"))
    assert "Failed to sign in" in failed.split("<tbody>")[1]

    seen_by_moderator = _text(moderator.get("/admin/news/audit"))
    assert "Signed in" not in seen_by_moderator.split("</form>", 2)[-1]
    assert "No events match." in _text(moderator.get("/admin/news/audit?action=staff.login"))


def test_the_csv_has_a_header_every_event_and_parses_back(app, client, desk):
    comment = factories.post_ok(client)
    _decide(app, comment["id"], "reject", note='Said "that", twice,\nover two lines')
    sign_in(client)
    response = client.get("/admin/news/audit.csv")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-news-')
    assert "\r\n" in _text(response)
    rows = _csv(response)
    assert rows[0] == list(audit_log.CSV_COLUMNS)
    header = rows[0]
    event = dict(zip(header, rows[1], strict=True))
    assert event["action"] == "comment.rejected" and event["who"] == "mod@news.example"
    assert event["reason"] == 'Said "that", twice,\nover two lines'
    assert event["target_type"] == "comment" and event["target_id"] == str(comment["id"])
    assert event["before"] == '{"status": "approved"}'
    assert event["time_utc"].endswith("Z")


def test_the_csv_exports_the_filtered_events_only(app, client, desk):
    first, second = factories.post_ok(client), factories.post_ok(client)
    _decide(app, first["id"], "reject")
    _decide(app, second["id"], "spam")
    sign_in(client)
    rows = _csv(client.get("/admin/news/audit.csv?action=comment.spam"))
    assert [r[3] for r in rows[1:]] == ["comment.spam"]


@pytest.mark.parametrize(
    "hostile", ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2", "@SUM(A1)"]
)
def test_the_csv_neutralises_formulas(app, client, desk, hostile):
    comment = factories.post_ok(client)
    _decide(app, comment["id"], "reject", note=hostile)
    sign_in(client)
    event = dict(zip(*_csv(client.get("/admin/news/audit.csv"))[:2], strict=True))
    assert event["reason"] == "'" + hostile


def test_the_csv_is_streamed_in_batches(app, client, desk):
    with app.app_context(), unit_of_work():
        news = __import__("comments").sites.get_site("news")
        for n in range(1203):
            audit.record(audit.Actor("x"), "thread.closed", site_id=news.id, reason=f"n{n}")
    sign_in(client)
    response = client.get("/admin/news/audit.csv?action=thread.closed")
    assert response.is_streamed
    with app.app_context():
        lines = audit_log.csv_lines({"site_ids": [news.id]})
        assert next(lines).startswith("id,time_utc,")  # a generator, one line at a time
    rows = _csv(response)
    assert len(rows) == 1 + 1203
    assert [r[6] for r in rows[1:4]] == ["n1202", "n1201", "n1200"]
    assert len({r[0] for r in rows[1:]}) == 1203


def test_the_log_and_csv_are_not_found_for_staff_of_another_site(app, desk):
    client = app.test_client()
    sign_in(client, "mod@other.example")
    for path in ("/admin/news/audit", "/admin/news/audit.csv", "/admin/news/audit?comment=1"):
        assert client.get(path).status_code == 404, path
    assert client.get("/admin/nowhere/audit").status_code == 404
    assert client.get("/admin/other/audit").status_code == 200


def test_the_log_asks_visitors_to_sign_in(client, desk):
    for path in ("/admin/news/audit", "/admin/news/audit.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_the_log_page_is_bounded(app, client, desk, monkeypatch):
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 3)
    with app.app_context(), unit_of_work():
        news = __import__("comments").sites.get_site("news")
        for n in range(5):
            audit.record(audit.Actor("x"), "thread.closed", site_id=news.id, reason=f"r{n}")
    sign_in(client)
    page = _text(client.get("/admin/news/audit?action=thread.closed"))
    assert page.count('<tr id="event-') == 3
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) > 3


def test_staff_changes_show_readably_in_the_log(app, desk):
    admin = app.test_client()
    sign_in(admin, "admin@news.example")
    token = csrf_token(admin, "/admin/news/staff")
    data = {"csrf_token": token, "email": "mod@other.example", "role": "moderator"}
    assert admin.post("/admin/news/staff", data=data).status_code == 302
    page = _text(admin.get("/admin/news/audit?action=staff.role"))
    row = page.split("<tbody>")[1].split("</tr>")[0]
    assert "admin@news.example" in row and "Gave a staff role" in row
    assert "email: mod@other.example" in row
    assert (
        'role: — <span aria-hidden="true">→</span><span class="sr">changed to</span> moderator'
        in row
    )
