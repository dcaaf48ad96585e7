"""The queues in the admin panel: what each lists, filters, cursors, and every decision."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from comments import moderation, reasons
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Comment, CommentRevision, Status
from tests import factories
from tests.admin_helpers import csrf_token, make_moderator, sign_in
from tests.factories import post_ok, read

QUEUE_NAMES = ["pending", "reported", "spam", "approved", "rejected", "deleted", "all"]
_ITEM = re.compile(r'<li class="item" id="item-(\d+)"')


@pytest.fixture
def desk(app: Flask, client: FlaskClient, site: Any) -> FlaskClient:
    """A client signed in as a moderator of ``news``."""
    make_moderator(app)
    assert sign_in(client).status_code == 302
    return client


def _set(app: Flask, comment_id: int, status: Status, held: list | None = None) -> None:
    with app.app_context(), unit_of_work():
        comment = db.session.get(Comment, comment_id)
        moderation.set_status(comment, status, reasons=held)


def _listed(client: FlaskClient, path: str, **params: Any) -> list[int]:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(i) for i in _ITEM.findall(response.get_data(as_text=True))]


def _token(client: FlaskClient) -> str:
    return csrf_token(client, "/admin/news/queue/all")


def _act(client: FlaskClient, ids: list[int], action: str, **form: Any) -> Any:
    data = {"ids": [str(i) for i in ids], "action": action, "csrf_token": _token(client), **form}
    return client.post("/admin/news/queue/act", data=data)


def _status(app: Flask, comment_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Comment, comment_id).status)


def _events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        db.session.expunge_all()
        return [e for e in events if e.action.startswith("comment.")]


def _count(client: FlaskClient) -> int:
    answer = client.get("/api/v1/counts", query_string={"site": "news", "thread": "story-1"})
    return answer.get_json()["counts"]["story-1"]


def _one_of_each(app: Flask, client: FlaskClient) -> dict[str, int]:
    made = {name: post_ok(client, body=f"in {name}")["id"] for name in QUEUE_NAMES[:-1]}
    _set(app, made["pending"], Status.PENDING, [reasons.make(reasons.PREMODERATED)])
    reported = reasons.make("reported", count=3, reasons={"abuse": 2, "spam": 1})
    _set(app, made["reported"], Status.PENDING, [reported])
    for name in ("spam", "rejected", "deleted"):
        _set(app, made[name], Status(name))
    return made


@pytest.mark.parametrize("name", QUEUE_NAMES)
def test_each_queue_lists_its_comments_only(app, desk, name):
    made = _one_of_each(app, desk)
    expected = {
        "pending": {made["pending"], made["reported"]},
        "reported": {made["reported"]},
        "all": set(made.values()),
    }.get(name, {made.get(name)})
    assert set(_listed(desk, f"/admin/news/queue/{name}")) == expected


def test_the_queue_opens_on_pending_and_is_in_the_menu(app, desk):
    _one_of_each(app, desk)
    page = desk.get("/admin/news/queue").get_data(as_text=True)
    assert "<h1>Pending comments</h1>" in page
    assert 'href="/admin/news/queue" aria-current="page">Queue</a>' in page


def test_an_empty_queue_says_so(desk):
    page = desk.get("/admin/news/queue/reported").get_data(as_text=True)
    assert "Nothing here." in page and "<h1>Reported comments</h1>" in page


def test_an_unknown_queue_is_not_found(desk):
    assert desk.get("/admin/news/queue/everything").status_code == 404


def test_items_say_why_and_show_their_context(app, desk):
    root = post_ok(desk, body="The original point, which is long enough to be cut " * 5)
    reply = post_ok(desk, body="A reply [link](https://example.com)", parent_id=root["id"])
    _set(app, reply["id"], Status.PENDING, [reasons.make(reasons.TOO_MANY_LINKS, count=5, limit=3)])
    page = desk.get("/admin/news/queue/pending").get_data(as_text=True)
    assert "Comments with more than 3 links are checked by a moderator" in page
    assert '<a class="open-thread" href="https://news.example/story-1">A story</a>' in page
    assert f"in reply to <strong>{root['author']['name']}</strong>" in page
    assert "<q>The original point, which is long enough to be cut" in page and "…</q>" in page
    assert "0 approved, 0 rejected, 0 spam on this site" in page
    assert "Sanctions" not in page


def test_author_history_counts_their_comments_on_this_site(app, desk):
    author = {"name": "Sam", "email": "sam@example.com"}
    first, second, third = (post_ok(desk, author=author)["id"] for _ in range(3))
    _set(app, second, Status.REJECTED)
    _set(app, third, Status.SPAM)
    page = desk.get("/admin/news/queue/approved").get_data(as_text=True)
    assert "1 approved, 1 rejected, 1 spam on this site" in page


def test_filters_by_thread_key_or_title(app, desk):
    one = post_ok(desk, thread="story-1", title="Elections tonight")["id"]
    two = post_ok(desk, thread="story-2", url=f"{factories.ORIGIN}/story-2", title="Weather")["id"]
    assert _listed(desk, "/admin/news/queue/all", thread="story-2") == [two]
    assert _listed(desk, "/admin/news/queue/all", thread="election") == [one]
    assert _listed(desk, "/admin/news/queue/all", thread="story") == []  # keys match whole


def test_filters_by_author_name_or_email_and_by_text(app, desk):
    ada = post_ok(desk, author={"name": "Ada Lovelace", "email": "ada@example.com"})["id"]
    bob = post_ok(desk, author={"name": "Bob", "email": "bob@example.org"}, body="100% sure")["id"]
    assert _listed(desk, "/admin/news/queue/all", author="lovelace") == [ada]
    assert _listed(desk, "/admin/news/queue/all", author="example.org") == [bob]
    assert _listed(desk, "/admin/news/queue/all", text="100%") == [bob]
    assert _listed(desk, "/admin/news/queue/all", text="%") == [bob]  # no wildcards
    assert _listed(desk, "/admin/news/queue/all", author="ada", text="sure") == []


def test_newest_or_oldest_first(app, desk):
    ids = [post_ok(desk)["id"] for _ in range(3)]
    assert _listed(desk, "/admin/news/queue/approved") == ids[::-1]
    assert _listed(desk, "/admin/news/queue/approved", order="oldest") == ids


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_cursors_walk_a_queue_of_50_once_each(app, desk, order):
    ids = [post_ok(desk)["id"] for _ in range(50)]
    seen: list[int] = []
    params: dict[str, Any] = {"order": order, "limit": 20}
    pages = 0
    while True:
        response = desk.get("/admin/news/queue/approved", query_string=params)
        html = response.get_data(as_text=True)
        seen += [int(i) for i in _ITEM.findall(html)]
        pages += 1
        found = re.search(r'<a rel="next" href="[^"]*cursor=([^&"]+)', html)
        if not found:
            break
        params["cursor"] = found.group(1)
    assert pages == 3
    assert seen == (ids[::-1] if order == "newest" else ids)


@pytest.mark.parametrize(
    "params",
    [
        {"order": "sideways"},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "many"},
        {"cursor": "not-a-cursor"},
        {"text": "x" * 201},
    ],
)
def test_bad_queue_parameters_get_a_400_page(desk, params):
    response = desk.get("/admin/news/queue/all", query_string=params)
    assert response.status_code == 400
    assert "<h1>" in response.get_data(as_text=True)


def test_a_cursor_of_the_other_order_is_refused(app, desk):
    for _ in range(3):
        post_ok(desk)
    html = desk.get("/admin/news/queue/all?limit=1").get_data(as_text=True)
    cursor = re.search(r"cursor=([^&\"]+)", html).group(1)
    path = f"/admin/news/queue/all?limit=1&order=oldest&cursor={cursor}"
    assert desk.get(path).status_code == 400


# Decisions


def test_approve_shows_the_comment_at_once_and_is_audited(app, desk):
    held = post_ok(desk)["id"]
    _set(app, held, Status.PENDING, [reasons.make(reasons.PREMODERATED)])
    assert read(desk)["comments"] == [] and _count(desk) == 0
    response = _act(desk, [held], "approve", next="/admin/news/queue/pending?order=oldest")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/news/queue/pending?order=oldest"
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approved 1 comment." in page
    assert [c["id"] for c in read(desk)["comments"]] == [held] and _count(desk) == 1
    [event] = _events(app)
    assert (event.action, event.actor, event.before, event.after) == (
        "comment.approved",
        "mod@news.example",
        {"status": "pending"},
        {"status": "approved"},
    )


@pytest.mark.parametrize("decision", ["spam", "delete"])
def test_spam_and_delete_take_the_comment_away_at_once(app, desk, decision):
    shown = post_ok(desk)["id"]
    assert _act(desk, [shown], decision).status_code == 302
    assert read(desk)["comments"] == [] and _count(desk) == 0
    status = "spam" if decision == "spam" else "deleted"
    assert _status(app, shown) == status
    assert [(e.action, e.before, e.after) for e in _events(app)] == [
        (f"comment.{status}", {"status": "approved"}, {"status": status})
    ]
    assert _listed(desk, f"/admin/news/queue/{status}") == [shown]


def test_reject_records_the_reason_code_and_note(app, desk):
    shown = post_ok(desk)["id"]
    assert _act(desk, [shown], "reject", reason="abuse", note="name-calling").status_code == 302
    assert _status(app, shown) == "rejected" and _count(desk) == 0
    [event] = _events(app)
    assert (event.action, event.reason) == ("comment.rejected", "abuse: name-calling")


@pytest.mark.parametrize("reason", ["", "rude"])
def test_reject_without_a_known_reason_changes_nothing(app, desk, reason):
    shown = post_ok(desk)["id"]
    response = _act(desk, [shown], "reject", reason=reason)
    assert 400 <= response.status_code < 500
    assert "reason" in response.get_data(as_text=True).lower()
    assert _status(app, shown) == "approved" and _events(app) == []


def test_restore_brings_a_rejected_comment_back(app, desk):
    shown = post_ok(desk)["id"]
    _act(desk, [shown], "reject", reason="off_topic")
    assert _act(desk, [shown], "restore").status_code == 302
    assert _status(app, shown) == "approved" and _count(desk) == 1
    assert [e.action for e in _events(app)] == ["comment.rejected", "comment.approved"]


def test_restore_of_a_comment_never_removed_is_a_409_and_changes_nothing(app, desk):
    shown = post_ok(desk)["id"]
    assert _act(desk, [shown], "restore").status_code == 409
    assert _events(app) == []


def test_pin_puts_a_root_first_on_the_first_page_of_each_sort(app, desk):
    ids = [post_ok(desk)["id"] for _ in range(25)]
    before = read(desk, limit=10)
    assert _act(desk, [ids[0]], "pin").status_code == 302
    newest = read(desk, limit=10)
    assert [c["id"] for c in newest["comments"]][:2] == [ids[0], ids[-1]]
    assert newest["comments"][0]["pinned"] is True
    assert before["comments"][0]["id"] == ids[-1]  # the cached page moved on
    oldest = read(desk, limit=10, sort="oldest")
    assert [c["id"] for c in oldest["comments"]][:2] == [ids[0], ids[1]]
    walked, cursor = [], None
    while True:
        page = read(desk, limit=10, **({"cursor": cursor} if cursor else {}))
        walked += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(walked) == sorted(ids) and len(walked) == len(ids)  # once each
    assert [e.action for e in _events(app)] == ["comment.pin"]


def test_a_permalink_to_a_pinned_root_opens_the_first_page(app, desk):
    ids = [post_ok(desk)["id"] for _ in range(25)]
    _act(desk, [ids[0]], "pin")
    page = read(desk, limit=10, around=ids[0])
    assert page["comments"][0]["id"] == ids[0] and page["prev_cursor"] is None


def test_pin_refuses_replies_and_more_than_three_per_thread(app, desk):
    roots = [post_ok(desk)["id"] for _ in range(4)]
    reply = post_ok(desk, parent_id=roots[0])["id"]
    assert _act(desk, [reply], "pin").status_code == 409
    assert _act(desk, roots[:3], "pin").status_code == 302
    assert _act(desk, [roots[3]], "pin").status_code == 409
    assert [c["pinned"] for c in read(desk)["comments"]] == [True, True, True, False]


def test_a_pinned_comment_that_is_rejected_is_no_longer_pinned(app, desk):
    root = post_ok(desk)["id"]
    _act(desk, [root], "pin")
    _act(desk, [root], "reject", reason="legal")
    _act(desk, [root], "restore")
    assert read(desk)["comments"][0]["pinned"] is False


def test_feature_shows_in_the_api_and_unfeature_takes_it_off(app, desk):
    shown = post_ok(desk)["id"]
    assert read(desk)["comments"][0]["featured"] is False
    _act(desk, [shown], "feature")
    assert read(desk)["comments"][0]["featured"] is True
    _act(desk, [shown], "unfeature")
    assert read(desk)["comments"][0]["featured"] is False
    assert [(e.action, e.before, e.after) for e in _events(app)] == [
        ("comment.feature", {"featured": False}, {"featured": True}),
        ("comment.unfeature", {"featured": True}, {"featured": False}),
    ]


def test_featured_is_in_the_openapi_schema(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["CommentOut"]["properties"]["featured"]["type"] == "boolean"
    assert "featured" in schemas["CommentOut"]["required"]


def _edit(client: FlaskClient, comment_id: int, **form: Any) -> Any:
    path = f"/admin/news/queue/comments/{comment_id}/edit"
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, **form})


def test_a_moderator_edit_rerenders_keeps_the_earlier_text_and_is_audited(app, desk):
    shown = post_ok(desk, body="You *idiot*, read it again.")["id"]
    response = _edit(
        desk, shown, body="Read it **again**.", note="insult removed", next="/admin/news/queue/all"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/news/queue/all"
    [comment] = read(desk)["comments"]
    assert comment["html"] == "<p>Read it <strong>again</strong>.</p>"
    assert comment["edited_at"] is not None
    [event] = _events(app)
    assert (event.action, event.reason) == ("comment.edited", "insult removed")
    assert event.before == {"body": "You *idiot*, read it again."}
    page = desk.get("/admin/news/queue/all").get_data(as_text=True)
    assert "Earlier versions (1)" in page
    assert "by mod@news.example: insult removed" in page
    assert "<p>You <em>idiot</em>, read it again.</p>" in page


def test_an_edit_by_its_author_keeps_the_earlier_text(app, desk):
    answer = factories.post(desk).get_json()
    response = desk.patch(
        f"/api/v1/comments/{answer['comment']['id']}",
        json={"body": "Second thoughts"},
        headers={"X-Edit-Token": answer["edit_token"], "Origin": factories.ORIGIN},
    )
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        [revision] = db.session.scalars(select(CommentRevision))
        assert revision.editor == "author" and revision.body.startswith("A comment number")
    page = desk.get("/admin/news/queue/all").get_data(as_text=True)
    assert "Earlier versions (1)" in page and "by author" in page


@pytest.mark.parametrize(
    "form",
    [
        {"body": "New text", "note": ""},
        {"body": "", "note": "why"},
        {"body": "   ", "note": "why"},
        {"body": "x" * 10_001, "note": "why"},
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(app, desk, form):
    shown = post_ok(desk, body="Kept")["id"]
    response = _edit(desk, shown, **form)
    assert 400 <= response.status_code < 500
    assert read(desk)["comments"][0]["html"] == "<p>Kept</p>" and _events(app) == []


def test_the_edit_page_offers_the_text_and_a_safe_way_back(app, desk):
    shown = post_ok(desk, body="Some *text*")["id"]
    path = f"/admin/news/queue/comments/{shown}/edit?next=javascript:alert(1)"
    page = desk.get(path).get_data(as_text=True)
    assert "Some *text*</textarea>" in page
    assert 'href="/admin/news/queue">Cancel' in page and "javascript:" not in page


# Bulk


def test_bulk_approve_applies_to_every_ticked_comment(app, desk):
    ids = [post_ok(desk)["id"] for _ in range(3)]
    for comment_id in ids:
        _set(app, comment_id, Status.PENDING, [reasons.make(reasons.PREMODERATED)])
    response = _act(desk, ids, "approve")
    assert "Approved 3 comments." in desk.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(desk) == 3 and len(_events(app)) == 3


@pytest.mark.parametrize("bad", ["999999", "0", "abc", "2147483648"])
def test_bulk_with_one_bad_id_changes_nothing(app, desk, bad):
    ids = [post_ok(desk)["id"] for _ in range(2)]
    data = {"ids": [str(ids[0]), bad, str(ids[1])], "action": "spam", "csrf_token": _token(desk)}
    response = desk.post("/admin/news/queue/act", data=data)
    assert response.status_code in (400, 404)
    assert _count(desk) == 2 and _events(app) == []


def test_bulk_with_a_comment_of_another_site_changes_nothing(app, desk):
    factories.make_site(app, "other")
    mine = post_ok(desk)["id"]
    theirs = post_ok(desk, site="other")["id"]
    assert _act(desk, [mine, theirs], "delete").status_code == 404
    assert _status(app, mine) == "approved" and _status(app, theirs) == "approved"


def test_an_action_without_comments_or_with_an_unknown_action_is_refused(app, desk):
    shown = post_ok(desk)["id"]
    assert _act(desk, [], "approve").status_code == 400
    assert _act(desk, [shown], "explode").status_code == 400
    assert _events(app) == []


def test_after_an_action_only_this_sites_queue_is_a_way_back(app, desk):
    shown = post_ok(desk)["id"]
    for target in ("https://evil.example/", "//evil.example/admin/news/queue", "/admin/other/"):
        response = _act(desk, [shown], "feature", next=target)
        assert response.headers["Location"] == "/admin/news/queue"


# Access


@pytest.fixture
def other_desk(app: Flask, site: Any) -> FlaskClient:
    """A client signed in as a moderator of another site only."""
    factories.make_site(app, "other")
    make_moderator(app, "mod@other.example", sites=("other",))
    client = app.test_client()
    sign_in(client, "mod@other.example")
    return client


def test_a_moderator_of_another_site_gets_404_for_every_queue_and_action(app, client, other_desk):
    shown = post_ok(client)["id"]
    token = csrf_token(other_desk, "/admin/other/queue")
    for name in ["", *[f"/{n}" for n in QUEUE_NAMES]]:
        assert other_desk.get(f"/admin/news/queue{name}").status_code == 404
    edit = f"/admin/news/queue/comments/{shown}/edit"
    assert other_desk.get(edit).status_code == 404
    assert other_desk.get("/admin/news/queue/act").status_code in (404, 405)
    form = {"csrf_token": token, "ids": str(shown), "body": "x", "note": "y"}
    assert other_desk.post(edit, data=form).status_code == 404
    for action in moderation.ACTIONS:
        data = {**form, "action": action, "reason": "abuse"}
        assert other_desk.post("/admin/news/queue/act", data=data).status_code == 404
        # Through their own site's URL, the comment of the other site is missing too.
        assert other_desk.post("/admin/other/queue/act", data=data).status_code == 404
    assert other_desk.get(f"/admin/other/queue/comments/{shown}/edit").status_code == 404
    own_edit = f"/admin/other/queue/comments/{shown}/edit"
    assert other_desk.post(own_edit, data=form).status_code == 404
    assert _status(app, shown) == "approved" and _events(app) == []
    assert read(client)["comments"][0]["html"] != "<p>x</p>"


def test_visitors_who_are_not_signed_in_are_sent_to_login(client, site):
    assert client.get("/admin/news/queue/pending").status_code == 302
    assert client.post("/admin/news/queue/act", data={"ids": "1"}).status_code in (302, 400)


@pytest.mark.parametrize("form", ["act", "edit"])
def test_every_queue_form_needs_its_csrf_token(app, desk, form):
    shown = post_ok(desk)["id"]
    if form == "act":
        response = desk.post("/admin/news/queue/act", data={"ids": str(shown), "action": "spam"})
    else:
        response = desk.post(
            f"/admin/news/queue/comments/{shown}/edit", data={"body": "Changed", "note": "n"}
        )
    assert response.status_code == 400
    assert _status(app, shown) == "approved" and _events(app) == []
    assert read(desk)["comments"][0]["html"] != "<p>Changed</p>"


def test_every_queue_form_carries_a_csrf_token(app, desk):
    post_ok(desk)
    page = desk.get("/admin/news/queue/all").get_data(as_text=True)
    forms = re.findall(r'<form[^>]*method="post".*?</form>', page, re.S)
    assert len(forms) >= 3  # logout, bulk, one per comment
    assert all('name="csrf_token"' in f for f in forms)


def test_the_authors_sanctions_show_with_their_comment(app, desk, site):
    from comments import audit, sanctions
    from comments.models import SanctionKind, TargetKind

    held = post_ok(desk, body="Watch this one.", author={"name": "Sly", "email": "sly@example.com"})
    with app.app_context(), unit_of_work():
        author_id = db.session.get(Comment, held["id"]).author_id
        sanctions.add(
            site.id, (TargetKind.AUTHOR, str(author_id)), SanctionKind.PREMODERATE,
            actor=audit.Actor("test"),
        )  # fmt: skip
    page = desk.get("/admin/news/queue/all").get_data(as_text=True)
    assert "Sanctions: always pre-moderated" in page
