"""Reply notifications through the outbox, delivered to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from comments import moderation, worker
from comments.audit import Actor
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Comment, MailState, OutboxMessage, utcnow
from tests import factories
from tests.mailbox import SilentServer, SMTPServer, links, parts, path_of

ANN, BOB = "ann@example.com", "bob@example.com"


@pytest.fixture
def mail_app(app_factory, smtp):
    app = app_factory(**smtp.config())
    factories.make_site(app)
    return app


@pytest.fixture
def client(mail_app):
    return mail_app.test_client()


def deliver(app) -> int:
    """Run the worker's mail job until it has nothing more to do; return what it settled."""
    return worker.run_once(app, worker.default_jobs(app)[:1])["mail"]


def ask(client, email=ANN, lang="en", **overrides):
    response = factories.post(
        client, author={"name": "Ann", "email": email}, notify=True, lang=lang, **overrides
    )
    assert response.status_code in (201, 202), response.get_json()
    return response.get_json()


def reply(client, parent_id, name="Bob", email=BOB, **overrides):
    author = {"name": name, **({"email": email} if email else {})}
    return factories.post_ok(client, parent_id=parent_id, author=author, **overrides)


def confirm(client, smtp, address=ANN):
    (message,) = [m for m in smtp.inbox.to(address) if "Confirm" in m["Subject"]]
    (link,) = [u for u in links(message) if "/email/confirm/" in u]
    assert client.post(path_of(link)).status_code == 200


def outbox_states(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        )
        return {str(state): n for state, n in rows}


def test_first_request_sends_a_confirmation_and_nothing_else_until_confirmed(
    mail_app, client, smtp
):
    posted = ask(client)
    assert posted["notify"] == "confirm"
    reply(client, posted["comment"]["id"])  # before confirmation: not told
    assert deliver(mail_app) == 1
    (message,) = smtp.inbox.messages
    assert message["To"] == ANN
    assert message["Subject"] == "Confirm replies to your comment on News"
    (link,) = [u for u in links(message) if "/email/confirm/" in u]
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "Email me about replies to my comment?" in page.get_data(as_text=True)
    # Opening the link (a mail scanner does) confirms nothing: the next reply is not told.
    reply(client, posted["comment"]["id"])
    assert deliver(mail_app) == 0
    done = client.post(path_of(link))
    assert "you will get an email when someone replies" in done.get_data(as_text=True)
    reply(client, posted["comment"]["id"], name="Cy", email="cy@example.com")
    assert deliver(mail_app) == 1
    assert [m["Subject"] for m in smtp.inbox.messages[1:]] == [
        "Cy replied to your comment on “A story”"
    ]


