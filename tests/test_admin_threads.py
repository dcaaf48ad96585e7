"""The threads area of the admin panel: the list, closing and reopening, a thread in order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from comments import threads
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Thread
from tests import factories
from tests.admin_helpers import csrf_token, make_moderator, sign_in


@pytest.fixture
def moderator(app, site):
    make_moderator(app)


@pytest.fixture
def signed_in(client, moderator):
    sign_in(client)
    return client


def _thread_id(app, key: str = "story-1") -> int:
    with app.app_context():
        return db.session.scalar(select(Thread.id).where(Thread.key == key))


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _row(page: str, text: str) -> str:
    for row in re.findall(r"<tr>.*?</tr>", page, flags=re.S):
        if text in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    raise AssertionError(f"no row with {text!r}")


def test_the_list_shows_visible_and_held_counts_activity_and_state(app, signed_in, site):
    client = signed_in
    factories.post_ok(client, title="Budget vote")
    factories.post_ok(client)
    links = " ".join(f"https://example.org/{n}" for n in range(5))
    assert factories.post(client, body=f"Links {links}").status_code == 202
    factories.post_ok(client, thread="story-2", url=f"{factories.ORIGIN}/story-2", title="Quiet")
    with app.app_context(), unit_of_work():
        threads.set_closed("news", "story-2", True)
    page = _page(client, "/admin/news/threads")
    row = _row(page, "Budget vote")
    assert re.search(r"Budget vote story-1 article 2 1 \d{4}-\d\d-\d\d \d\d:\d\d Open Close", row)
    assert _row(page, "Quiet").endswith("Closed Reopen Quiet")
    assert page.index("Quiet") < page.index("Budget vote")  # newest first
    assert 'aria-current="page"' in page and ">Threads</a>" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("budget", "Budget vote", "Rail plan"),
        ("STORY-2", "Rail plan", "Budget vote"),
        ("news.example/story-1", "Budget vote", "Rail plan"),
        ("100%", None, "Budget vote"),
        ("", "Rail plan", None),
    ],
)
def test_threads_are_found_by_key_title_or_address(signed_in, query, shown, hidden):
    factories.post_ok(signed_in, title="Budget vote")
    factories.post_ok(
        signed_in, thread="story-2", url=f"{factories.ORIGIN}/story-2", title="Rail plan"
    )
    page = _page(signed_in, f"/admin/news/threads?q={query.replace('%', '%25')}")
    if shown:
        assert shown in page
    else:
        assert "No thread matches." in page
    if hidden:
        assert hidden not in page


def test_open_and_closed_threads_are_filtered(app, signed_in):
    factories.post_ok(signed_in, title="Open one")
    factories.post_ok(signed_in, thread="s2", url=f"{factories.ORIGIN}/s2", title="Shut one")
    with app.app_context(), unit_of_work():
        threads.set_closed("news", "s2", True)
    closed = _page(signed_in, "/admin/news/threads?state=closed")
    assert "Shut one" in closed and "Open one" not in closed
    opened = _page(signed_in, "/admin/news/threads?state=open")
    assert "Open one" in opened and "Shut one" not in opened


def test_the_list_pages_with_a_cursor(app, signed_in):
    with app.app_context(), unit_of_work():
        for n in range(53):
            threads.set_closed("news", f"key-{n:02d}", False)
    first = _page(signed_in, "/admin/news/threads")
    assert "key-52" in first and "key-03" in first and "key-02" not in first
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = _page(signed_in, older)
    assert "key-02" in second and "key-00" in second and "key-03" not in second
    assert 'rel="next"' not in second and "Newest</a>" in second


@pytest.mark.parametrize(
    "query", ["before=abc", "before=-1", "before=99999999999", "state=gone", "q=" + "x" * 201]
)
def test_bad_list_parameters_are_400(signed_in, query):
    assert signed_in.get(f"/admin/news/threads?{query}").status_code == 400


def test_closing_and_reopening_a_thread_is_audited_and_stops_posts(app, signed_in):
    client = signed_in
    factories.post_ok(client)
    tid = _thread_id(app)
    token = csrf_token(client, "/admin/news/threads")
    response = client.post(f"/admin/news/threads/{tid}/close", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/news/threads"
    assert "Closed “A story”." in _page(client, "/admin/news/threads")
    assert factories.post(client).get_json()["code"] == "thread_closed"
    response = client.post(
        f"/admin/news/threads/{tid}/reopen", data={"csrf_token": token, "back": "thread"}
    )
    assert response.headers["Location"] == f"/admin/news/threads/{tid}"
    assert factories.post(client).status_code == 201
    with app.app_context():
        events = list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.target_type == "thread"))
        )
    assert [(e.action, e.actor, e.target_id) for e in events] == [
        ("thread.closed", "mod@news.example", tid),
        ("thread.opened", "mod@news.example", tid),
    ]


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_closing_needs_the_csrf_token(app, signed_in, action):
    factories.post_ok(signed_in)
    tid = _thread_id(app)
    if action == "reopen":
        with app.app_context(), unit_of_work():
            threads.set_closed("news", "story-1", True)
    response = signed_in.post(f"/admin/news/threads/{tid}/{action}", data={"csrf_token": "forged"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Thread, tid).closed is (action == "reopen")
        assert (
            db.session.scalar(select(AuditEvent.id).where(AuditEvent.target_type == "thread"))
            is None
        )


def test_closing_an_unknown_thread_is_404(signed_in):
    token = csrf_token(signed_in, "/admin/news/threads")
    assert (
        signed_in.post("/admin/news/threads/999/close", data={"csrf_token": token}).status_code
        == 404
    )


def test_a_thread_shows_every_comment_in_thread_order_with_its_status(app, signed_in):
    client = signed_in
    first = factories.post_ok(client, body="First root")
    reply = factories.post_ok(client, body="Reply to first", parent_id=first["id"])
    second = factories.post_ok(client, body="Second root")
    factories.post_ok(client, body="Reply to reply", parent_id=reply["id"])
    factories.post_ok(client, body="Late reply to first", parent_id=first["id"])
    assert (
        client.application.test_cli_runner()
        .invoke(args=["comment", "reject", str(second["id"])])
        .exit_code
        == 0
    )
    page = _page(client, f"/admin/news/threads/{_thread_id(app)}")
    order = ["First root", "Reply to first", "Reply to reply", "Late reply to first", "Second root"]
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)
    assert re.search(r'depth-2 status-approved" id="c\d+">', page)
    assert re.search(rf'status-rejected" id="c{second["id"]}"', page)
    assert "rejected 1" in page and "approved 4" in page
    assert 'href="/admin/news/people/' in page


def test_a_thread_pages_by_root(app, signed_in):
    roots = [factories.post_ok(signed_in, body=f"Root number {n:02d}") for n in range(21)]
    factories.post_ok(signed_in, body="A reply on page one", parent_id=roots[0]["id"])
    path = f"/admin/news/threads/{_thread_id(app)}"
    first = _page(signed_in, path)
    assert "Root number 00" in first and "Root number 19" in first
    assert "Root number 20" not in first and "A reply on page one" in first
    later = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert later == f"{path}?after={roots[19]['id']}"
    second = _page(signed_in, later)
    assert "Root number 20" in second and "Root number 19" not in second
    assert 'rel="next"' not in second


def test_a_thread_refuses_a_cursor_of_another_thread(app, signed_in):
    factories.post_ok(signed_in)
    elsewhere = factories.post_ok(signed_in, thread="s2", url=f"{factories.ORIGIN}/s2")
    path = f"/admin/news/threads/{_thread_id(app)}"
    assert signed_in.get(f"{path}?after={elsewhere['id']}").status_code == 422
    assert signed_in.get(f"{path}?after=x").status_code == 400
    assert signed_in.get("/admin/news/threads/12345").status_code == 404


def test_a_moderator_of_another_site_gets_404_for_every_page_and_action(app, client, site):
    factories.make_site(app, "other")
    make_moderator(app, email="mod@other.example", sites=("other",))
    factories.post_ok(client)
    factories.post_ok(
        client, site="other", thread="theirs", url=f"{factories.ORIGIN}/theirs", title="Theirs"
    )
    tid = _thread_id(app)
    sign_in(client, email="mod@other.example")
    assert client.get("/admin/other/threads").status_code == 200
    token = csrf_token(client, "/admin/other/threads")
    for path in (
        "/admin/news/threads",
        f"/admin/news/threads/{tid}",
        f"/admin/other/threads/{tid}",
    ):
        assert client.get(path).status_code == 404, path
    for slug in ("news", "other"):
        for action in ("close", "reopen"):
            path = f"/admin/{slug}/threads/{tid}/{action}"
            assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    with app.app_context():
        assert db.session.get(Thread, tid).closed is False
    listed = _page(client, "/admin/other/threads")
    assert "Theirs" in listed and "A story" not in listed


def test_signed_out_visitors_are_sent_to_sign_in(app, client, site):
    assert client.get("/admin/news/threads").status_code == 302
    assert client.get("/admin/news/threads/1").status_code == 302


def test_closing_from_the_command_line_is_audited_too(app, runner, site):
    assert runner.invoke(args=["thread", "close", "news", "story-9"]).exit_code == 0
    with app.app_context():
        event = db.session.scalars(select(AuditEvent)).one()
        assert event.action == "thread.closed" and event.actor.startswith("cli:")


def test_decide_links_open_the_queue_on_that_comment_alone(app, signed_in, site):
    client = signed_in
    first = factories.post_ok(client, body="The first one.")
    factories.post_ok(client, body="Another one.")
    page = _page(client, f"/admin/news/threads/{_thread_id(app)}")
    link = re.search(r'href="([^"]*comment={}[^"]*)"'.format(first["id"]), page)
    assert link, page
    queue = _page(client, link.group(1).replace("&amp;", "&"))
    assert "The first one." in queue and "Another one." not in queue


def test_a_thread_can_be_premoderated_and_given_back_to_the_sites_rules(app, signed_in, site):
    client = signed_in
    factories.post_ok(client)
    thread_id = _thread_id(app)
    token = csrf_token(client, f"/admin/news/threads/{thread_id}")
    path = f"/admin/news/threads/{thread_id}/moderation"
    assert client.post(path, data={"csrf_token": token, "moderation": "pre"}).status_code == 302
    assert factories.post(client).status_code == 202  # held: this story is pre-moderated
    shown = _page(client, f"/admin/news/threads/{thread_id}")
    assert re.search(r'<option selected value="pre">', shown), shown
    assert client.post(path, data={"csrf_token": token, "moderation": "site"}).status_code == 302
    assert factories.post(client).status_code == 201
    assert (
        client.post(path, data={"csrf_token": token, "moderation": "sometimes"}).status_code == 400
    )
    assert client.post(path, data={"moderation": "pre"}).status_code == 400  # no CSRF token
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "thread.moderation")
        )
        assert len(list(actions)) == 2
