"""Cross-origin rules: CORS only for a site's origins; foreign writes refused."""

from __future__ import annotations

from tests.factories import ORIGIN, post, post_ok


def test_site_origin_gets_cors_headers_on_reads(client, site):
    response = client.get("/api/v1/comments?site=news&thread=x", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_foreign_origin_gets_no_cors_headers(client, site):
    response = client.get(
        "/api/v1/comments?site=news&thread=x", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_origin_of_another_site_gets_no_cors_headers(app, client, site):
    from tests.factories import make_site

    make_site(app, slug="other", origins=("https://other.example",))
    response = client.get(
        "/api/v1/comments?site=news&thread=x", headers={"Origin": "https://other.example"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_for_a_write_is_answered_for_a_known_origin(client, site):
    response = client.options(
        "/api/v1/comments",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_preflight_from_unknown_origin_gets_no_permission(client, site):
    response = client.options(
        "/api/v1/comments",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_write_from_foreign_origin_is_refused_and_stores_nothing(client, site):
    response = post(client, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert client.get("/api/v1/counts?site=news&thread=story-1").get_json()["counts"] == {
        "story-1": 0
    }


def test_write_from_site_origin_is_accepted_with_cors(client, site):
    response = post(client, headers={"Origin": ORIGIN})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_errors_carry_cors_headers_so_the_widget_can_read_them(client, site):
    response = post(client, body="", headers={"Origin": ORIGIN})
    assert response.status_code == 422
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_replies_endpoint_uses_the_comment_site(client, site):
    root = post_ok(client)
    response = client.get(f"/api/v1/comments/{root['id']}/replies", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    response = client.get(
        f"/api/v1/comments/{root['id']}/replies", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_origin_matching_ignores_default_port_and_case(client, site):
    response = post(client, headers={"Origin": "HTTPS://NEWS.EXAMPLE:443"})
    assert response.status_code == 201


def test_preflight_for_a_huge_comment_id_is_answered(client, site):
    response = client.options(
        "/api/v1/comments/99999999999999999999/replies",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    response = client.get(
        "/api/v1/comments/99999999999999999999/replies", headers={"Origin": ORIGIN}
    )
    assert response.status_code == 404


def test_counts_answer_the_site_origin_and_follow_origin_changes(client, runner, site):
    url = "/api/v1/counts?site=news&thread=a"
    new = "https://new.example"
    assert client.get(url, headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"]
    assert "Access-Control-Allow-Origin" not in client.get(url, headers={"Origin": new}).headers
    runner.invoke(args=["site", "update", "news", "--origin", new])
    assert client.get(url, headers={"Origin": new}).headers["Access-Control-Allow-Origin"] == new
    assert "Access-Control-Allow-Origin" not in client.get(url, headers={"Origin": ORIGIN}).headers
