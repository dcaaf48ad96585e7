"""The ``comments`` command: sites, threads, rerender, and the quick-start server."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest
from sqlalchemy import func, select

from comments.extensions import db
from comments.models import Comment, Site
from tests.factories import post_ok
from tests.live import free_port, wait_until_healthy


def test_site_add_list_update(runner, app):
    result = runner.invoke(
        args=[
            "site",
            "add",
            "paper",
            "--name",
            "The Paper",
            "--origin",
            "https://paper.example/",
            "--origin",
            "https://www.paper.example:443",
            "--moderation",
            "pre",
        ]
    )
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["site", "list"]).output
    assert "paper\tpre\tThe Paper\thttps://paper.example https://www.paper.example" in listing
    result = runner.invoke(
        args=[
            "site",
            "update",
            "paper",
            "--moderation",
            "post",
            "--origin",
            "http://localhost:3000",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.slug == "paper"))
        assert site.moderation == "post" and site.origins == ["http://localhost:3000"]


@pytest.mark.parametrize(
    "args",
    [
        ["site", "add", "Bad Slug!", "--name", "x", "--origin", "https://a.example"],
        ["site", "add", "ok", "--name", "x", "--origin", "ftp://a.example"],
        ["site", "add", "ok", "--name", "x", "--origin", "not a url"],
        ["site", "update", "missing", "--name", "x"],
        ["thread", "close", "missing", "key"],
    ],
)
def test_bad_cli_input_fails_cleanly(runner, app, args):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "Error" in result.output
    assert "Traceback" not in result.output


def test_duplicate_site_is_refused(runner, app):
    args = ["site", "add", "dup", "--name", "x", "--origin", "https://a.example"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "exists" in result.output


def test_rerender_rebuilds_stored_html(runner, app, client, site):
    comment = post_ok(client, body="*emphasis*")
    with app.app_context():
        stored = db.session.get(Comment, comment["id"])
        stored.html = "<p>stale</p>"
        stored.markup_version = 0
        db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    with app.app_context():
        assert db.session.get(Comment, comment["id"]).html == "<p><em>emphasis</em></p>"


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return response.status, response.read().decode()


@pytest.mark.slow
def test_serve_starts_the_demo_on_an_empty_instance(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "COMMENTS_INSTANCE_PATH": str(tmp_path / "instance"),
        "COMMENTS_RATELIMIT_ENABLED": "false",
    }
    env.pop("COMMENTS_DATABASE_URL", None)
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        [sys.executable, "-m", "comments.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert '"ok"' in wait_until_healthy(base, process, timeout=30)
        status, page = _get(f"{base}/")
        assert status == 200
        assert 'data-site="demo"' in page and "embed.js" in page
        status, data = _get(f"{base}/api/v1/comments?site=demo&thread=demo-article")
        assert status == 200 and '"comment_count":' in data
        status, section = _get(f"{base}/section")
        assert "count.js" in section and "data-comments-thread" in section
        assert (tmp_path / "instance" / "comments.db").exists()
        assert (tmp_path / "instance" / "secret_key").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_rerender_shows_in_cached_pages(runner, app, client, site):
    comment = post_ok(client, body="*emphasis*")
    url = "/api/v1/comments?site=news&thread=story-1"
    assert client.get(url).get_json()["comments"][0]["html"] == "<p><em>emphasis</em></p>"
    with app.app_context():
        db.session.get(Comment, comment["id"]).html = "<p>stale</p>"
        db.session.commit()
    runner.invoke(args=["rerender"])
    assert client.get(url).get_json()["comments"][0]["html"] == "<p><em>emphasis</em></p>"


def test_demo_site_takes_extra_origins_and_seeds_once(app):
    from comments.cli import ensure_demo

    with app.app_context():
        ensure_demo(["http://127.0.0.1:8000", "http://myhost:8000"])
        ensure_demo(["http://127.0.0.1:8000", "http://other:8000"])
        site = db.session.scalar(select(Site).where(Site.slug == "demo"))
        assert site.origins == [
            "http://127.0.0.1:8000", "http://myhost:8000", "http://other:8000",
        ]  # fmt: skip
        assert db.session.scalar(select(func.count(Comment.id))) == 3


def test_recount_rebuilds_counts_and_versions_and_is_idempotent(runner, app, client, site):
    from sqlalchemy import update

    from comments.models import Thread

    root = post_ok(client, body="root")
    post_ok(client, body="reply", parent_id=root["id"])
    url = "/api/v1/comments?site=news&thread=story-1"
    assert client.get(url).get_json()["thread"]["comment_count"] == 2
    with app.app_context():
        # A fix made by hand, bypassing the service: counters are now wrong.
        db.session.execute(update(Thread).values(comment_count=7, last_comment_at=None))
        db.session.execute(update(Comment).values(reply_count=5, descendant_count=9))
        db.session.commit()
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    assert "recounted 1 threads, 1 corrected" in result.output
    page = client.get(url).get_json()
    assert page["thread"]["comment_count"] == 2
    assert page["comments"][0]["reply_count"] == 1
    assert page["comments"][0]["replies_total"] == 1
    assert page["comments"][0]["replies"][0]["reply_count"] == 0
    with app.app_context():
        assert db.session.scalar(select(Thread.last_comment_at)) is not None
    again = runner.invoke(args=["recount", "--site", "news"])
    assert again.exit_code == 0 and "1 threads, 0 corrected" in again.output


def test_recount_of_an_unknown_site_fails_clearly(runner, site):
    result = runner.invoke(args=["recount", "--site", "nope"])
    assert result.exit_code != 0
    assert "no site called 'nope'" in result.output
