"""Placeholders: a comment that goes while replies under it are shown keeps its place, empty."""

from __future__ import annotations

from comments import maintenance
from comments.database import unit_of_work
from tests.factories import post, read


def _posted(client, **overrides):
    response = post(client, **overrides)
    assert response.status_code in (201, 202), response.get_json()
    data = response.get_json()
    return data["comment"], data["edit_token"]


def _delete(client, comment_id, token):
    return client.delete(f"/api/v1/comments/{comment_id}", headers={"X-Edit-Token": token})


def _moderate(runner, decision, comment_id, *extra):
    result = runner.invoke(args=["comment", decision, str(comment_id), *extra])
    assert result.exit_code == 0, result.output


def _count(client):
    answer = client.get("/api/v1/counts", query_string={"site": "news", "thread": "story-1"})
    return answer.get_json()["counts"]["story-1"]


def _assert_placeholder(shown, status):
    assert shown["deleted"] is True and shown["status"] == status
    assert shown["html"] == "" and shown["author"] is None and shown["edited_at"] is None
    assert shown["votes"] == {"up": 0, "down": 0, "score": 0}


def _counters_are_right(app):
    with app.app_context(), unit_of_work():
        return not any(maintenance.recount_thread(i) for i in maintenance.thread_ids())


def test_deleting_ones_comment_with_a_reply_leaves_a_placeholder_over_the_reply(app, client, site):
    root, token = _posted(client, body="Question? my secret words", author={"name": "Ada"})
    answer, _ = _posted(client, parent_id=root["id"], body="Answer.")
    assert _count(client) == 2

    assert _delete(client, root["id"], token).status_code == 204

    page = read(client)
    [shown] = page["comments"]
    assert shown["id"] == root["id"]
    _assert_placeholder(shown, "deleted")
    assert "secret" not in str(page) and "Ada" not in str(page)
    [reply] = shown["replies"]
    assert reply["id"] == answer["id"] and reply["html"] == "<p>Answer.</p>"
    assert reply["deleted"] is False and reply["in_reply_to"] == {"id": root["id"], "name": ""}
    assert shown["reply_count"] == 1 and shown["replies_total"] == 1
    # The deleted comment no longer counts; its reply does.
    assert _count(client) == 1 and page["thread"]["comment_count"] == 1
    assert _counters_are_right(app)


def test_deleting_ones_comment_without_replies_takes_it_away(client, site):
    kept, _ = _posted(client, body="Stays")
    gone, token = _posted(client, body="Goes")
    assert _delete(client, gone["id"], token).status_code == 204
    assert [c["id"] for c in read(client)["comments"]] == [kept["id"]]
    assert _count(client) == 1


def test_a_placeholder_goes_with_its_last_shown_reply(app, client, site):
    root, root_token = _posted(client)
    first, first_token = _posted(client, parent_id=root["id"])
    second, second_token = _posted(client, parent_id=root["id"])
    assert _delete(client, root["id"], root_token).status_code == 204
    assert _delete(client, first["id"], first_token).status_code == 204
    [shown] = read(client)["comments"]
    assert shown["deleted"] and [r["id"] for r in shown["replies"]] == [second["id"]]

    assert _delete(client, second["id"], second_token).status_code == 204
    page = read(client)
    assert page["comments"] == [] and page["thread"]["comment_count"] == 0
    assert _counters_are_right(app)


def test_a_chain_of_placeholders_stays_over_one_reply_and_goes_with_it(app, client, runner, site):
    a, _ = _posted(client, body="A")
    b, b_token = _posted(client, parent_id=a["id"], body="B")
    c, c_token = _posted(client, parent_id=b["id"], body="C")
    d, _ = _posted(client, parent_id=c["id"], body="D")
    assert _delete(client, c["id"], c_token).status_code == 204
    assert _delete(client, b["id"], b_token).status_code == 204
    _moderate(runner, "reject", a["id"], "--reason", "abuse")

    [shown] = read(client)["comments"]
    _assert_placeholder(shown, "removed")
    [placeholder_b] = shown["replies"]
    assert placeholder_b["id"] == b["id"]
    _assert_placeholder(placeholder_b, "deleted")
    [placeholder_c] = placeholder_b["replies"]
    assert placeholder_c["id"] == c["id"]
    _assert_placeholder(placeholder_c, "deleted")
    assert [r["id"] for r in placeholder_c["replies"]] == [d["id"]]
    assert placeholder_c["replies"][0]["html"] == "<p>D</p>"
    assert _count(client) == 1 and _counters_are_right(app)

    _moderate(runner, "spam", d["id"])
    assert read(client)["comments"] == [] and _count(client) == 0
    assert _counters_are_right(app)

    # Restoring the last reply brings the placeholders above it back.
    _moderate(runner, "restore", d["id"])
    [shown] = read(client)["comments"]
    assert shown["id"] == a["id"] and shown["deleted"]
    assert _counters_are_right(app)


