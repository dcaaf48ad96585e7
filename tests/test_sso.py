"""Publisher sign-in: posting, editing, deleting and reporting as the site's signed-in user."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from comments import audit, commenters, sanctions, sites
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Author, Comment, Report, SanctionKind, Site, TargetKind, utcnow
from tests.factories import (
    ORIGIN,
    SSO_SECRET,
    bearer,
    comment_payload,
    give_sso_secret,
    make_site,
    post,
    post_ok,
    read,
    sso_token,
)

OPERATOR = audit.Actor(label="cli:test")


@pytest.fixture
def sso_site(app, site):
    give_sso_secret(app)
    return site


def post_signed_in(client, token, **overrides):
    payload = comment_payload(**overrides)
    payload.pop("author")
    return client.post("/api/v1/comments", json=payload, headers=bearer(token))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_signed_in_user_posts_without_a_name_and_shows_as_the_token_says(app, client, sso_site):
    token = sso_token(
        sub="42",
        name="Mei Lin",
        avatar=f"{ORIGIN}/avatars/42.png",
        badges=["subscriber", "staff"],
        url="https://mei.example",
    )
    response = post_signed_in(client, token, body="Signed in")
    assert response.status_code == 201, response.get_json()
    author = response.get_json()["comment"]["author"]
    assert author["name"] == "Mei Lin"
    assert author["avatar"] == f"{ORIGIN}/avatars/42.png"
    assert author["badges"] == ["subscriber", "staff"]
    assert author["website"] == "https://mei.example"
    [shown] = read(client)["comments"]
    assert shown["author"]["name"] == "Mei Lin" and shown["author"]["badges"] == [
        "subscriber",
        "staff",
    ]
    with app.app_context():
        row = db.session.scalars(select(Author)).one()
        assert (row.kind, row.identity) == ("sso", "42")


def test_avatar_off_the_sites_origins_is_dropped(client, sso_site):
    token = sso_token(avatar="https://tracker.example/pixel.png")
    author = post_signed_in(client, token).get_json()["comment"]["author"]
    assert author["avatar"] is None


def _unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _claims(**extra):
    now = int(time.time())
    return {"sub": "u-1", "name": "Sam", "iat": now, "exp": now + 600, **extra}


REFUSALS = [
    ("expired", lambda: sso_token(exp=int(time.time()) - 3600), "sso_expired"),
    ("alg none", lambda: _unsigned(_claims()), "sso_unsigned"),
    (
        "alg none with a signature",
        lambda: _unsigned(_claims()) + "c2lnbmF0dXJl",
        "sso_unsigned",
    ),
    ("wrong secret", lambda: sso_token("another-secret-" + "y" * 40), "sso_bad_signature"),
    ("other site", lambda: sso_token(aud="another-site"), "sso_wrong_site"),
    ("malformed", lambda: "not-a-token", "sso_malformed"),
    ("malformed parts", lambda: "a.b.c", "sso_malformed"),
    ("no exp", lambda: sso_token(exp=None), "sso_malformed"),
    ("no sub", lambda: sso_token(sub=None), "sso_malformed"),
    ("no name", lambda: sso_token(name=None), "sso_malformed"),
    ("sub too long", lambda: sso_token(sub="u" * 251), "sso_malformed"),
    ("HS512", lambda: sso_token(algorithm="HS512"), "sso_bad_algorithm"),
    ("issued in the future", lambda: sso_token(iat=int(time.time()) + 3600), "sso_not_yet_valid"),
]


@pytest.mark.parametrize(
    ("token", "code"), [(t, c) for _, t, c in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_bad_token_is_refused_with_its_code_and_stores_nothing(app, client, sso_site, token, code):
    # A guest's name is sent too: a bad token is never taken as a guest's post.
    headers = bearer(token())
    response = client.post("/api/v1/comments", json=comment_payload(), headers=headers)
    assert response.status_code == 401, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == code
    assert problem["detail"]
    assert _count(app, Comment) == 0 and _count(app, Author) == 0


def test_token_for_this_site_by_audience_is_taken(client, sso_site):
    assert post_signed_in(client, sso_token(aud="news")).status_code == 201
    assert post_signed_in(client, sso_token(aud=["other", "news"])).status_code == 201


def test_authorization_header_that_is_not_bearer_is_refused(client, sso_site):
    headers = {"Authorization": "Basic dXNlcjpwdw==", "Origin": ORIGIN}
    response = client.post("/api/v1/comments", json=comment_payload(), headers=headers)
    assert response.status_code == 401 and response.get_json()["code"] == "sso_malformed"


def test_token_for_a_site_without_a_secret_is_refused(client, site):
    response = post_signed_in(client, sso_token())
    assert response.status_code == 401
    assert response.get_json()["code"] == "sso_not_configured"


def test_token_signed_for_another_site_is_refused(app, client, sso_site):
    make_site(app, slug="other", origins=("https://other.example",))
    give_sso_secret(app, "other", "other-site-secret-" + "z" * 30)
    token = sso_token("other-site-secret-" + "z" * 30)
    response = post_signed_in(client, token)
    assert response.status_code == 401
    assert response.get_json()["code"] == "sso_bad_signature"


def _rotate(app, *, ago: timedelta) -> str:
    with app.app_context(), unit_of_work():
        site, secret = sites.rotate_sso_secret("news")
        site.sso_rotated_at = utcnow() - ago
    return secret


def test_previous_secret_works_during_the_grace_period(app, client, sso_site):
    new = _rotate(app, ago=timedelta(hours=23))
    assert post_signed_in(client, sso_token(SSO_SECRET)).status_code == 201
    assert post_signed_in(client, sso_token(new)).status_code == 201


def test_previous_secret_is_refused_after_the_grace_period(app, client, sso_site):
    new = _rotate(app, ago=timedelta(hours=25))
    response = post_signed_in(client, sso_token(SSO_SECRET))
    assert response.status_code == 401
    assert response.get_json()["code"] == "sso_bad_signature"
    assert post_signed_in(client, sso_token(new)).status_code == 201


def test_grace_period_is_a_setting(app_factory, site):
    app = app_factory(SSO_ROTATION_GRACE=60)
    give_sso_secret(app)
    _rotate(app, ago=timedelta(minutes=2))
    response = post_signed_in(app.test_client(), sso_token(SSO_SECRET))
    assert response.get_json()["code"] == "sso_bad_signature"


def test_signed_in_author_edits_and_deletes_without_an_edit_token(client, sso_site):
    token = sso_token(sub="7")
    comment = post_signed_in(client, token, body="First draft").get_json()["comment"]
    edited = client.patch(
        f"/api/v1/comments/{comment['id']}", json={"body": "Second draft"}, headers=bearer(token)
    )
    assert edited.status_code == 200, edited.get_json()
    assert read(client)["comments"][0]["html"] == "<p>Second draft</p>"
    deleted = client.delete(f"/api/v1/comments/{comment['id']}", headers=bearer(token))
    assert deleted.status_code == 204
    assert read(client)["comments"] == []


def test_another_signed_in_user_cannot_edit_or_delete(client, sso_site):
    comment = post_signed_in(client, sso_token(sub="7")).get_json()["comment"]
    other = bearer(sso_token(sub="8"))
    edited = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "x"}, headers=other)
    assert edited.status_code == 403 and edited.get_json()["code"] == "not_editable"
    assert client.delete(f"/api/v1/comments/{comment['id']}", headers=other).status_code == 403


def test_signed_in_author_cannot_edit_after_the_window(app, client, sso_site):
    token = sso_token(sub="7")
    comment = post_signed_in(client, token).get_json()["comment"]
    with app.app_context(), unit_of_work():
        db.session.get(Comment, comment["id"]).created_at = utcnow() - timedelta(hours=1)
    edited = client.patch(
        f"/api/v1/comments/{comment['id']}", json={"body": "Late"}, headers=bearer(token)
    )
    assert edited.status_code == 403 and edited.get_json()["code"] == "not_editable"


def test_expired_token_cannot_edit(client, sso_site):
    comment = post_signed_in(client, sso_token(sub="7")).get_json()["comment"]
    expired = bearer(sso_token(sub="7", exp=int(time.time()) - 3600))
    edited = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "x"}, headers=expired)
    assert edited.status_code == 401 and edited.get_json()["code"] == "sso_expired"


def test_signed_in_reports_count_once_per_user_whatever_the_address(app, client, sso_site):
    comment = post_ok(client)
    token = sso_token(sub="reporter-1")
    for address in ("198.51.100.1", "198.51.100.2"):
        response = client.post(
            f"/api/v1/comments/{comment['id']}/flag",
            json={"reason": "spam"},
            headers=bearer(token),
            environ_base={"REMOTE_ADDR": address},
        )
        assert response.status_code == 202
    with app.app_context():
        reporters = db.session.scalars(select(Report.reporter)).all()
        assert reporters == ["user:reporter-1"]
        assert db.session.get(Comment, comment["id"]).flag_count == 1


def test_site_for_signed_in_users_only_refuses_guests(app, client, sso_site):
    with app.app_context(), unit_of_work():
        from comments import site_settings

        site_settings.update_settings("news", {"guests": "refused"}, actor=OPERATOR)
    guest = post(client)
    assert guest.status_code == 403 and guest.get_json()["code"] == "sign_in_required"
    assert post_signed_in(client, sso_token()).status_code == 201
    assert read(client)["thread"]["guests_allowed"] is False


def test_guest_cannot_edit_on_a_site_that_turned_guests_away(app, client, sso_site):
    response = post(client)
    posted = response.get_json()
    with app.app_context(), unit_of_work():
        from comments import site_settings

        site_settings.update_settings("news", {"guests": "refused"}, actor=OPERATOR)
    edited = client.patch(
        f"/api/v1/comments/{posted['comment']['id']}",
        json={"body": "Changed"},
        headers={"X-Edit-Token": posted["edit_token"], "Origin": ORIGIN},
    )
    assert edited.status_code == 403 and edited.get_json()["code"] == "sign_in_required"


def test_new_name_and_badges_in_the_token_refresh_cached_pages(client, sso_site):
    post_signed_in(client, sso_token(sub="9", name="Old Name"))
    assert read(client)["comments"][0]["author"]["name"] == "Old Name"
    post_signed_in(client, sso_token(sub="9", name="New Name", badges=["staff"]), body="Again")
    shown = read(client, sort="oldest")["comments"][0]["author"]
    assert (shown["name"], shown["badges"]) == ("New Name", ["staff"])


def test_banned_signed_in_user_is_refused_by_their_sub(app, client, sso_site):
    post_signed_in(client, sso_token(sub="troll"))
    with app.app_context(), unit_of_work():
        site = db.session.scalars(select(Site)).one()
        author = db.session.scalars(select(Author).where(Author.identity == "troll")).one()
        sanctions.add(
            site.id, (TargetKind.AUTHOR, str(author.id)), SanctionKind.BAN, actor=OPERATOR
        )
    # From another address, under another name: still the same user.
    response = client.post(
        "/api/v1/comments",
        json={k: v for k, v in comment_payload().items() if k != "author"},
        headers=bearer(sso_token(sub="troll", name="Someone Else")),
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["code"] == "banned"
    assert post_signed_in(client, sso_token(sub="friend")).status_code == 201


def test_moderators_find_a_signed_in_user_by_their_id(app, client, sso_site):
    post_signed_in(client, sso_token(sub="user-314", name="Pi"))
    with app.app_context():
        site = db.session.scalars(select(Site)).one()
        found = commenters.find(site.id, "user-314", secret="test-secret")
        assert [f.author.identity for f in found] == ["user-314"]


def test_cli_rotates_the_secret_and_prints_it_once(app, runner, sso_site):
    result = runner.invoke(args=["site", "rotate-sso-secret", "news"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert len(secret) >= 48
    with app.app_context():
        site = db.session.scalars(select(Site)).one()
        assert site.sso_secret == secret and site.sso_previous_secret == SSO_SECRET
    assert post_signed_in(app.test_client(), sso_token(secret)).status_code == 201


def test_cli_refuses_a_short_secret(runner, site):
    result = runner.invoke(args=["site", "update", "news", "--sso-secret", "short"])
    assert result.exit_code != 0 and "at least 32" in result.output
