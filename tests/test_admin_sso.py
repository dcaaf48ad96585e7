"""The settings page's SSO controls: admins generate and rotate the secret, seen once, audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from comments.extensions import db
from comments.models import AuditEvent, Role, Site
from tests.admin_helpers import csrf_token, make_moderator, sign_in
from tests.factories import SSO_SECRET, give_sso_secret

URL = "/admin/news/settings"
ADMIN = "admin@news.example"


def _site(app) -> Site:
    with app.app_context():
        return db.session.scalar(select(Site).where(Site.slug == "news"))


def test_admin_rotates_the_secret_and_sees_it_once(app, client, site):
    give_sso_secret(app)
    make_moderator(app, ADMIN, role=Role.ADMIN)
    sign_in(client, ADMIN)
    before = client.get(URL).get_data(as_text=True)
    assert SSO_SECRET not in before and f"…{SSO_SECRET[-4:]}" in before
    response = client.post(URL + "/sso", data={"csrf_token": csrf_token(client, URL)})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    stored = _site(app)
    assert stored.sso_secret != SSO_SECRET and stored.sso_previous_secret == SSO_SECRET
    assert re.search(rf'value="{re.escape(stored.sso_secret)}"', page)
    again = client.get(URL).get_data(as_text=True)
    assert stored.sso_secret not in again and f"…{stored.sso_secret[-4:]}" in again
    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "site.sso_rotated")
        ).all()
        assert event.actor == ADMIN and event.site_id == stored.id
        assert stored.sso_secret not in repr((event.before, event.after, event.reason))


def test_rotation_without_the_csrf_token_changes_nothing(app, client, site):
    give_sso_secret(app)
    make_moderator(app, ADMIN, role=Role.ADMIN)
    sign_in(client, ADMIN)
    response = client.post(URL + "/sso", data={})
    assert response.status_code in (302, 400)
    assert _site(app).sso_secret == SSO_SECRET


def test_moderators_who_are_not_admins_cannot_rotate(app, client, site):
    give_sso_secret(app)
    make_moderator(app)
    sign_in(client)
    response = client.post(URL + "/sso", data={"csrf_token": csrf_token(client, "/admin/")})
    # The panel does not even say an admin's page is there.
    assert response.status_code in (403, 404)
    assert _site(app).sso_secret == SSO_SECRET


def test_admin_turns_guests_away_from_the_settings_page(app, client, site):
    make_moderator(app, ADMIN, role=Role.ADMIN)
    sign_in(client, ADMIN)
    page = client.get(URL).get_data(as_text=True)
    assert 'value="refused"' in page
    data = {
        "moderation": "post",
        "premoderate_new": "0",
        "report_threshold": "3",
        "edit_window": "15",
        "origins": "https://news.example",
        "guests": "refused",
        "csrf_token": csrf_token(client, URL),
    }
    assert client.post(URL, data=data).status_code == 302
    assert _site(app).settings["guests"] == "refused"


def test_moderator_finds_and_bans_a_signed_in_user_from_the_people_page(app, client, site):
    from tests.factories import ORIGIN, comment_payload, sso_token

    give_sso_secret(app)
    payload = {k: v for k, v in comment_payload().items() if k != "author"}
    headers = {"Authorization": f"Bearer {sso_token(sub='user-99', name='Nine')}", "Origin": ORIGIN}
    assert client.post("/api/v1/comments", json=payload, headers=headers).status_code == 201
    make_moderator(app)
    panel = app.test_client()
    sign_in(panel)
    found = panel.get("/admin/news/people?q=user-99").get_data(as_text=True)
    match = re.search(r'href="/admin/news/people/(\d+)"', found)
    assert match, found
    person = f"/admin/news/people/{match.group(1)}"
    assert "<code>user-99</code>" in panel.get(person).get_data(as_text=True)
    banned = panel.post(
        person + "/sanctions",
        data={
            "kind": "ban",
            "target": "author",
            "reason": "",
            "csrf_token": csrf_token(panel, person),
        },
    )
    assert banned.status_code == 302
    # The same user, renamed in the token, posting from elsewhere: refused.
    headers["Authorization"] = f"Bearer {sso_token(sub='user-99', name='Ten')}"
    again = client.post(
        "/api/v1/comments",
        json={**payload, "body": "Back again"},
        headers=headers,
        environ_base={"REMOTE_ADDR": "203.0.113.50"},
    )
    assert again.status_code == 403 and again.get_json()["code"] == "banned"
