"""The settings page: admins of the site only, every field checked, saved at once, audited."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from comments.extensions import db
from comments.models import AuditEvent, Role, Site
from tests import factories
from tests.admin_helpers import csrf_token, make_moderator, sign_in
from tests.factories import post

URL = "/admin/news/settings"
ADMIN = "admin@news.example"

VALID = {
    "moderation": "post",
    "premoderate_new": "0",
    "report_threshold": "3",
    "edit_window": "15",
    "auto_close_days": "",
    "closed_message": "",
    "banned_words": "",
    "suspect_words": "",
    "origins": "https://news.example\nhttp://localhost:8080",
}


@pytest.fixture
def admin(app, site):
    factories.make_site(app, "other", origins=("https://other.example",))
    make_moderator(app, ADMIN, role=Role.ADMIN)


@pytest.fixture
def signed_in(client, admin):
    sign_in(client, ADMIN)
    return client


def _save(client, **fields):
    data = {**VALID, **fields, "csrf_token": csrf_token(client, URL)}
    return client.post(URL, data={k: v for k, v in data.items() if v is not None})


def _settings(app) -> tuple[dict, str, list[str]]:
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.slug == "news"))
        return site.settings, site.moderation, site.origins


def _events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.settings"))
        )


def test_the_page_shows_the_current_settings_and_is_in_the_menu(signed_in):
    page = signed_in.get(URL).get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert 'value="15"' in page  # the app's edit window, in minutes
    assert "https://news.example" in page
    assert 'href="/admin/news/settings" aria-current="page">Settings</a>' in page


@pytest.mark.parametrize(
    ("email", "role", "sites"),
    [
        ("mod@news.example", Role.MODERATOR, ("news",)),
        ("admin@other.example", Role.ADMIN, ("other",)),
    ],
)
def test_a_moderator_or_another_sites_admin_gets_404(app, client, admin, email, role, sites):
    make_moderator(app, email, role=role, sites=sites)
    sign_in(client, email)
    assert client.get(URL).status_code == 404
    token = csrf_token(client, "/admin/")
    response = client.post(URL, data={**VALID, "moderation": "pre", "csrf_token": token})
    assert response.status_code == 404
    assert _settings(app)[1] == "post"
    assert "Settings" not in client.get("/admin/").get_data(as_text=True)


def test_visitors_are_sent_to_sign_in(client, admin):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_save_without_its_csrf_token_is_refused(app, signed_in):
    response = signed_in.post(URL, data={**VALID, "moderation": "pre"})
    assert response.status_code == 400
    assert _settings(app)[1] == "post" and _events(app) == []


def test_saving_stores_every_field_flashes_and_is_audited(app, signed_in):
    response = _save(
        signed_in,
        moderation="pre",
        premoderate_new="2",
        premoderate_links="y",
        report_threshold="5",
        edit_window="30",
        auto_close_days="14",
        closed_message="Closed after two weeks.",
        banned_words="idiot*\n moron \n\n",
        suspect_words="scam",
        origins="https://news.example\nhttps://www.news.example:443/path",
    )
    assert response.status_code == 302 and response.headers["Location"] == URL
    page = signed_in.get(URL).get_data(as_text=True)
    assert "The settings are saved" in page
    stored, moderation, origins = _settings(app)
    assert stored == {
        "premoderate_new": 2,
        "premoderate_links": True,
        "report_threshold": 5,
        "edit_window": 1800,
        "auto_close_days": 14,
        "closed_message": "Closed after two weeks.",
        "banned_words": ["idiot*", "moron"],
        "suspect_words": ["scam"],
    }
    assert moderation == "pre"
    assert origins == ["https://news.example", "https://www.news.example"]
    (event,) = _events(app)
    assert event.actor == ADMIN
    assert event.before["moderation"] == "post" and event.after["moderation"] == "pre"
    assert event.before["banned_words"] is None
    assert event.after["banned_words"] == ["idiot*", "moron"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("moderation", "sometimes", "Not a valid choice."),
        ("premoderate_new", "-1", "Between 0 and 100 comments."),
        ("premoderate_new", "many", "Not a valid integer value."),
        ("report_threshold", "0", "Between 1 and 1,000 reports."),
        ("edit_window", "0", "Between 1 and 10,080 minutes."),
        ("edit_window", "", "This field is required."),
        ("auto_close_days", "0", "Between 1 and 3,650 days."),
        ("closed_message", "x" * 501, "At most 500 characters."),
        ("banned_words", "f*ck", "“f*ck” may have * only at its start or end."),
        ("suspect_words", "*", "“*” needs at least one letter besides *."),
        ("origins", "ftp://news.example", "'ftp://news.example' is not an http(s) origin."),
        ("origins", "", "At least one origin."),
        ("origins", "  \n ", "At least one origin is needed."),
    ],
)
def test_each_wrong_field_is_named_next_to_it_and_nothing_is_saved(
    app, signed_in, field, value, message
):
    response = _save(signed_in, **{"report_threshold": "9", field: value})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert f'id="{field}-error">{message}</span>' in page
    assert "Some settings are not right" in page
    assert _settings(app)[0] == {} and _events(app) == []


def test_the_rules_apply_to_the_next_post_through_the_api(app, signed_in):
    reader = app.test_client()
    assert post(reader, body="You moron").status_code == 201
    _save(signed_in, banned_words="moron", suspect_words="scam", edit_window="2")
    refused = post(reader, body="You MORON")
    assert refused.status_code == 422 and refused.get_json()["code"] == "banned_word"
    held = post(reader, body="What a scam")
    assert held.status_code == 202
    assert held.get_json()["reasons"][0]["code"] == "suspect_word"
    _save(signed_in, moderation="pre", edit_window="2")
    answer = post(reader, body="Hello there")
    assert answer.status_code == 202
    assert answer.get_json()["reasons"][0]["code"] == "premoderated"


def test_five_thousand_cyrillic_words_can_be_saved_from_the_page(app, signed_in):
    letters = "абвгдежзиклмнопрстуфхцчшщэюя"
    entries = [
        "".join(letters[(n // len(letters) ** k) % len(letters)] for k in range(4)) + "ство"
        for n in range(5000)
    ]
    response = _save(signed_in, suspect_words="\n".join(entries))
    assert response.status_code == 302, response.status_code
    assert len(_settings(app)[0]["suspect_words"]) == 5000


def test_other_admin_requests_keep_the_small_size_limit(app, signed_in):
    token = csrf_token(signed_in, URL)
    response = signed_in.post("/admin/logout", data={"csrf_token": token, "x": "y" * 70_000})
    assert response.status_code == 413
