"""The commenters area of the admin panel: search, a profile with history, sanctions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Author, Comment, Sanction, Thread, utcnow
from tests import factories
from tests.admin_helpers import csrf_token, make_moderator, sign_in


@pytest.fixture
def signed_in(app, client, site):
    make_moderator(app)
    sign_in(client)
    return client


def _post(client, address: str = "203.0.113.10", **overrides: Any) -> Any:
    return client.post(
        "/api/v1/comments",
        json=factories.comment_payload(**overrides),
        environ_base={"REMOTE_ADDR": address},
    )


def _author(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Author.id).where(Author.name == name))


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _sanctions(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(Sanction).order_by(Sanction.id))
        return [(str(s.kind), str(s.target_kind), s.target_value) for s in rows]


def test_commenters_are_found_by_any_name_they_used(app, signed_in):
    email = {"email": "ann@example.org"}
    assert _post(signed_in, author={"name": "Ann Lee", **email}).status_code == 201
    assert _post(signed_in, author={"name": "A. Lee (editor)", **email}).status_code == 201
    assert _post(signed_in, author={"name": "Bob"}).status_code == 201
    for query in ("ann", "EDITOR"):
        page = _page(signed_in, f"/admin/news/people?q={query}")
        assert "Ann Lee" in page and "Bob" not in page, query
        assert f'href="/admin/news/people/{_author(app, "Ann Lee")}"' in page
        assert re.search(r"guest.*with email.*>2<", page, flags=re.S)


@pytest.mark.parametrize(
    ("query", "found"),
    [("ann@example.org", True), ("ANN@Example.ORG", True), ("ann@example", False), ("@", False)],
)
def test_commenters_are_found_by_their_exact_email(signed_in, query, found):
    assert _post(signed_in, author={"name": "Ann", "email": "ann@example.org"}).status_code == 201
    page = _page(signed_in, f"/admin/news/people?q={query}")
    assert ("Ann</a>" in page) is found
    if not found:
        assert "Nobody on this site matches" in page


def test_a_search_too_long_is_refused(signed_in):
    assert signed_in.get("/admin/news/people?q=" + "x" * 201).status_code == 400


def test_the_profile_shows_history_counts_names_websites_and_recent_comments(app, signed_in):
    client = signed_in
    who = {"email": "sam@example.org"}
    first = _post(client, author={"name": "Sam", **who}, body="Oldest").get_json()["comment"]
    _post(client, author={"name": "Samuel", "website": "https://sam.example", **who})
    rejected = _post(client, author={"name": "Sam", **who}, body="Rude").get_json()["comment"]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["comment", "reject", str(rejected["id"])]).exit_code == 0
    with app.app_context(), unit_of_work():
        old = utcnow() - timedelta(days=3)
        db.session.execute(update(Comment).where(Comment.id == first["id"]).values(created_at=old))
    page = _page(client, f"/admin/news/people/{_author(app, 'Sam')}")
    text = _text(page)
    assert "First seen " + old.strftime("%Y-%m-%d %H:%M") in text
    assert "Names used Sam, Samuel" in text and "Websites used https://sam.example" in text
    assert "Pending Approved Rejected Spam Deleted 0 2 1 0 0" in text
    assert page.index("Rude") < page.index("Oldest")  # newest first
    assert "status-rejected" in page and "Sanctions None." in text


def test_recent_comments_page_with_a_cursor(app, signed_in):
    for n in range(22):
        assert _post(signed_in, author={"name": "Busy"}, body=f"Note {n:02d}").status_code == 201
    path = f"/admin/news/people/{_author(app, 'Busy')}"
    first = _page(signed_in, path)
    assert "Note 21" in first and "Note 02" in first and "Note 01" not in first
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1)
    second = _page(signed_in, older)
    assert "Note 01" in second and "Note 00" in second and "Note 02" not in second
    assert signed_in.get(path + "?before=nope").status_code == 400


def test_an_unknown_commenter_is_404(signed_in):
    assert signed_in.get("/admin/news/people/4242").status_code == 404


def _sanction(client, author_id: int, **data: Any) -> Any:
    token = csrf_token(client, f"/admin/news/people/{author_id}")
    return client.post(
        f"/admin/news/people/{author_id}/sanctions", data={"csrf_token": token, **data}
    )


def test_a_ban_from_the_profile_refuses_the_next_post_and_is_audited(app, signed_in):
    assert _post(signed_in, author={"name": "Troll"}).status_code == 201
    author_id = _author(app, "Troll")
    response = _sanction(signed_in, author_id, kind="ban", target="author", reason="abuse")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/news/people/{author_id}"
    refused = _post(signed_in, author={"name": "Troll"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "banned"
    text = _text(_page(signed_in, f"/admin/news/people/{author_id}"))
    assert "Sanction added; 0 recent comments rejected." in text
    assert "ban this commenter for good abuse mod@news.example" in text
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sanction.ban"))
        assert event.one().actor == "mod@news.example"


def test_a_ban_with_reject_recent_moves_counts_and_pages_at_once(app, signed_in):
    for n in range(2):
        assert _post(signed_in, author={"name": "Spam Bot"}, body=f"Buy {n}").status_code == 201
    assert _post(signed_in, address="198.51.100.3", author={"name": "Ann"}).status_code == 201
    counts = "/api/v1/counts?site=news&thread=story-1"
    assert signed_in.get(counts).get_json()["counts"]["story-1"] == 3
    response = _sanction(
        signed_in, _author(app, "Spam Bot"), kind="ban", target="author", reject_recent="y"
    )
    assert response.status_code == 302
    assert signed_in.get(counts).get_json()["counts"]["story-1"] == 1
    names = [c["author"]["name"] for c in factories.read(signed_in)["comments"]]
    assert names == ["Ann"]
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions[-3:] == ["sanction.ban", "comment.rejected", "comment.rejected"]
        assert db.session.scalar(select(Thread.comment_count)) == 1


def test_a_suspension_and_pre_moderation_from_the_profile(app, signed_in):
    assert _post(signed_in, author={"name": "Hot"}).status_code == 201
    author_id = _author(app, "Hot")
    assert _sanction(signed_in, author_id, kind="premoderate", target="author").status_code == 302
    held = _post(signed_in, author={"name": "Hot"})
    assert held.status_code == 202 and held.get_json()["reasons"][0]["code"] == "sanctioned"
    assert (
        _sanction(signed_in, author_id, kind="suspend", target="author", days="3").status_code
        == 302
    )
    refused = _post(signed_in, author={"name": "Hot"}).get_json()
    assert refused["code"] == "suspended" and refused["detail"].startswith(
        "You can comment again on "
    )


def test_a_sanction_by_address_catches_other_names_from_there(app, signed_in):
    assert _post(signed_in, author={"name": "Sock"}).status_code == 201
    response = _sanction(signed_in, _author(app, "Sock"), kind="ban", target="client")
    assert response.status_code == 302
    assert _sanctions(app)[0][:2] == ("ban", "client")
    assert "203.0.113.10" not in _sanctions(app)[0][2]
    assert _post(signed_in, author={"name": "Puppet"}).get_json()["code"] == "banned"
    assert _post(signed_in, address="198.51.100.4", author={"name": "Puppet"}).status_code == 201


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "suspend", "target": "author"},
        {"kind": "suspend", "target": "author", "days": "0"},
        {"kind": "ban", "target": "author", "days": "many"},
        {"kind": "premoderate", "target": "author", "reject_recent": "y"},
        {"kind": "exile", "target": "author"},
        {"kind": "ban", "target": "everyone"},
        {"kind": "ban", "target": "author", "reason": "x" * 501},
    ],
)
def test_bad_sanctions_are_refused_and_change_nothing(app, signed_in, data):
    assert _post(signed_in, author={"name": "Troll"}).status_code == 201
    response = _sanction(signed_in, _author(app, "Troll"), **data)
    assert response.status_code == 400
    assert "Add a sanction" in response.get_data(as_text=True)
    assert _sanctions(app) == []
    assert _post(signed_in, author={"name": "Troll"}).status_code == 201


def test_lifting_a_sanction_lets_them_post_again(app, signed_in):
    assert _post(signed_in, author={"name": "Troll"}).status_code == 201
    author_id = _author(app, "Troll")
    _sanction(signed_in, author_id, kind="ban", target="author")
    page = _page(signed_in, f"/admin/news/people/{author_id}")
    lift = re.search(r'action="(/admin/news/people/\d+/sanctions/\d+/lift)"', page).group(1)
    token = csrf_token(signed_in, f"/admin/news/people/{author_id}")
    assert signed_in.post(lift, data={"csrf_token": token}).status_code == 302
    assert _post(signed_in, author={"name": "Troll"}).status_code == 201
    assert "lifted by mod@news.example" in _page(signed_in, f"/admin/news/people/{author_id}")
    # Lifting twice is a conflict, and changes nothing more.
    assert signed_in.post(lift, data={"csrf_token": token}).status_code == 409
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action)))
        assert actions.count("sanction.lifted") == 1


def test_sanction_forms_need_the_csrf_token(app, signed_in):
    assert _post(signed_in, author={"name": "Troll"}).status_code == 201
    author_id = _author(app, "Troll")
    path = f"/admin/news/people/{author_id}/sanctions"
    assert signed_in.post(path, data={"kind": "ban", "target": "author"}).status_code == 400
    assert _sanctions(app) == []
    _sanction(signed_in, author_id, kind="ban", target="author")
    with app.app_context():
        sanction_id = db.session.scalar(select(Sanction.id))
    lift = f"{path}/{sanction_id}/lift"
    assert signed_in.post(lift, data={"csrf_token": "forged"}).status_code == 400
    assert _post(signed_in, author={"name": "Troll"}).status_code == 403


def test_a_moderator_of_another_site_gets_404_for_every_page_and_action(app, client, site):
    factories.make_site(app, "other")
    make_moderator(app)
    make_moderator(app, email="mod@other.example", sites=("other",))
    assert _post(client, author={"name": "Troll"}).status_code == 201
    author_id = _author(app, "Troll")
    sign_in(client)
    _sanction(client, author_id, kind="premoderate", target="author")
    with app.app_context():
        sanction_id = db.session.scalar(select(Sanction.id))
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})

    sign_in(client, email="mod@other.example")
    assert client.get("/admin/other/people?q=Troll").status_code == 200
    assert "Nobody on this site matches" in _page(client, "/admin/other/people?q=Troll")
    token = csrf_token(client, "/admin/other/people")
    for slug in ("news", "other"):
        for path in (f"/admin/{slug}/people/{author_id}",):
            assert client.get(path).status_code == 404, path
        posts = [
            (f"/admin/{slug}/people/{author_id}/sanctions", {"kind": "ban", "target": "author"}),
            (f"/admin/{slug}/people/{author_id}/sanctions/{sanction_id}/lift", {}),
        ]
        for path, data in posts:
            response = client.post(path, data={"csrf_token": token, **data})
            assert response.status_code == 404, path
    assert client.get("/admin/news/people?q=Troll").status_code == 404
    # A sanction of site news under a commenter of site other: still missing.
    assert _post(client, site="other", author={"name": "Local"}).status_code == 201
    local = _author(app, "Local")
    path = f"/admin/other/people/{local}/sanctions/{sanction_id}/lift"
    assert client.post(path, data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(Sanction, sanction_id).lifted_at is None
    assert _sanctions(app) == [("premoderate", "author", str(author_id))]


def test_a_sanction_by_address_needs_an_address_on_record(app, signed_in):
    assert _post(signed_in, author={"name": "Old"}).status_code == 201
    with app.app_context(), unit_of_work():
        db.session.execute(update(Comment).values(client_key=None))
    response = _sanction(signed_in, _author(app, "Old"), kind="ban", target="client")
    assert response.status_code == 422
    assert "no address on record" in response.get_data(as_text=True)
    assert _sanctions(app) == []
