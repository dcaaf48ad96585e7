"""Readers' reports: one per reader; enough of them hold a comment; approval sticks."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text
from werkzeug.serving import make_server

from comments import audit, moderation, reports
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Comment, Report
from tests.factories import ORIGIN, post_ok, read

MODERATOR = audit.Actor("moderator@news.example")


def flag(client, comment_id, addr="198.51.100.1", **body):
    """Report a comment as the reader at ``addr``; return the answer."""
    payload = {"reason": "abuse", **body}
    return client.post(
        f"/api/v1/comments/{comment_id}/flag",
        json=payload,
        headers={"Origin": ORIGIN},
        environ_base={"REMOTE_ADDR": addr},
    )


def _counts(client) -> int:
    answer = client.get("/api/v1/counts", query_string={"site": "news", "thread": "story-1"})
    return answer.get_json()["counts"]["story-1"]


def _reports(app) -> list[tuple[int, str, str, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(Report).order_by(Report.id))
        return [(r.comment_id, r.reporter, str(r.reason), r.note) for r in rows]


def _comment(app, comment_id) -> Comment:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        db.session.expunge(comment)
        return comment


def test_report_is_accepted_and_stored_without_the_address(app, client, site):
    comment = post_ok(client)
    answer = flag(client, comment["id"], reason="spam", note="  Same link everywhere.  ")
    assert answer.status_code == 202
    assert answer.get_json() == {"reported": True}
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    [(comment_id, reporter, reason, note)] = _reports(app)
    assert (comment_id, reason, note) == (comment["id"], "spam", "Same link everywhere.")
    assert reporter.startswith("client:") and "198.51.100.1" not in reporter
    with app.app_context():
        dump = "\n".join(str(row) for row in db.session.execute(text("SELECT * FROM reports")))
    assert "198.51.100.1" not in dump
    assert _comment(app, comment["id"]).flag_count == 1
    # One report keeps the comment on the page.
    assert [c["id"] for c in read(client)["comments"]] == [comment["id"]]


def test_second_report_by_the_same_reader_is_answered_alike_and_counts_nothing(app, client, site):
    comment = post_ok(client)
    assert flag(client, comment["id"], reason="spam").status_code == 202
    again = flag(client, comment["id"], reason="other", note="changed my mind")
    assert again.status_code == 202 and again.get_json() == {"reported": True}
    assert [r[2] for r in _reports(app)] == ["spam"]
    assert _comment(app, comment["id"]).flag_count == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": "rude"}, "reason"),
        ({"reason": 1}, "reason"),
        ({"reason": None}, "reason"),
        ({"reason": "other", "note": "x" * 301}, "note"),
        ({"reason": "other", "note": 5}, "note"),
    ],
)
def test_bad_reports_are_refused_per_field_and_change_nothing(app, client, site, body, field):
    comment = post_ok(client)
    answer = client.post(
        f"/api/v1/comments/{comment['id']}/flag", json=body, headers={"Origin": ORIGIN}
    )
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert _reports(app) == []
    assert _comment(app, comment["id"]).flag_count == 0


def test_report_that_is_not_json_is_refused(app, client, site):
    comment = post_ok(client)
    answer = client.post(f"/api/v1/comments/{comment['id']}/flag", data="reason=spam")
    assert answer.status_code == 415
    assert _reports(app) == []


def test_report_from_another_sites_page_is_refused(app, client, site):
    comment = post_ok(client)
    answer = client.post(
        f"/api/v1/comments/{comment['id']}/flag",
        json={"reason": "spam"},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert _reports(app) == []


def test_preflight_of_a_report_is_answered_for_the_sites_origin(client, site):
    comment = post_ok(client)
    answer = client.options(
        f"/api/v1/comments/{comment['id']}/flag",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize("how", ["missing", "held", "deleted", "huge"])
def test_only_shown_comments_can_be_reported(app, runner, client, site, how):
    if how == "missing":
        comment_id = 999
    elif how == "huge":
        comment_id = 2**40
    else:
        comment_id = post_ok(client)["id"]
        decision = "reject" if how == "held" else "delete"
        assert runner.invoke(args=["comment", decision, str(comment_id)]).exit_code == 0
    answer = flag(client, comment_id)
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"
    assert _reports(app) == []


def test_reports_are_limited_per_client_and_only_new_ones_count(app_factory, site):
    client = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_FLAG="2 per minute").test_client()
    first, second, third = post_ok(client), post_ok(client), post_ok(client)
    assert flag(client, first["id"]).status_code == 202
    assert flag(client, first["id"]).status_code == 202  # a repeat uses nothing up
    assert flag(client, first["id"], reason="nonsense").status_code == 422
    assert flag(client, second["id"]).status_code == 202
    refused = flag(client, third["id"])
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    problem = refused.get_json()
    assert problem["code"] == "rate_limited" and 0 < problem["retry_after"] <= 60
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "reporting too quickly" in problem["detail"]
    # The refused report was not kept; another reader may still report.
    assert [r[0] for r in _reports(client.application)] == [first["id"], second["id"]]
    assert flag(client, third["id"], addr="198.51.100.2").status_code == 202


def test_three_readers_hold_the_comment_with_their_reasons(app, client, site):
    other = post_ok(client)
    comment = post_ok(client)
    assert _counts(client) == 2
    flag(client, comment["id"], "198.51.100.1", reason="abuse")
    flag(client, comment["id"], "198.51.100.2", reason="spam")
    assert [c["id"] for c in read(client)["comments"]] == [comment["id"], other["id"]]
    assert flag(client, comment["id"], "198.51.100.3", reason="abuse").status_code == 202

    assert [c["id"] for c in read(client)["comments"]] == [other["id"]]
    assert _counts(client) == 1
    held = _comment(app, comment["id"])
    assert held.status == "pending" and held.flag_count == 3
    assert held.hold_reasons == [
        {"code": "reported", "params": {"count": 3, "reasons": {"abuse": 2, "spam": 1}}}
    ]
    from comments import reasons

    assert reasons.describe(held.hold_reasons[0]) == ("Reported by 3 readers: abuse (2), spam (1).")
    # Held, it can no longer be reported.
    assert flag(client, comment["id"], "198.51.100.4").status_code == 404


def test_threshold_is_the_sites_setting(app, client, site):
    with app.app_context(), unit_of_work():
        from comments import sites

        sites.get_site("news").settings = {"report_threshold": 1}
    comment = post_ok(client)
    flag(client, comment["id"])
    assert read(client)["comments"] == []


def test_a_moderators_approval_makes_the_comment_immune(app, client, site):
    comment = post_ok(client)
    for n in range(3):
        flag(client, comment["id"], f"198.51.100.{n}")
    assert read(client)["comments"] == []
    with app.app_context(), unit_of_work():
        moderation.decide(comment["id"], "approve", actor=MODERATOR)
    assert [c["id"] for c in read(client)["comments"]] == [comment["id"]]
    assert _counts(client) == 1
    assert _comment(app, comment["id"]).reports_cleared_at is not None

    for n in range(3, 7):
        assert flag(client, comment["id"], f"198.51.100.{n}").status_code == 202
    assert [c["id"] for c in read(client)["comments"]] == [comment["id"]]
    assert _counts(client) == 1
    assert _comment(app, comment["id"]).flag_count == 7


def test_approving_a_comment_held_for_another_reason_does_not_make_it_immune(
    app, runner, client, site
):
    runner.invoke(args=["site", "update", "news", "--moderation", "pre"])
    comment = post_ok(client)
    with app.app_context(), unit_of_work():
        moderation.decide(comment["id"], "approve", actor=MODERATOR)
    assert _comment(app, comment["id"]).reports_cleared_at is None
    for n in range(3):
        flag(client, comment["id"], f"198.51.100.{n}")
    assert read(client)["comments"] == []


def test_reported_queue_lists_held_comments_newest_report_first(app, client, site):
    first, second, untouched = post_ok(client), post_ok(client), post_ok(client)
    for n in range(3):
        flag(client, first["id"], f"198.51.100.{n}", reason="spam")
    flag(client, untouched["id"], "198.51.100.9")
    for n in range(3):
        note = "Insults another reader." if n == 2 else None
        flag(client, second["id"], f"198.51.100.{n}", reason="other", note=note)
    with app.app_context():
        site_id = db.session.get(Comment, first["id"]).thread.site_id
        queue = reports.reported_queue([site_id])
        assert [(e.comment.id, e.reports, e.reasons) for e in queue] == [
            (second["id"], 3, {"other": 3}),
            (first["id"], 3, {"spam": 3}),
        ]
        assert queue[0].notes == ["Insults another reader."]
        rest = reports.reported_queue(
            [site_id], after=(queue[0].last_reported_at, queue[0].comment.id)
        )
        assert [e.comment.id for e in rest] == [first["id"]]
        assert reports.reported_queue([site_id + 1]) == []
        with unit_of_work():
            moderation.decide(first["id"], "approve", actor=MODERATOR)
        assert [e.comment.id for e in reports.reported_queue(None)] == [second["id"]]


def _flag_over_http(base: str, comment_id: int, addr: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/comments/{comment_id}/flag",
        data=json.dumps({"reason": "spam"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": addr},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_readers_reporting_at_once_hold_the_comment_once(app_factory, site):
    app = app_factory(TRUSTED_PROXIES=1)
    client = app.test_client()
    comment = post_ok(client)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            addrs = [f"203.0.113.{n}" for n in range(12)]
            statuses = list(pool.map(lambda a: _flag_over_http(base, comment["id"], a), addrs))
    finally:
        server.shutdown()
        thread.join(timeout=10)
    # The first three are taken; the third holds it, and then it is not shown to report.
    assert sorted(statuses) == [202] * 3 + [404] * 9
    held = _comment(app, comment["id"])
    assert held.status == "pending" and held.flag_count == 3
    assert held.hold_reasons[0]["params"] == {"count": 3, "reasons": {"spam": 3}}
    assert _counts(client) == 0
    assert read(client)["thread"]["comment_count"] == 0