def test_a_removed_root_keeps_every_reply_reachable(app, client, runner, site):
    root, _ = _posted(client, body="Rude words")
    replies = [_posted(client, parent_id=root["id"], body=f"Reply {i}")[0] for i in range(5)]
    _moderate(runner, "reject", root["id"], "--reason", "abuse")

    [shown] = read(client)["comments"]
    _assert_placeholder(shown, "removed")
    assert [r["id"] for r in shown["replies"]] == [r["id"] for r in replies[:3]]
    assert shown["replies_total"] == 5 and shown["replies_cursor"]
    more = client.get(
        f"/api/v1/comments/{root['id']}/replies", query_string={"cursor": shown["replies_cursor"]}
    )
    assert more.status_code == 200
    assert [r["id"] for r in more.get_json()["comments"]] == [r["id"] for r in replies[3:]]

    # A permalink to a reply under the placeholder finds its page.
    around = read(client, around=replies[4]["id"])
    assert [c["id"] for c in around["comments"]] == [root["id"]]
    assert replies[4]["id"] in [r["id"] for r in around["comments"][0]["replies"]]
    assert _count(client) == 5

    _moderate(runner, "restore", root["id"])
    [shown] = read(client)["comments"]
    assert shown["deleted"] is False and shown["html"] == "<p>Rude words</p>"
    assert _count(client) == 6 and _counters_are_right(app)


def test_a_removed_reply_in_the_middle_keeps_its_replies_under_it(app, client, runner, site):
    root, _ = _posted(client)
    middle, _ = _posted(client, parent_id=root["id"], body="Middle", author={"name": "Mo"})
    under, _ = _posted(client, parent_id=middle["id"], body="Under")
    _moderate(runner, "spam", middle["id"])

    [shown] = read(client)["comments"]
    assert shown["deleted"] is False and shown["reply_count"] == 1 and shown["replies_total"] == 2
    [placeholder] = shown["replies"]
    _assert_placeholder(placeholder, "removed")
    [reply] = placeholder["replies"]
    assert reply["id"] == under["id"] and reply["in_reply_to"] == {"id": middle["id"], "name": ""}
    assert _count(client) == 2 and _counters_are_right(app)


def test_placeholders_keep_their_place_in_every_order_and_across_pages(client, runner, site):
    roots = [_posted(client, body=f"Root {i}")[0] for i in range(5)]
    _posted(client, parent_id=roots[2]["id"])
    _moderate(runner, "reject", roots[2]["id"], "--reason", "other")
    expected = [r["id"] for r in roots]
    for sort, order in (("oldest", expected), ("newest", expected[::-1])):
        seen, cursor = [], None
        while True:
            params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = read(client, **params)
            seen += [c["id"] for c in page["comments"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == order, sort
    top = [c["id"] for c in read(client, sort="top")["comments"]]
    assert sorted(top) == expected


def test_a_comment_held_again_with_replies_is_a_placeholder(app_factory, site):
    client = app_factory(SPAM_MAX_LINKS=0).test_client()
    root, token = _posted(client, body="Plain")
    reply, _ = _posted(client, parent_id=root["id"])
    edited = client.patch(
        f"/api/v1/comments/{root['id']}",
        json={"body": "See https://a.example"},
        headers={"X-Edit-Token": token},
    )
    assert edited.status_code == 200 and edited.get_json()["held"] is True
    # The author's own answer still shows their text.
    assert edited.get_json()["comment"]["html"].startswith("<p>See")
    [shown] = read(client)["comments"]
    _assert_placeholder(shown, "removed")
    assert [r["id"] for r in shown["replies"]] == [reply["id"]]


def test_deleting_a_comment_whose_only_reply_is_held_takes_it_away(app_factory, site):
    client = app_factory(SPAM_MAX_LINKS=0).test_client()
    root, token = _posted(client, body="Question?")
    held = post(client, parent_id=root["id"], body="See https://a.com")
    assert held.status_code == 202
    assert _delete(client, root["id"], token).status_code == 204
    assert read(client)["comments"] == [] and _count(client) == 0


def test_a_moderator_removing_a_deleted_comment_changes_its_placeholder(client, runner, site):
    root, token = _posted(client)
    _posted(client, parent_id=root["id"])
    assert _delete(client, root["id"], token).status_code == 204
    assert read(client)["comments"][0]["status"] == "deleted"
    _moderate(runner, "spam", root["id"])
    [shown] = read(client)["comments"]
    _assert_placeholder(shown, "removed")
