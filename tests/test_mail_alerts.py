"""Staff alerts: choosing them in the panel, the emails, and their approve and reject links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from comments import audit, staff
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Comment, Role, Status
from tests import factories
from tests.admin_helpers import csrf_token, make_moderator, sign_in
from tests.mailbox import SMTPServer, links, parts, path_of
from tests.test_mail import deliver

MOD, OTHER = "mod@news.example", "other@news.example"
LINKY = "a https://a.example b https://b.example c https://c.example d https://d.example"


@pytest.fixture
def mail_app(app_factory, smtp):
    app = app_factory(**smtp.config())
    factories.make_site(app)
    make_moderator(app, MOD)
    make_moderator(app, OTHER)
    return app


def choose(app, email, **choices):
    """Save alert choices through the panel's form, as ``email``."""
    client = app.test_client()
    sign_in(client, email)
    data = {"csrf_token": csrf_token(client, "/admin/news/alerts")}
    data.update({name: "y" for name, on in choices.items() if on})
    response = client.post("/admin/news/alerts", data=data)
    assert response.status_code == 302
    return client


def alert_links(message):
    found = links(message)
    approve, reject = (u for u in found if "/email/decide/" in u)
    return path_of(approve), path_of(reject)


def status_of(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id).status


def test_the_alerts_page_shows_and_saves_ones_own_choices(mail_app):
    client = choose(mail_app, MOD, held=True)
    page = client.get("/admin/news/alerts").get_data(as_text=True)
    assert 'id="held" name="held" type="checkbox" value="y">' in page
    assert 'id="reported" name="reported" type="checkbox" value="y">' in page
    assert 'checked id="held"' in page and 'checked id="reported"' not in page
    assert "Email alerts" in client.get("/admin/news/").get_data(as_text=True)
    other = mail_app.test_client()
    sign_in(other, OTHER)
    assert 'checked id="held"' not in other.get("/admin/news/alerts").get_data(as_text=True)


def test_saving_without_the_csrf_token_changes_nothing(mail_app):
    client = mail_app.test_client()
    sign_in(client, MOD)
    response = client.post("/admin/news/alerts", data={"held": "y"})
    assert response.status_code == 400
    assert 'checked id="held"' not in client.get("/admin/news/alerts").get_data(as_text=True)


def test_a_held_comment_alerts_those_who_asked_with_links_that_ask_first(mail_app, smtp):
    choose(mail_app, MOD, held=True)
    choose(mail_app, OTHER, reported=True)
    reader = mail_app.test_client()
    held = factories.post_ok(reader, body=LINKY, author={"name": "Zed"})
    assert held["status"] == "pending"
    assert deliver(mail_app) == 1
    (message,) = smtp.inbox.messages
    assert message["To"] == MOD
    assert message["Subject"] == "[News] A comment is held for review: A story"
    text, _html = parts(message)
    assert "A comment by Zed on “A story” is held for review." in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    approve, _reject = alert_links(message)
    anybody = mail_app.test_client()  # the link is the credential: no session needed
    page = anybody.get(approve)
    assert page.status_code == 200
    assert "Approve this comment by Zed?" in page.get_data(as_text=True)
    assert status_of(mail_app, held["id"]) == Status.PENDING  # opening it did nothing
    done = anybody.post(approve)
    assert "Done: the comment is approved." in done.get_data(as_text=True)
    assert status_of(mail_app, held["id"]) == Status.APPROVED
    with mail_app.app_context():
        (event,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "comment.approved")
        )
        assert (event.actor, event.reason, event.target_id) == (MOD, "via email", held["id"])
    again = anybody.post(approve)
    assert again.status_code == 409
    assert "already decided (approved); nothing changed" in again.get_data(as_text=True)


def test_a_link_used_after_someone_else_decided_changes_nothing(mail_app, smtp):
    choose(mail_app, MOD, held=True)
    held = factories.post_ok(mail_app.test_client(), body=LINKY)
    deliver(mail_app)
    _approve, reject = alert_links(smtp.inbox.messages[0])
    with mail_app.app_context(), unit_of_work():
        from comments import moderation

        moderation.decide(held["id"], "approve", actor=audit.Actor("someone"))
    client = mail_app.test_client()
    assert "already decided (approved)" in client.get(reject).get_data(as_text=True)
    assert client.post(reject).status_code == 409
    assert status_of(mail_app, held["id"]) == Status.APPROVED


def test_the_reject_link_rejects(mail_app, smtp):
    choose(mail_app, MOD, held=True)
    held = factories.post_ok(mail_app.test_client(), body=LINKY)
    deliver(mail_app)
    _approve, reject = alert_links(smtp.inbox.messages[0])
    assert mail_app.test_client().post(reject).status_code == 200
    assert status_of(mail_app, held["id"]) == Status.REJECTED


def test_a_link_of_someone_who_no_longer_moderates_the_site_does_nothing(mail_app, smtp):
    choose(mail_app, MOD, held=True)
    held = factories.post_ok(mail_app.test_client(), body=LINKY)
    deliver(mail_app)
    approve, _reject = alert_links(smtp.inbox.messages[0])
    with mail_app.app_context(), unit_of_work():
        staff.remove(MOD, site_slugs=("news",), actor=audit.Actor("test"))
    response = mail_app.test_client().post(approve)
    assert response.status_code == 403
    assert "no longer moderate" in response.get_data(as_text=True)
    assert status_of(mail_app, held["id"]) == Status.PENDING


