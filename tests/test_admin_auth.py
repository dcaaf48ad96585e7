"""Signing in to the admin panel: passwords, sessions, CSRF, limits, the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from comments.extensions import db
from comments.models import AuditEvent, Role
from tests import factories
from tests.admin_helpers import PASSWORD, csrf_token, make_moderator, sign_in


@pytest.fixture
def moderator(app, site):
    make_moderator(app)


def _actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_the_dashboard_asks_visitors_to_sign_in(client, moderator):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=/admin/")


def test_login_page_has_email_password_and_csrf_fields(client, moderator):
    page = client.get("/admin/login").get_data(as_text=True)
    assert 'name="email"' in page and 'type="password"' in page
    assert 'name="csrf_token"' in page


def test_signing_in_shows_the_moderators_sites_and_is_audited(app, client, moderator):
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    page = client.get("/admin/").get_data(as_text=True)
    assert "News" in page and "mod@news.example" in page
    assert _actions(app)[-1] == "staff.login"


def test_session_cookie_is_httponly_lax_and_only_for_the_admin(client, moderator):
    response = sign_in(client)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("comments_admin=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app, moderator):
    client = app.test_client()
    page = client.get("/admin/login", base_url="https://localhost").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/admin/login",
        data={"email": "mod@news.example", "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/admin/login"},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_session_is_new_at_login(client, moderator):
    csrf_token(client)
    before = client.get_cookie("comments_admin", path="/admin").value
    sign_in(client)
    after = client.get_cookie("comments_admin", path="/admin").value
    assert before != after


@pytest.mark.parametrize(
    ("email", "password"),
    [("mod@news.example", "wrong password"), ("nobody@news.example", PASSWORD)],
)
def test_a_wrong_password_or_unknown_account_is_refused_alike(
    app, client, moderator, email, password
):
    response = sign_in(client, email, password)
    assert response.status_code == 400
    assert "do not match an account" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert _actions(app)[-1] == "staff.login_failed"


def test_a_login_without_its_csrf_token_is_refused(app, client, moderator):
    response = client.post("/admin/login", data={"email": "mod@news.example", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302
    assert "staff.login" not in _actions(app)


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, moderator):
    sign_in(client)
    copied = client.get_cookie("comments_admin", path="/admin").value
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302
    other = app.test_client()
    other.set_cookie("comments_admin", copied, path="/admin")
    assert other.get("/admin/").status_code == 302
    assert _actions(app)[-1] == "staff.logout"


def test_logout_needs_the_csrf_token(client, moderator):
    sign_in(client)
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_next_only_leads_to_admin_pages(app, moderator):
    for target in ("https://evil.example/", "//evil.example/admin", "/api/v1/openapi.json"):
        client = app.test_client()
        token = csrf_token(client)
        response = client.post(
            f"/admin/login?next={target}",
            data={"email": "mod@news.example", "password": PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == "/admin/", target


def test_login_attempts_are_limited_per_account_and_per_address(app_factory, site):
    app = app_factory(
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN="100 per minute",
        RATELIMIT_LOGIN_ACCOUNT="3 per minute",
    )
    make_moderator(app)
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, password="wrong password").status_code == 400
    # The right password does not help once the account's attempts are used up.
    assert sign_in(client).status_code == 429
    assert sign_in(client, email="other@news.example").status_code == 400

    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute")
    client = app.test_client()
    assert sign_in(client, email="a@news.example").status_code == 400
    assert sign_in(client, email="b@news.example").status_code == 400
    assert sign_in(client, email="c@news.example").status_code == 429


def test_admin_pages_have_a_strict_content_security_policy(client, moderator):
    sign_in(client)
    for path in ("/admin/login", "/admin/"):
        policy = client.get(path).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


def test_readers_still_get_no_cookies(client, site):
    response = factories.post(client)
    assert response.status_code == 201 and "Set-Cookie" not in response.headers


def test_a_moderator_without_sites_is_told_how_to_get_one(app, client, site):
    make_moderator(app, email="admin@news.example", role=Role.ADMIN)
    with app.app_context():
        from comments import audit, staff
        from comments.database import unit_of_work

        with unit_of_work():
            staff.remove("admin@news.example", site_slugs=["news"], actor=audit.Actor("t"))
    sign_in(client, email="admin@news.example")
    assert "do not moderate any site" in client.get("/admin/").get_data(as_text=True)
