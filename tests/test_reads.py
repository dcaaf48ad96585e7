"""The cheap reads behind every page and section page stay exact on both databases."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import DATABASE_URL
from tests.factories import ORIGIN, post_ok, read

COUNTS = "/api/v1/counts?site=news&thread=story-1&thread=story-2"


def test_page_is_never_stale_after_another_worker_commits(app_factory, site):
    reader, writer = app_factory(), app_factory()  # two workers: nothing shared in memory
    readers, writers = reader.test_client(), writer.test_client()
    for n in range(1, 8):
        body = f"Comment number {n}, seen at once."
        post_ok(writers, body=body)
        page = read(readers)
        assert page["comments"][0]["html"] == f"<p>{body}</p>"
        assert readers.get(COUNTS).get_json()["counts"] == {"story-1": n, "story-2": 0}


def test_counts_of_a_site_with_no_such_threads_are_zeros_with_its_cors(client, site):
    response = client.get(COUNTS, headers={"Origin": ORIGIN})
    assert response.get_json()["counts"] == {"story-1": 0, "story-2": 0}
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_counts_of_an_unknown_site_is_404(client, site):
    response = client.get("/api/v1/counts?site=nope&thread=a", headers={"Origin": ORIGIN})
    assert response.status_code == 404
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.postgres
@pytest.mark.skipif(not DATABASE_URL, reason="needs COMMENTS_TEST_DATABASE_URL")
def test_reads_go_on_when_the_server_ends_every_connection(app, client, site):
    post_ok(client, body="Before the restart.")
    assert read(client)["comments"][0]["html"] == "<p>Before the restart.</p>"
    assert client.get(COUNTS).get_json()["counts"]["story-1"] == 1
    # What a database restart does to the connections the app holds.
    _end_every_connection_but_ours(app)
    assert client.get(COUNTS).get_json()["counts"]["story-1"] == 1
    post_ok(client, body="After the restart.")
    assert read(client)["comments"][0]["html"] == "<p>After the restart.</p>"


def _end_every_connection_but_ours(app) -> None:
    """Do what a database restart does to the app's connections, and wait until they are gone."""
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) {others}"))
        deadline = time.monotonic() + 10
        while conn.execute(text(f"SELECT count(*) {others}")).scalar() and (
            time.monotonic() < deadline
        ):
            time.sleep(0.02)
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not DATABASE_URL, reason="needs COMMENTS_TEST_DATABASE_URL")
def test_pooled_connections_are_pinged_only_when_idle_or_hung_up(app, client, site, monkeypatch):
    from comments import database
    from comments.extensions import db

    with app.app_context():
        dialect = db.engine.dialect
    pings: list[object] = []
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn))
    post_ok(client, body="A connection in use a moment ago.")
    read(client)
    assert client.get(COUNTS).status_code == 200
    assert pings == []  # no round trip of its own for a connection just checked in
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    post_ok(client, body="After a pause.")
    assert len(pings) == 1  # idle too long: asked first
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    _end_every_connection_but_ours(app)
    post_ok(client, body="After the server said goodbye.")  # its socket told: pinged, replaced
    assert len(pings) == 2
    assert read(client)["comments"][0]["html"] == "<p>After the server said goodbye.</p>"


@pytest.mark.postgres
@pytest.mark.skipif(not DATABASE_URL, reason="needs COMMENTS_TEST_DATABASE_URL")
def test_disposing_the_engine_closes_every_connection_of_the_app(app, client, site):
    from comments.extensions import db

    read(client)
    client.get(COUNTS)
    count = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with admin.connect() as conn:
        assert conn.execute(text(count)).scalar_one() == 0
    admin.dispose()