def test_a_reply_email_has_both_parts_the_headers_and_a_one_click_unsubscribe(
    mail_app, client, smtp
):
    parent = ask(client)["comment"]
    deliver(mail_app)
    confirm(client, smtp)
    answer = reply(client, parent["id"], body="I **disagree** <b>strongly</b>.")
    deliver(mail_app)
    message = smtp.inbox.messages[-1]
    assert message["To"] == ANN and message["From"] == "comments@news.example"
    text, html = parts(message)
    assert "Bob replied to your comment:" in text
    assert "> I disagree <b>strongly</b>." in text
    assert f"https://news.example/story-1#comment-{answer['id']}" in text
    assert "&lt;b&gt;strongly&lt;/b&gt;" in html and "<b>strongly" not in html
    assert f'href="https://news.example/story-1#comment-{answer["id"]}"' in html
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://comments.test/email/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = unsubscribe.strip("<>")
    assert url in text and url in html
    # GET only asks; the one-click POST (what a mail client sends) unsubscribes.
    assert "Stop emails about replies" in client.get(path_of(url)).get_data(as_text=True)
    one_click = client.post(
        path_of(url),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    reply(client, parent["id"], name="Cy", email="cy@example.com")
    assert deliver(mail_app) == 0
    assert len(smtp.inbox.to(ANN)) == 2  # the confirmation and the first reply


def test_a_confirmed_address_is_active_at_once_on_that_site_only(mail_app, client, smtp):
    ask(client)
    deliver(mail_app)
    confirm(client, smtp)
    second = ask(client, thread="story-2", url="https://news.example/story-2")
    assert second["notify"] == "active"
    reply(client, second["comment"]["id"], thread="story-2")
    deliver(mail_app)
    assert [m["Subject"] for m in smtp.inbox.to(ANN)][-1].startswith("Bob replied")
    factories.make_site(mail_app, "other", origins=("https://other.example",))
    elsewhere = ask(client, site="other", url="https://other.example/a", thread="a")
    assert elsewhere["notify"] == "confirm"


def _subscribed(mail_app, client, smtp):
    parent = ask(client)["comment"]
    deliver(mail_app)
    confirm(client, smtp)
    return parent


def _decide(app, comment_id, decision):
    with app.app_context(), unit_of_work():
        moderation.decide(comment_id, decision, actor=Actor("test"))


def test_a_held_reply_is_told_when_approved_and_only_once(mail_app, client, smtp):
    parent = _subscribed(mail_app, client, smtp)
    held = reply(client, parent["id"], body="see https://a.example https://b.example "
                 "https://c.example https://d.example")  # fmt: skip
    assert held["status"] == "pending"
    assert deliver(mail_app) == 0
    _decide(mail_app, held["id"], "approve")
    _decide(mail_app, held["id"], "reject")
    _decide(mail_app, held["id"], "restore")
    assert deliver(mail_app) == 1
    assert len(smtp.inbox.to(ANN)) == 2


@pytest.mark.parametrize("decision", ["reject", "spam", "delete"])
def test_a_reply_removed_before_it_is_shown_is_never_told(mail_app, client, smtp, decision):
    parent = _subscribed(mail_app, client, smtp)
    held = reply(client, parent["id"], body="a https://a.example b https://b.example "
                 "c https://c.example d https://d.example")  # fmt: skip
    _decide(mail_app, held["id"], decision)
    assert deliver(mail_app) == 0
    assert outbox_states(mail_app) == {"sent": 1}


def test_a_reply_taken_down_before_the_email_leaves_is_dropped(mail_app, client, smtp):
    parent = _subscribed(mail_app, client, smtp)
    answer = reply(client, parent["id"])
    _decide(mail_app, answer["id"], "reject")
    deliver(mail_app)
    assert len(smtp.inbox.to(ANN)) == 1
    assert outbox_states(mail_app) == {"sent": 1, "dropped": 1}


def test_nobody_is_told_of_their_own_reply(mail_app, client, smtp):
    parent = _subscribed(mail_app, client, smtp)
    reply(client, parent["id"], name="Ann again", email="  ANN@example.com ")
    assert deliver(mail_app) == 0
    assert len(smtp.inbox.to(ANN)) == 1


def test_the_email_speaks_the_readers_language(mail_app, client, smtp):
    parent = ask(client, lang="ru-RU")["comment"]
    deliver(mail_app)
    (message,) = smtp.inbox.to(ANN)
    assert message["Subject"] == "Подтвердите уведомления об ответах на News"
    assert message["Content-Language"] == "ru"
    confirm_link = [u for u in links(message) if "/email/confirm/" in u][0]
    page = client.get(path_of(confirm_link)).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Присылать письма" in page
    client.post(path_of(confirm_link))
    reply(client, parent["id"])
    deliver(mail_app)
    assert smtp.inbox.to(ANN)[-1]["Subject"] == "Bob ответил(а) на ваш комментарий к «A story»"


def test_chinese_and_unknown_languages(mail_app, client, smtp):
    ask(client, lang="zh-CN")
    ask(client, email="eve@example.com", lang="xx")
    deliver(mail_app)
    assert smtp.inbox.to(ANN)[0]["Subject"] == "请确认 News 上的回复通知"
    assert smtp.inbox.to("eve@example.com")[0]["Subject"].startswith("Confirm replies")


def test_notify_without_an_email_is_refused_and_stores_nothing(mail_app, client):
    response = factories.post(client, author={"name": "Ann"}, notify=True)
    assert response.status_code == 422
    assert "author.email" in response.get_json()["errors"]
    with mail_app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_bad_or_forged_links_change_nothing(mail_app, client, smtp):
    ask(client)
    deliver(mail_app)
    (message,) = smtp.inbox.messages
    (link,) = [u for u in links(message) if "/email/confirm/" in u]
    forged = path_of(link)[:-3] + "abc"
    assert client.post(forged).status_code == 404
    assert client.get("/email/unsubscribe/nonsense").status_code == 404
    # An unsubscribe token is not a confirmation token, though both are signed.
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    token = path_of(unsubscribe).rsplit("/", 1)[1]
    assert client.post(f"/email/confirm/{token}").status_code == 404


def test_an_expired_confirmation_link_says_so(app_factory, smtp):
    app = app_factory(**smtp.config(MAIL_LINK_MAX_AGE=-1))
    factories.make_site(app)
    client = app.test_client()
    ask(client)
    deliver(app)
    (link,) = [u for u in links(smtp.inbox.messages[0]) if "/email/confirm/" in u]
    response = client.post(path_of(link))
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)


def test_a_refusing_server_gets_the_message_again_until_it_takes_it(mail_app, client, smtp):
    smtp.inbox.refuse = 2
    ask(client)
    assert deliver(mail_app) == 0  # refused (451): back in line
    with mail_app.app_context():
        row = db.session.scalars(select(OutboxMessage)).one()
        assert (row.state, row.attempts) == (MailState.PENDING, 1)
        assert row.last_error.startswith("451")
    assert deliver(mail_app) == 0
    assert deliver(mail_app) == 1
    assert smtp.inbox.refused == 2
    assert len(smtp.inbox.messages) == 1
    assert deliver(mail_app) == 0
    assert len(smtp.inbox.messages) == 1


