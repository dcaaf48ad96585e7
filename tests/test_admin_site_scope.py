"""Staff of another site get 404 for every page and action of this one, by URL guessing included."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from comments.extensions import db
from comments.models import AuditEvent, Moderator, ModeratorRole, Role
from tests import factories
from tests.admin_helpers import csrf_token, make_moderator, sign_in

PAGES = ["/admin/news/", "/admin/news/audit", "/admin/news/audit.csv", "/admin/news/staff"]


@pytest.fixture
def outsider(app, site):
    """An admin of ``news`` (whose account is the target) and staff of ``other``."""
    factories.make_site(app, "other")
    make_moderator(app, "admin@news.example", Role.ADMIN)
    make_moderator(app, "mod@other.example", sites=("other",))
    make_moderator(app, "admin@other.example", Role.ADMIN, sites=("other",))


def _state(app) -> tuple[int, int, list[tuple[int, int, str]]]:
    with app.app_context():
        roles = db.session.execute(
            select(ModeratorRole.moderator_id, ModeratorRole.site_id, ModeratorRole.role)
        )
        return (
            db.session.scalar(select(func.count(Moderator.id))) or 0,
            db.session.scalar(select(func.count(AuditEvent.id))) or 0,
            sorted((m, s, str(r)) for m, s, r in roles),
        )


@pytest.mark.parametrize("email", ["mod@other.example", "admin@other.example"])
def test_staff_of_another_site_get_404_for_every_page_and_action(app, outsider, email):
    client = app.test_client()
    sign_in(client, email)
    token = csrf_token(client, "/admin/other/audit")
    with app.app_context():
        target = db.session.scalar(
            select(Moderator.id).where(Moderator.email == "admin@news.example")
        )
    before = _state(app)
    for path in PAGES:
        assert client.get(path).status_code == 404, path
        assert client.get(path.replace("/news/", "/no-such-site/")).status_code == 404, path
    actions = [
        ("/admin/news/staff", {"email": "x@news.example", "role": "admin", "password": "x" * 12}),
        (f"/admin/news/staff/{target}/role", {"role": "moderator"}),
        (f"/admin/news/staff/{target}/remove", {}),
    ]
    for path, data in actions:
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 404, path
    assert _state(app) == before
    # Their own site's pages work, so the 404s above are about the site, not the account.
    assert client.get("/admin/other/").status_code == 200
    assert client.get("/admin/other/audit").status_code == 200


def test_visitors_are_sent_to_sign_in_for_every_page(client, outsider):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
