"""PATCH and DELETE /api/v1/comments/{id}: authors change their own comments, for a while."""

from __future__ import annotations

import time

import pytest

from tests.factories import ORIGIN, post, read


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


def test_author_edits_within_the_window(client, site):
    comment, token = _posted(client, body="First draft")
    response = _edit(client, comment["id"], token, "The *fix*")
    assert response.status_code == 200
    edited = response.get_json()["comment"]
    assert edited["html"] == "<p>The <em>fix</em></p>"
    assert edited["edited_at"] is not None
    shown = read(client)["comments"][0]
    assert shown["html"] == "<p>The <em>fix</em></p>" and shown["edited_at"]


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
    assert _edit(client, theirs["id"], my_token, "Hijacked").status_code == 403
    assert _delete(client, theirs["id"], my_token).status_code == 403


def test_edit_window_closes(app_factory, site):
    client = app_factory(EDIT_WINDOW=1).test_client()
    comment, token = _posted(client, body="Quick")
    time.sleep(2.1)
    response = _edit(client, comment["id"], token, "Too late")
    assert response.status_code == 403
    assert "minute" in response.get_json()["detail"]


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
    assert _edit(client, comment["id"], token, "   ").status_code == 422
    assert _edit(client, comment["id"], token, "x" * 10_001).status_code == 422
    response = client.patch(
        f"/api/v1/comments/{comment['id']}",
        data="body=x",
        headers={"X-Edit-Token": token, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert read(client)["comments"][0]["html"] == "<p>Fine</p>"


def test_author_deletes_within_the_window(client, site):
    keep, _ = _posted(client, body="Stays")
    gone, token = _posted(client, body="Goes")
    response = _delete(client, gone["id"], token)
    assert response.status_code == 204 and response.data == b""
    page = read(client)
    assert [c["id"] for c in page["comments"]] == [keep["id"]]
    assert page["thread"]["comment_count"] == 1
    assert _delete(client, gone["id"], token).status_code == 404
    assert _edit(client, gone["id"], token, "Back").status_code == 404


def test_deleting_a_reply_updates_its_parent(client, site):
    root, _ = _posted(client)
    reply, token = _posted(client, parent_id=root["id"])
    assert _delete(client, reply["id"], token).status_code == 204
    shown = read(client)["comments"][0]
    assert shown["reply_count"] == 0 and shown["replies_total"] == 0 and shown["replies"] == []


def test_comment_with_replies_cannot_be_deleted_but_can_be_edited(client, site):
    root, token = _posted(client, body="Question?")
    _posted(client, parent_id=root["id"], body="Answer.")
    response = _delete(client, root["id"], token)
    assert response.status_code == 409
    assert response.get_json()["code"] == "has_replies"
    assert read(client)["thread"]["comment_count"] == 2
    assert _edit(client, root["id"], token, "Question, rephrased?").status_code == 200


def test_changes_from_a_foreign_origin_are_refused(client, site):
    comment, token = _posted(client)
    evil = {"Origin": "https://evil.example"}
    assert _edit(client, comment["id"], token, "x", **evil).status_code == 403
    assert _delete(client, comment["id"], token, **evil).status_code == 403
    ok = _edit(client, comment["id"], token, "From home", Origin=ORIGIN)
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_closed_thread_refuses_edits(client, runner, site):
    comment, token = _posted(client)
    runner.invoke(args=["thread", "close", "news", "story-1"])
    response = _edit(client, comment["id"], token, "Late edit")
    assert response.status_code == 403 and response.get_json()["code"] == "thread_closed"


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


def test_comment_with_a_held_reply_cannot_be_deleted(app_factory, site):
    client = app_factory(SPAM_MAX_LINKS=0).test_client()
    root, token = _posted(client, body="Question?")
    held = post(client, parent_id=root["id"], body="See https://a.com")
    assert held.status_code == 202
    assert _delete(client, root["id"], token).status_code == 409
