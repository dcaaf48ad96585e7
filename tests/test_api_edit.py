"""PATCH and DELETE /api/v1/comments/{id}: authors change their own comments, for a while."""

from __future__ import annotations

import re
import time

import pytest

from tests.factories import ORIGIN, post, read

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _posted(client, **overrides):
    response = post(client, **overrides)
    assert response.status_code in (201, 202)
    data = response.get_json()
    return data["comment"], data["edit_token"]


def _edit(client, comment_id, token, body, **headers):
    if token is not None:
        headers["X-Edit-Token"] = token
    return client.patch(f"/api/v1/comments/{comment_id}", json={"body": body}, headers=headers)


def _delete(client, comment_id, token, **headers):
    if token is not None:
        headers["X-Edit-Token"] = token
    return client.delete(f"/api/v1/comments/{comment_id}", headers=headers)


def _shown(client, thread="story-1"):
    """Return every comment a reader sees on the thread's first page (replies too), by id."""
    shown = {}
    pending = read(client, thread=thread)["comments"]
    while pending:
        comment = pending.pop()
        shown[comment["id"]] = comment
        pending += comment["replies"]
    return shown


def test_author_edits_within_the_window(client, site):
    comment, token = _posted(client, body="First draft", author={"name": "Ada"})
    other, _ = _posted(client, body="Someone else's")
    other_before = _shown(client)[other["id"]]
    response = _edit(client, comment["id"], token, "The *fix*")
    assert response.status_code == 200
    data = response.get_json()
    assert data["held"] is False and data["reason"] is None
    edited = data["comment"]
    assert edited["id"] == comment["id"] and edited["author"]["name"] == "Ada"
    assert edited["html"] == "<p>The <em>fix</em></p>"
    assert edited["created_at"] == comment["created_at"]
    assert TIMESTAMP.match(edited["edited_at"]) and edited["edited_at"] >= edited["created_at"]
    shown = _shown(client)
    assert shown[comment["id"]] == edited
    assert shown[other["id"]] == other_before and other_before["edited_at"] is None


@pytest.mark.parametrize("token", [None, "", "forged.token.value"])
def test_edit_without_the_right_token_is_refused(client, site, token):
    comment, _ = _posted(client, body="Original")
    response = _edit(client, comment["id"], token, "Vandalised")
    assert response.status_code == 403
    assert response.get_json()["code"] == "not_editable"
    assert read(client)["comments"][0]["html"] == "<p>Original</p>"


def test_token_of_another_comment_does_not_work(client, site):
    mine, my_token = _posted(client)
    theirs, _ = _posted(client)
    before = _shown(client)
    refused = [
        _edit(client, theirs["id"], my_token, "Hijacked"),
        _delete(client, theirs["id"], my_token),
    ]
    assert [(r.status_code, r.get_json()["code"]) for r in refused] == [(403, "not_editable")] * 2
    assert _shown(client) == before
    assert len(before) == 2 and before[theirs["id"]]["html"] == theirs["html"]


def test_edit_window_closes(app_factory, site):
    client = app_factory(EDIT_WINDOW=1).test_client()
    comment, token = _posted(client, body="Quick")
    time.sleep(2.1)
    response = _edit(client, comment["id"], token, "Too late")
    assert response.status_code == 403
    assert response.get_json()["code"] == "not_editable"
    assert "minute" in response.get_json()["detail"]
    assert _delete(client, comment["id"], token).status_code == 403
    shown = _shown(client)[comment["id"]]
    assert shown["html"] == "<p>Quick</p>" and shown["edited_at"] is None


def test_edit_adding_links_holds_the_comment_again(app_factory, site):
    client = app_factory(SPAM_MAX_LINKS=1).test_client()
    comment, token = _posted(client, body="Harmless")
    response = _edit(client, comment["id"], token, "https://a.com https://b.org buy now")
    assert response.status_code == 200
    data = response.get_json()
    assert data["held"] is True and "links" in data["reason"]
    page = read(client)
    assert page["comments"] == [] and page["thread"]["comment_count"] == 0


