"""A site's rules on the write path: holds, word lists, edit window, auto-close, per-thread mode."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from comments import audit, moderation, site_settings, spam, threads
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import AuditEvent, Comment, Site, Thread
from tests.conftest import DATABASE_URL
from tests.factories import post, post_ok, read

OPERATOR = audit.Actor("test")


def _set(app, **changes):
    with app.app_context(), unit_of_work():
        site_settings.update_settings("news", changes, actor=OPERATOR)


def _reasons(response):
    return [(r["code"], r["params"]) for r in response.get_json()["reasons"]]


def _comment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)))


def test_defaults_come_from_the_app_where_the_site_sets_nothing(app, site):
    with app.app_context():
        stored = db.session.get(Site, site.id)
        rules = site_settings.settings_of(stored, edit_window=600, report_threshold=5)
    assert rules.edit_window == 600 and rules.report_threshold == 5
    assert rules.premoderate_new == 0 and rules.premoderate_links is False
    assert rules.banned_words == () and rules.guests == "allowed"
    assert rules.auto_close_days is None and rules.message() == "This discussion is closed."


def test_new_commenters_are_held_until_they_have_enough_approved(app, client, site):
    _set(app, premoderate_new=2)
    author = {"name": "Newcomer", "email": "new@reader.example"}
    first = post(client, author=author, body="first")
    assert first.status_code == 202
    assert _reasons(first) == [("new_commenter", {"approved": 0, "needed": 2})]
    assert "0 of 2 approved" in first.get_json()["reason"]
    with app.app_context(), unit_of_work():
        moderation.decide(first.get_json()["comment"]["id"], "approve", actor=OPERATOR)
    second = post(client, author=author, body="second")
    assert _reasons(second) == [("new_commenter", {"approved": 1, "needed": 2})]
    with app.app_context(), unit_of_work():
        moderation.decide(second.get_json()["comment"]["id"], "approve", actor=OPERATOR)
    third = post(client, author=author, body="third")
    assert third.status_code == 201 and third.get_json()["reasons"] == []
    # Somebody else is still new.
    assert post(client, author={"name": "Other"}, body="hello").status_code == 202


def test_comments_with_any_link_are_held_when_the_site_says_so(app, client, site):
    _set(app, premoderate_links=True)
    held = post(client, body="See https://example.org/report")
    assert held.status_code == 202 and _reasons(held) == [("has_links", {"count": 1})]
    assert held.get_json()["reason"] == (
        "Comments with links are checked by a moderator before they appear."
    )
    assert post(client, body="No link here.").status_code == 201


def test_many_links_are_still_held_without_the_rule(app, client, site):
    body = " ".join(f"https://example.org/{n}" for n in range(4))
    assert _reasons(post(client, body=body)) == [("too_many_links", {"count": 4, "limit": 3})]


def test_a_banned_word_refuses_the_post_without_repeating_it(app, client, site):
    _set(app, banned_words=["idiot*"])
    response = post(client, body="You are an idiоt.")  # a Cyrillic о
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "banned_word"
    assert "a word this site does not allow" in problem["errors"]["body"]
    assert "idiot" not in response.get_data(as_text=True)
    assert _comment_count(app) == 0


def test_a_banned_word_in_the_name_is_refused_and_a_suspect_one_held(app, client, site):
    _set(app, banned_words=["moron"], suspect_words=["scam*"])
    refused = post(client, author={"name": "Mr MORON"}, body="Hello")
    assert refused.status_code == 422
    assert "a word this site does not allow" in refused.get_json()["errors"]["author.name"]
    held = post(client, author={"name": "Scammer Joe"}, body="Hello")
    assert _reasons(held) == [("suspect_word", {"word": "scam*"})]


def test_a_suspect_word_holds_the_post_and_names_the_word(app, client, site):
    _set(app, suspect_words=["crypto*"])
    response = post(client, body="Buy **crypto**coins today")
    assert response.status_code == 202
    assert _reasons(response) == [("suspect_word", {"word": "crypto*"})]
    assert read(client)["comments"] == []


def test_words_in_link_addresses_are_not_read_only_the_text(app, client, site):
    _set(app, banned_words=["secret"])
    assert post(client, body="[a report](https://example.org/secret)").status_code == 201
    assert post(client, body="the `secret` plan").status_code == 422


def test_an_edit_with_a_banned_word_is_refused_and_one_with_a_suspect_word_held(app, client, site):
    _set(app, banned_words=["moron"], suspect_words=["scam"])
    posted = post(client, body="A fine comment.").get_json()
    headers = {"X-Edit-Token": posted["edit_token"]}
    url = f"/api/v1/comments/{posted['comment']['id']}"
    refused = client.patch(url, json={"body": "You moron"}, headers=headers)
    assert refused.status_code == 422 and refused.get_json()["code"] == "banned_word"
    held = client.patch(url, json={"body": "This is a scam"}, headers=headers)
    assert held.status_code == 200 and held.get_json()["held"] is True
    assert _reasons(held) == [("suspect_word", {"word": "scam"})]
    assert read(client)["comments"] == []


def test_the_site_edit_window_sets_editable_until(app, client, site):
    _set(app, edit_window=120)
    posted = post(client).get_json()
    created = datetime.fromisoformat(posted["comment"]["created_at"].rstrip("Z"))
    until = datetime.fromisoformat(posted["editable_until"].rstrip("Z"))
    assert until - created == timedelta(seconds=120)


def test_an_edit_after_the_site_window_is_refused(app, client, site, monkeypatch):
    posted = post(client).get_json()
    _set(app, edit_window=60)
    later = datetime.now().timestamp() + 120
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = client.patch(
        f"/api/v1/comments/{posted['comment']['id']}",
        json={"body": "changed"},
        headers={"X-Edit-Token": posted["edit_token"]},
    )
    assert response.status_code == 403
    assert response.get_json()["detail"] == (
        "You can change your own comment for 1 minute after posting it."
    )


def _age_thread(app, days: int) -> None:
    # Straight to the table: the page cache must notice the time, not a write.
    with app.app_context(), unit_of_work():
        then = datetime.now() - timedelta(days=days)
        db.session.execute(update(Thread).values(created_at=then))


def test_threads_close_n_days_after_their_first_comment(app, client, site):
    post_ok(client)
    _set(app, auto_close_days=2, closed_message="Comments close after two days.")
    assert read(client)["thread"]["closed"] is False
    _age_thread(app, 3)
    thread = read(client)["thread"]
    assert thread["closed"] is True
    assert thread["closed_message"] == "Comments close after two days."
    refused = post(client)
    assert refused.status_code == 403 and refused.get_json()["code"] == "thread_closed"
    assert refused.get_json()["detail"] == "Comments close after two days."


def test_changing_the_closed_message_shows_on_cached_pages(app, client, site):
    post_ok(client)
    with app.app_context(), unit_of_work():
        threads.set_closed("news", "story-1", True)
    assert read(client)["thread"]["closed_message"] is None  # the widget words it
    _set(app, closed_message="We closed this one.")
    assert read(client)["thread"]["closed_message"] == "We closed this one."
    assert post(client).get_json()["detail"] == "We closed this one."


def test_open_threads_carry_no_closed_message(app, client, site):
    post_ok(client)
    _set(app, auto_close_days=5, closed_message="Closed.")
    assert read(client)["thread"]["closed_message"] is None
    assert post(client).status_code == 201


@pytest.mark.parametrize(
    ("site_mode", "thread_mode", "status", "codes"),
    [
        ("post", "pre", 202, ["premoderated_thread"]),
        ("pre", "post", 201, []),
        ("pre", "site", 202, ["premoderated"]),
        ("post", "site", 201, []),
    ],
)
def test_a_thread_mode_replaces_the_site_mode(
    runner, client, site, site_mode, thread_mode, status, codes
):
    runner.invoke(args=["site", "update", "news", "--moderation", site_mode])
    result = runner.invoke(args=["thread", "moderate", "news", "story-1", thread_mode])
    assert result.exit_code == 0, result.output
    response = post(client)
    assert response.status_code == status
    assert [code for code, _ in _reasons(response)] == codes
    expected = site_mode if thread_mode == "site" else thread_mode
    assert read(client)["thread"]["moderation"] == expected


def test_a_post_thread_lifts_the_site_holds_for_newcomers_and_links(app, runner, client, site):
    _set(app, premoderate_new=1, premoderate_links=True)
    runner.invoke(args=["thread", "moderate", "news", "story-1", "post"])
    assert post(client, body="See https://example.org/").status_code == 201


def test_setting_a_thread_mode_is_audited_and_can_be_undone(app, runner, site):
    runner.invoke(args=["thread", "moderate", "news", "story-9", "pre"])
    runner.invoke(args=["thread", "moderate", "news", "story-9", "site"])
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        assert db.session.scalar(select(Thread.moderation)) is None
    assert [(e.action, e.before, e.after) for e in events] == [
        ("thread.moderation", {"moderation": None}, {"moderation": "pre"}),
        ("thread.moderation", {"moderation": "pre"}, {"moderation": None}),
    ]


def test_an_unknown_thread_mode_is_refused(runner, site):
    result = runner.invoke(args=["thread", "moderate", "news", "story-1", "sometimes"])
    assert result.exit_code != 0 and "sometimes" in result.output


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"report_threshold": 0}, "report_threshold"),
        ({"report_threshold": "3"}, "report_threshold"),
        ({"edit_window": 10}, "edit_window"),
        ({"edit_window": True}, "edit_window"),
        ({"premoderate_new": -1}, "premoderate_new"),
        ({"premoderate_links": "yes"}, "premoderate_links"),
        ({"auto_close_days": 0}, "auto_close_days"),
        ({"closed_message": "x" * 501}, "closed_message"),
        ({"banned_words": "idiot"}, "banned_words"),
        ({"banned_words": ["f*ck"]}, "banned_words"),
        ({"suspect_words": ["*"]}, "suspect_words"),
        ({"guests": "maybe"}, "guests"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_each_wrong_setting_is_named_and_nothing_changes(app, site, changes, field):
    with app.app_context(), unit_of_work(), pytest.raises(Exception) as caught:
        site_settings.update_settings("news", {"report_threshold": 7, **changes}, actor=OPERATOR)
    assert set(caught.value.errors) == {field}
    with app.app_context():
        assert db.session.get(Site, site.id).settings == {}
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_settings_are_stored_and_audited_with_before_and_after(app, site):
    _set(app, report_threshold=5, banned_words=[" idiot* ", "moron", "moron", ""])
    _set(app, report_threshold=4)
    with app.app_context():
        stored = db.session.get(Site, site.id).settings
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert stored == {"report_threshold": 4, "banned_words": ["idiot*", "moron"]}
    assert events[0].action == "site.settings" and events[0].site_id == site.id
    assert events[0].before == {"banned_words": None, "report_threshold": None}
    assert events[1].before == {"report_threshold": 5}
    assert events[1].after == {"report_threshold": 4}


def test_an_unchanged_save_writes_no_audit_event(app, site):
    _set(app, report_threshold=5)
    _set(app, report_threshold=5)
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 1


def test_cli_replaces_the_word_lists_from_files(app, runner, site, tmp_path):
    banned = tmp_path / "banned.txt"
    banned.write_text("idiot*\nmoron\n\n", encoding="utf-8")
    result = runner.invoke(args=["site", "words", "news", "--banned", str(banned)])
    assert result.exit_code == 0, result.output
    assert "2 banned words, 0 suspect words" in result.output
    bad = tmp_path / "bad.txt"
    bad.write_text("f*ck\n", encoding="utf-8")
    result = runner.invoke(args=["site", "words", "news", "--suspect", str(bad)])
    assert result.exit_code != 0 and "only at its start or end" in result.output


@pytest.mark.skipif(bool(DATABASE_URL), reason="reads SQLite's query plans")
def test_counting_an_authors_approved_comments_reads_one_index(app, site):
    with app.app_context():
        statement = spam._APPROVED.params(aid=1, enough=3)
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
    plan_text = " | ".join(str(row[-1]) for row in plan)
    assert "COVERING INDEX ix_comments_author_status" in plan_text, plan_text
