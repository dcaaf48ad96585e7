"""Every page and action under /admin/<slug>/ is closed to staff of other sites.

The routes are read from the app itself, so a page added later is covered
without anyone remembering to list it here.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from comments import audit, sanctions
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Comment, Moderator, Role, SanctionKind, TargetKind, Thread
from tests import factories
from tests.admin_helpers import csrf_token, make_moderator, sign_in


@pytest.fixture
def victim(app, client, site):
    """Site ``news`` with a thread, a comment, an author, a sanction and staff; returns its ids."""
    factories.make_site(app, "other", origins=("https://other.example",))
    make_moderator(app, "admin@news.example", Role.ADMIN)
    make_moderator(app, "mod@other.example", sites=("other",))
    make_moderator(app, "admin@other.example", Role.ADMIN, sites=("other",))
    comment = factories.post_ok(client, author={"name": "Ann", "email": "ann@example.com"})
    with app.app_context(), unit_of_work():
        stored = db.session.get(Comment, comment["id"])
        sanction, _ = sanctions.add(
            site.id, (TargetKind.AUTHOR, str(stored.author_id)), SanctionKind.PREMODERATE,
            actor=audit.Actor("test"),
        )  # fmt: skip
        ids = {
            "comment_id": stored.id,
            "author_id": stored.author_id,
            "thread_id": stored.thread_id,
            "sanction_id": sanction.id,
            "moderator_id": db.session.scalar(
                select(Moderator.id).where(Moderator.email == "admin@news.example")
            ),
            "name": "all",
        }
    return ids


def _state(app) -> tuple[int, ...]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(AuditEvent.id))),
            db.session.scalar(select(func.count(Moderator.id))),
            db.session.scalar(select(func.sum(Thread.version))),
            db.session.scalar(select(func.count(Comment.id)).where(Comment.status == "approved")),
        )


def _site_routes(app) -> list[tuple[str, set[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/<slug>"):
            routes.append((rule.rule, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return sorted(routes)


def test_the_app_has_the_areas_of_the_desk(app):
    paths = {path for path, _ in _site_routes(app)}
    for area in ("queue", "threads", "people", "settings", "staff", "audit"):
        assert any(f"/admin/<slug>/{area}" in path for path in paths), area


@pytest.mark.parametrize("email", ["mod@other.example", "admin@other.example"])
def test_staff_of_another_site_get_404_for_every_route_of_this_one(app, victim, email):
    client = app.test_client()
    sign_in(client, email)
    token = csrf_token(client, "/admin/other/threads")
    before = _state(app)
    checked = 0
    for rule, methods in _site_routes(app):
        names = re.findall(r"<(?:\w+:)?(\w+)>", rule)
        values = {name: victim.get(name) for name in names if name != "slug"}
        assert None not in values.values(), f"no test value for a parameter of {rule}"
        path = rule
        for name in names:
            value = "news" if name == "slug" else str(values[name])
            path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
        for method in methods:
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            checked += 1
    assert checked >= 20
    assert _state(app)[1:] == before[1:]  # nothing changed (sign-in events aside)


def test_visitors_are_sent_to_sign_in_from_every_route(app, victim):
    client = app.test_client()
    for rule, methods in _site_routes(app):
        path = re.sub(r"<(?:\w+:)?slug>", "news", rule)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(victim[m.group(1)]), path)
        if "GET" in methods:
            response = client.get(path)
            assert response.status_code == 302, path
            assert "/admin/login" in response.headers["Location"], path