def test_edit_is_validated_like_a_new_comment(client, site):
    comment, token = _posted(client, body="Fine")
    for bad in ("   ", "x" * 10_001):
        response = _edit(client, comment["id"], token, bad)
        assert response.status_code == 422
        problem = response.get_json()
        assert problem["code"] == "validation" and set(problem["errors"]) == {"body"}
    response = client.patch(
        f"/api/v1/comments/{comment['id']}",
        data="body=x",
        headers={"X-Edit-Token": token, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    shown = _shown(client)[comment["id"]]
    assert shown["html"] == "<p>Fine</p>" and shown["edited_at"] is None


def test_author_deletes_within_the_window(client, site):
    keep, _ = _posted(client, body="Stays")
    gone, token = _posted(client, body="Goes")
    kept_before = _shown(client)[keep["id"]]
    response = _delete(client, gone["id"], token)
    assert response.status_code == 204 and response.data == b""
    page = read(client)
    assert page["comments"] == [kept_before] and kept_before["html"] == "<p>Stays</p>"
    assert page["thread"]["comment_count"] == 1
    assert _delete(client, gone["id"], token).status_code == 404
    assert _edit(client, gone["id"], token, "Back").status_code == 404


def test_deleting_a_reply_updates_its_parent(client, site):
    root, _ = _posted(client)
    reply, token = _posted(client, parent_id=root["id"])
    assert _delete(client, reply["id"], token).status_code == 204
    shown = read(client)["comments"][0]
    assert shown["id"] == root["id"] and shown["html"] == root["html"]
    assert shown["reply_count"] == 0 and shown["replies_total"] == 0 and shown["replies"] == []


def test_comment_with_replies_can_still_be_edited(client, site):
    root, token = _posted(client, body="Question?")
    answer, _ = _posted(client, parent_id=root["id"], body="Answer.")
    answer_before = _shown(client)[answer["id"]]
    edited = _edit(client, root["id"], token, "Question, rephrased?")
    assert edited.status_code == 200
    assert edited.get_json()["comment"]["html"] == "<p>Question, rephrased?</p>"
    shown = _shown(client)
    assert shown[root["id"]]["html"] == "<p>Question, rephrased?</p>"
    assert shown[answer["id"]] == answer_before and answer_before["html"] == "<p>Answer.</p>"


def test_changes_from_a_foreign_origin_are_refused(client, site):
    comment, token = _posted(client)
    before = _shown(client)
    evil = {"Origin": "https://evil.example"}
    refused = [
        _edit(client, comment["id"], token, "x", **evil),
        _delete(client, comment["id"], token, **evil),
    ]
    assert [(r.status_code, r.get_json()["code"]) for r in refused] == [(403, "origin_refused")] * 2
    assert _shown(client) == before
    ok = _edit(client, comment["id"], token, "From home", Origin=ORIGIN)
    assert ok.status_code == 200
    assert ok.get_json()["comment"]["html"] == "<p>From home</p>"
    assert ok.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_closed_thread_refuses_edits(client, runner, site):
    comment, token = _posted(client)
    runner.invoke(args=["thread", "close", "news", "story-1"])
    before = _shown(client)
    response = _edit(client, comment["id"], token, "Late edit")
    assert response.status_code == 403 and response.get_json()["code"] == "thread_closed"
    assert _shown(client) == before and before[comment["id"]]["html"] == comment["html"]


def test_preflight_allows_the_edit_token_header(client, site):
    comment, _ = _posted(client)
    response = client.options(
        f"/api/v1/comments/{comment['id']}",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type, x-edit-token",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Edit-Token" in response.headers["Access-Control-Allow-Headers"]
    assert "DELETE" in response.headers["Access-Control-Allow-Methods"]