def test_an_expired_decision_link_does_nothing(app_factory, smtp):
    app = app_factory(**smtp.config(MAIL_LINK_MAX_AGE=-1))
    factories.make_site(app)
    make_moderator(app, MOD)
    choose(app, MOD, held=True)
    held = factories.post_ok(app.test_client(), body=LINKY)
    deliver(app)
    approve, _reject = alert_links(smtp.inbox.messages[0])
    response = app.test_client().post(approve)
    assert response.status_code == 403
    assert "expired" in response.get_data(as_text=True)
    assert status_of(app, held["id"]) == Status.PENDING


def test_a_forged_decision_link_does_nothing(mail_app, smtp):
    choose(mail_app, MOD, held=True)
    held = factories.post_ok(mail_app.test_client(), body=LINKY)
    deliver(mail_app)
    approve, _reject = alert_links(smtp.inbox.messages[0])
    assert mail_app.test_client().post(approve[:-2] + "xx").status_code == 404
    assert status_of(mail_app, held["id"]) == Status.PENDING


def flag(client, comment_id, addr):
    return client.post(
        f"/api/v1/comments/{comment_id}/flag",
        json={"reason": "abuse"},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_a_comment_reports_take_off_the_page_alerts_those_who_asked(mail_app, smtp):
    choose(mail_app, MOD, held=True)
    choose(mail_app, OTHER, reported=True)
    client = mail_app.test_client()
    shown = factories.post_ok(client)
    for n in range(3):
        assert flag(client, shown["id"], f"198.51.100.{n + 1}").status_code == 202
    assert status_of(mail_app, shown["id"]) == Status.PENDING
    assert deliver(mail_app) == 1
    (message,) = smtp.inbox.messages
    assert message["To"] == OTHER
    assert message["Subject"] == "[News] A comment was reported by readers: A story"
    assert "Why: Reported by 3 readers: abuse (3)." in parts(message)[0]


def test_an_alert_for_a_comment_decided_before_it_was_sent_is_dropped(mail_app, smtp):
    choose(mail_app, MOD, held=True)
    held = factories.post_ok(mail_app.test_client(), body=LINKY)
    with mail_app.app_context(), unit_of_work():
        from comments import moderation

        moderation.decide(held["id"], "approve", actor=audit.Actor("someone"))
    assert deliver(mail_app) == 1  # settled: dropped
    assert smtp.inbox.messages == []


def test_the_alerts_unsubscribe_link_turns_that_kind_off_in_one_click(mail_app, smtp):
    client = choose(mail_app, MOD, held=True, reported=True)
    factories.post_ok(mail_app.test_client(), body=LINKY)
    deliver(mail_app)
    url = path_of(smtp.inbox.messages[0]["List-Unsubscribe"].strip("<>"))
    assert "Stop these alerts?" in mail_app.test_client().get(url).get_data(as_text=True)
    assert mail_app.test_client().post(url).status_code == 200
    page = client.get("/admin/news/alerts").get_data(as_text=True)
    assert 'checked id="held"' not in page and 'checked id="reported"' in page
    factories.post_ok(mail_app.test_client(), body=LINKY + " again")
    assert deliver(mail_app) == 0


def test_staff_of_another_site_cannot_see_its_alerts_page(mail_app):
    factories.make_site(mail_app, "other", origins=("https://other.example",))
    make_moderator(mail_app, "x@other.example", Role.MODERATOR, sites=("other",))
    client = mail_app.test_client()
    sign_in(client, "x@other.example")
    assert client.get("/admin/news/alerts").status_code == 404


def test_admins_see_failed_email_on_their_dashboard(app_factory):
    server = SMTPServer()  # never started
    app = app_factory(**server.config(MAIL_MAX_ATTEMPTS=1))
    factories.make_site(app)
    make_moderator(app, "admin@news.example", Role.ADMIN)
    make_moderator(app, MOD)
    factories.post(app.test_client(), author={"name": "A", "email": "a@example.com"}, notify=True)
    deliver(app)
    admin = app.test_client()
    sign_in(admin, "admin@news.example")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "0 waiting to be sent, 1 failed after every attempt" in page
    moderator = app.test_client()
    sign_in(moderator, MOD)
    assert "Outgoing email" not in moderator.get("/admin/").get_data(as_text=True)


def test_a_reply_approved_from_an_email_link_is_told_to_its_subscriber(mail_app, smtp):
    from tests.test_mail import ANN, ask, confirm, reply

    choose(mail_app, MOD, held=True)
    reader = mail_app.test_client()
    parent = ask(reader)["comment"]
    deliver(mail_app)
    confirm(reader, smtp, ANN)
    held = reply(reader, parent["id"], body=LINKY)
    assert held["status"] == "pending"
    deliver(mail_app)
    (alert,) = smtp.inbox.to(MOD)
    approve, _reject = alert_links(alert)
    assert mail_app.test_client().post(approve).status_code == 200
    assert deliver(mail_app) == 1
    assert smtp.inbox.to(ANN)[-1]["Subject"] == "Bob replied to your comment on “A story”"
