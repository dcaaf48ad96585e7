"""The staff page: admins list, add, re-role and remove a site's staff; never the last admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from comments import staff
from comments.extensions import db
from comments.models import AuditEvent, Moderator, ModeratorRole, Site
from comments.models import Role as R
from tests import factories
from tests.admin_helpers import PASSWORD, csrf_token, make_moderator, sign_in

NEW_PASSWORD = "a new long password"


@pytest.fixture
def desk(app, site):
    """An admin and a moderator of ``news``; an admin of ``other``."""
    factories.make_site(app, "other")
    make_moderator(app, "admin@news.example", R.ADMIN)
    make_moderator(app)
    make_moderator(app, "boss@other.example", R.ADMIN, sites=("other",))


@pytest.fixture
def admin(app, desk):
    client = app.test_client()
    sign_in(client, "admin@news.example")
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _roles(app, slug: str = "news") -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            select(Moderator.email, ModeratorRole.role)
            .join(ModeratorRole)
            .join(Site, Site.id == ModeratorRole.site_id)
            .where(Site.slug == slug)
        )
        return {email: str(role) for email, role in rows}


def _id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Moderator.id).where(Moderator.email == email))


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/news/staff"), **data})


def test_the_staff_page_lists_roles_and_last_sign_in(app, admin):
    page = _text(admin.get("/admin/news/staff"))
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "admin@news.example" in body and "mod@news.example" in body
    assert "boss@other.example" not in page
    admin_row = body.split('id="staff-')[1]
    assert "(you)" in admin_row and "<td>admin</td>" in admin_row
    assert '<time datetime="' in admin_row  # signed in just now
    mod_row = [r for r in body.split('id="staff-') if "mod@news.example" in r][0]
    assert "<td>moderator</td>" in mod_row and "never" in mod_row


def test_an_admin_adds_a_new_moderator_who_can_sign_in(app, admin):
    response = _post(
        admin,
        "/admin/news/staff",
        email="New.Person@News.Example",
        role="moderator",
        password=NEW_PASSWORD,
    )
    assert response.status_code == 302
    page = _text(admin.get(response.headers["Location"]))
    assert "new.person@news.example can now sign in as moderator of News." in page
    assert _roles(app)["new.person@news.example"] == "moderator"
    assert _actions(app)[-1] == "staff.role"
    newcomer = app.test_client()
    assert sign_in(newcomer, "new.person@news.example", NEW_PASSWORD).status_code == 302
    assert newcomer.get("/admin/news/staff").status_code == 404  # a moderator, not an admin


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "fresh@news.example", "role": "moderator"}, "A new account needs a password."),
        (
            {"email": "fresh@news.example", "role": "moderator", "password": "short"},
            "at least 10 characters",
        ),
        ({"email": "not an email", "role": "moderator", "password": NEW_PASSWORD}, "not a valid"),
        ({"email": "fresh@news.example", "role": "owner", "password": NEW_PASSWORD}, "Not a valid"),
        ({"email": "", "role": "admin", "password": NEW_PASSWORD}, "This field is required"),
    ],
)
def test_bad_additions_are_refused_and_change_nothing(app, admin, data, message):
    before, events = _roles(app), _actions(app)
    response = _post(admin, "/admin/news/staff", **data)
    assert 400 <= response.status_code < 500
    assert message in _text(response)
    assert _roles(app) == before and _actions(app) == events
    with app.app_context():
        assert staff.find("fresh@news.example") is None


def test_an_existing_account_gets_the_role_and_keeps_its_password(app, admin):
    response = _post(
        admin,
        "/admin/news/staff",
        email="boss@other.example",
        role="moderator",
        password="an attempt to take over",
    )
    assert response.status_code == 302
    assert "it keeps its own password" in _text(admin.get("/admin/news/staff"))
    assert _roles(app)["boss@other.example"] == "moderator"
    assert _roles(app, "other")["boss@other.example"] == "admin"
    assert sign_in(app.test_client(), "boss@other.example", PASSWORD).status_code == 302
    refused = sign_in(app.test_client(), "boss@other.example", "an attempt to take over")
    assert refused.status_code == 400


def test_an_admin_changes_a_role(app, admin):
    mod = _id(app, "mod@news.example")
    response = _post(admin, f"/admin/news/staff/{mod}/role", role="admin")
    assert response.status_code == 302
    assert _roles(app)["mod@news.example"] == "admin"
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "staff.role" and event.actor == "admin@news.example"
        assert event.before["role"] == "moderator" and event.after["role"] == "admin"


def test_an_admin_removes_a_role_and_the_account_stays_for_other_sites(app, admin):
    _post(admin, "/admin/news/staff", email="boss@other.example", role="moderator")
    boss = _id(app, "boss@other.example")
    response = _post(admin, f"/admin/news/staff/{boss}/remove")
    assert response.status_code == 302
    assert "boss@other.example no longer has a role on News." in _text(
        admin.get("/admin/news/staff")
    )
    assert "boss@other.example" not in _roles(app)
    assert _roles(app, "other")["boss@other.example"] == "admin"
    assert _actions(app)[-1] == "staff.remove"


@pytest.mark.parametrize("action", ["demote", "remove", "re-add as moderator"])
def test_the_last_admin_cannot_be_demoted_or_removed(app, admin, action):
    me = _id(app, "admin@news.example")
    before, events = _roles(app), _actions(app)
    if action == "demote":
        response = _post(admin, f"/admin/news/staff/{me}/role", role="moderator")
    elif action == "remove":
        response = _post(admin, f"/admin/news/staff/{me}/remove")
    else:
        response = _post(admin, "/admin/news/staff", email="admin@news.example", role="moderator")
    assert response.status_code == 409
    assert "is the last admin of News" in _text(response)
    assert _roles(app) == before and _actions(app) == events


def test_with_another_admin_an_admin_may_step_down(app, admin):
    mod = _id(app, "mod@news.example")
    _post(admin, f"/admin/news/staff/{mod}/role", role="admin")
    me = _id(app, "admin@news.example")
    response = _post(admin, f"/admin/news/staff/{me}/remove")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert admin.get("/admin/news/staff").status_code == 404
    assert _roles(app) == {"mod@news.example": "admin"}


@pytest.mark.parametrize("target", ["boss@other.example", "nobody"])
def test_staff_of_other_sites_cannot_be_changed_from_this_one(app, admin, target):
    moderator_id = _id(app, target) or 2**40
    before = _roles(app, "other")
    for path, data in (
        (f"/admin/news/staff/{moderator_id}/role", {"role": "moderator"}),
        (f"/admin/news/staff/{moderator_id}/remove", {}),
    ):
        assert _post(admin, path, **data).status_code == 404, path
    assert _roles(app, "other") == before


def test_a_moderator_gets_404_for_the_staff_page_and_its_actions(app, desk):
    client = app.test_client()
    sign_in(client)
    token = csrf_token(client, "/admin/news/audit")
    admin_id = _id(app, "admin@news.example")
    assert client.get("/admin/news/staff").status_code == 404
    for path, data in (
        ("/admin/news/staff", {"email": "x@news.example", "role": "admin", "password": PASSWORD}),
        (f"/admin/news/staff/{admin_id}/role", {"role": "moderator"}),
        (f"/admin/news/staff/{admin_id}/remove", {}),
    ):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    assert _roles(app)["admin@news.example"] == "admin"
    assert "x@news.example" not in _roles(app)


@pytest.mark.parametrize("form", ["add", "role", "remove"])
def test_every_staff_form_needs_its_csrf_token(app, admin, form):
    mod = _id(app, "mod@news.example")
    path, data = {
        "add": (
            "/admin/news/staff",
            {"email": "x@news.example", "role": "admin", "password": PASSWORD},
        ),
        "role": (f"/admin/news/staff/{mod}/role", {"role": "admin"}),
        "remove": (f"/admin/news/staff/{mod}/remove", {}),
    }[form]
    before, events = _roles(app), _actions(app)
    assert admin.post(path, data=data).status_code == 400
    assert admin.post(path, data={"csrf_token": "forged", **data}).status_code == 400
    assert _roles(app) == before and _actions(app) == events


def test_a_bad_role_change_is_refused(app, admin):
    mod = _id(app, "mod@news.example")
    response = _post(admin, f"/admin/news/staff/{mod}/role", role="owner")
    assert response.status_code == 400
    assert _roles(app)["mod@news.example"] == "moderator"


def test_an_admin_who_steps_down_to_moderator_lands_on_the_dashboard(app, admin):
    mod = _id(app, "mod@news.example")
    _post(admin, f"/admin/news/staff/{mod}/role", role="admin")
    me = _id(app, "admin@news.example")
    response = _post(admin, f"/admin/news/staff/{me}/role", role="moderator")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/news/"
    assert "admin@news.example is now moderator of News." in _text(admin.get("/admin/news/"))
    assert admin.get("/admin/news/staff").status_code == 404