def test_a_server_that_is_down_then_up_gets_every_message_once(app_factory):
    server = SMTPServer()  # not started: nothing listens on its port
    app = app_factory(**server.config())
    factories.make_site(app)
    client = app.test_client()
    for n in range(3):
        ask(client, email=f"r{n}@example.com")
    assert deliver(app) == 0
    assert outbox_states(app) == {"pending": 3}
    server.start()
    try:
        assert deliver(app) == 3
        assert deliver(app) == 0
        assert sorted(m["To"] for m in server.inbox.messages) == [
            "r0@example.com",
            "r1@example.com",
            "r2@example.com",
        ]
    finally:
        server.stop()


def test_backoff_waits_longer_each_time(app_factory):
    server = SMTPServer()
    app = app_factory(**server.config(MAIL_RETRY_SECONDS=60))
    factories.make_site(app)
    ask(app.test_client())
    deliver(app)
    with app.app_context():
        first = db.session.scalars(select(OutboxMessage)).one().due_at
    assert deliver(app) == 0  # not due yet: not even tried
    with app.app_context(), unit_of_work():
        db.session.execute(update(OutboxMessage).values(due_at=utcnow()))
    deliver(app)
    with app.app_context():
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.attempts == 2
        assert row.due_at - utcnow() > timedelta(seconds=100)
        assert first - row.created_at < timedelta(seconds=70)


def test_after_the_last_attempt_a_message_is_kept_as_failed_and_shown(app_factory):
    server = SMTPServer()
    app = app_factory(**server.config(MAIL_MAX_ATTEMPTS=2, MAIL_PASSWORD="hunter2-secret"))
    factories.make_site(app)
    ask(app.test_client())
    deliver(app)
    deliver(app)
    assert outbox_states(app) == {"failed": 1}
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["outbox"])
    assert "failed: 1" in shown.output
    assert ANN in shown.output and "ConnectionRefusedError" in shown.output
    assert "hunter2" not in shown.output
    again = runner.invoke(args=["outbox", "--retry"])
    assert "1 failed messages will be tried again" in again.output
    server.start()
    try:
        assert deliver(app) == 1
        assert len(server.inbox.messages) == 1
    finally:
        server.stop()


def test_without_a_mail_server_messages_wait_and_the_log_says_so_once(app_factory, caplog):
    app = app_factory()
    factories.make_site(app)
    ask(app.test_client())
    deliver(app)
    deliver(app)
    assert outbox_states(app) == {"pending": 1}
    said = [r.getMessage() for r in caplog.records if "MAIL_SERVER" in r.getMessage()]
    assert said == ["mail: MAIL_SERVER is not set; emails wait in the outbox"]


def test_posting_never_talks_to_the_mail_server(app_factory):
    silent = SilentServer()
    try:
        app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.port, MAIL_TIMEOUT=1,
                          PUBLIC_URL="http://comments.test")  # fmt: skip
        factories.make_site(app)
        client = app.test_client()
        parent = ask(client)["comment"]
        reply(client, parent["id"])
        assert silent.accepted == 0
        assert outbox_states(app) == {"pending": 1}
    finally:
        silent.close()


def test_the_posted_comment_and_its_confirmation_are_one_transaction(mail_app, client):
    # A refused post (a duplicate) leaves no subscription and no email behind.
    first = ask(client, body="Same words.")
    response = factories.post(
        client, author={"name": "Ann", "email": ANN}, notify=True, body="Same words."
    )
    assert response.status_code == 409
    assert first["notify"] == "confirm"
    assert outbox_states(mail_app) == {"pending": 1}


def test_posting_without_notify_answers_null(client):
    response = factories.post(client, author={"name": "Ann", "email": ANN})
    assert response.get_json()["notify"] is None


def test_a_login_that_fails_leaves_no_password_in_the_log_or_the_outbox(app_factory, smtp, caplog):
    secret = "pa55-very-secret"
    app = app_factory(**smtp.config(MAIL_USERNAME="mailer", MAIL_PASSWORD=secret))
    factories.make_site(app)
    ask(app.test_client())
    assert deliver(app) == 0  # this server offers no AUTH: the attempt fails
    with app.app_context():
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.state == MailState.PENDING and row.last_error
        assert secret not in row.last_error
    assert caplog.records and secret not in caplog.text
    assert smtp.inbox.messages == []


def test_the_background_thread_of_the_embedded_server_delivers(mail_app, client, smtp):
    import time

    ask(client)
    thread, stop = worker.start_in_background(mail_app, worker.default_jobs(mail_app)[:1])
    try:
        deadline = time.monotonic() + 10
        while not smtp.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert [m["To"] for m in smtp.inbox.messages] == [ANN]
