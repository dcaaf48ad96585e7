"""Take the README's screenshots: the widget, light and dark, and the moderation queue.

One command: ``python scripts/screenshots.py``. It builds the demo on a new
SQLite file (the demo site and its first comments, as ``comments serve`` does,
plus a livelier discussion posted through the API and spread over the last
day), serves it on a free local port, opens the demo article in Chromium and
writes ``docs/img/widget-light.png`` and ``docs/img/widget-dark.png``. Then it
holds a few comments for the usual reasons (a pre-moderated story, too many
links, a suspect word, readers' reports), signs in as an editor and writes
``docs/img/admin-queue.png``.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from comments import create_app  # noqa: E402

OUT = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH, HEIGHT = 800, 1240

# (author, body, index of the comment it answers or None, minutes ago)
DISCUSSION: list[tuple[str, str, int | None, int]] = [
    (
        "Priya Nair",
        "Will the cycle path be lit at night? The north bridge is pitch dark after eight.",
        None,
        290,
    ),
    (
        "Tomás Ruiz",
        "The plan says solar lamps along the whole path, page 14 of the design brief.",
        0,
        270,
    ),
    ("Priya Nair", "Thanks, that settles it for me. **Good news.**", 1, 250),
    (
        "Lena Berg",
        "Two years of meetings for a park. Meanwhile rents went up 12% this year alone.",
        None,
        180,
    ),
    (
        "Kofi Mensah",
        "Both can be true: we need homes *and* places to breathe. The "
        "wetland also protects the houses on Mill Lane from flooding.",
        3,
        150,
    ),
    (
        "Mei Lin",
        "Reporter here: the council will publish the flood model before the "
        "January sessions. We will link it when it is out.",
        None,
        45,
    ),
]


def build(tmp: Path) -> tuple[Any, Any, str]:
    """Create the demo app on a new database and serve it; return app, server, URL."""
    from flask_migrate import upgrade

    from comments.cli import ensure_demo

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'demo.db'}",
            "SECRET_KEY": "screenshots",
            "RATELIMIT_ENABLED": False,
            "DEMO": True,
            "INSTANCE_PATH": str(tmp),
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    with app.app_context():
        upgrade()
        ensure_demo([url])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, url


def discuss(app: Any, url: str) -> None:
    """Post the discussion through the API and spread it over the past hours."""
    from sqlalchemy import update

    from comments.extensions import db
    from comments.models import Author, Comment

    client = app.test_client()
    ids: list[int] = []
    ages: dict[int, int] = {}
    for name, body, parent, minutes in DISCUSSION:
        payload: dict[str, Any] = {
            "site": "demo",
            "thread": "demo-article",
            "url": url + "/",
            "body": body,
            "author": {"name": name},
        }
        if parent is not None:
            payload["parent_id"] = ids[parent]
        response = client.post("/api/v1/comments", json=payload, headers={"Origin": url})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["comment"]["id"])
        ages[ids[-1]] = minutes
    now = datetime.now(UTC).replace(tzinfo=None)
    with app.app_context():
        for comment_id in db.session.scalars(db.select(Comment.id)):
            minutes = ages.get(comment_id, 600 + 20 * comment_id)
            db.session.execute(
                update(Comment)
                .where(Comment.id == comment_id)
                .values(created_at=now - timedelta(minutes=minutes))
            )
        # The reporter's answer carries the badge an SSO login would give her.
        db.session.execute(update(Author).where(Author.name == "Mei Lin").values(badges=["Staff"]))
        db.session.commit()


def shoot(url: str) -> None:
    """Photograph the widget under the demo article, then the same in the dark theme."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 2400}, device_scale_factor=2)
        page.goto(url + "/")
        # A margin of the page's own colour around the widget, nothing of the article.
        page.add_style_tag(content="#comments { padding: 24px }")
        page.locator("#comments .tx").nth(8).wait_for()
        page.screenshot(path=str(OUT / "widget-light.png"), clip=_clip(page))

        page.add_style_tag(content="body { background: #0d1117 }")
        page.evaluate("Comments.init({theme: 'dark'})")
        page.locator("#comments .tx").nth(8).wait_for()
        page.screenshot(path=str(OUT / "widget-dark.png"), clip=_clip(page))
        browser.close()


EDITOR = ("editor@daily.example", "screenshots of the desk")

# (thread, author, body, address) of the comments the queue shows.
HELD: list[tuple[str, str, str, str]] = [
    (
        "demo-transit",
        "Ravi Shah",
        "Finally! The 42 at 3 a.m. used to be the only way home from the hospital shift.",
        "198.51.100.4",
    ),
    (
        "demo-article",
        "Deal Hunter",
        "Cheap tickets https://a.example https://b.example https://c.example https://d.example",
        "198.51.100.5",
    ),
    (
        "demo-library",
        "Jo Park",
        "Longer hours are great, but the reading room is a scam of a renovation.",
        "198.51.100.6",
    ),
]


def desk(app: Any, url: str) -> None:
    """Give the desk something to decide: held comments and one reported by readers."""
    from comments.pages import DEMO_ARTICLES

    runner = app.test_cli_runner()
    for args in (
        ["moderator", "add", EDITOR[0], "--role", "admin", "--site", "demo"],
        ["thread", "moderate", "demo", "demo-transit", "pre"],
    ):
        result = runner.invoke(args=[*args, *(["--password", EDITOR[1]] if "add" in args else [])])
        assert result.exit_code == 0, result.output
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as words:
        words.write("scam\n")
    result = runner.invoke(args=["site", "words", "demo", "--suspect", words.name])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    for thread, name, body, address in HELD:
        payload = {"site": "demo", "thread": thread, "url": f"{url}/articles/{thread}",
                   "title": str(DEMO_ARTICLES[thread]["title"]),
                   "body": body, "author": {"name": name}}  # fmt: skip
        answer = client.post(
            "/api/v1/comments", json=payload, environ_base={"REMOTE_ADDR": address}
        )
        assert answer.status_code == 202, answer.get_json()
    reported = client.post(
        "/api/v1/comments",
        json={"site": "demo", "thread": "demo-article",
              "body": "Typical council. Idiots, all of them.", "author": {"name": "Angry Reader"}},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )  # fmt: skip
    assert reported.status_code == 201, reported.get_json()
    comment_id = reported.get_json()["comment"]["id"]
    for n, reason in enumerate(("abuse", "abuse", "off_topic")):
        answer = client.post(
            f"/api/v1/comments/{comment_id}/flag",
            json={"reason": reason},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"},
        )
        assert answer.status_code == 202, answer.get_json()


def shoot_queue(url: str) -> None:
    """Sign in as the editor and photograph the Pending queue."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=2)
        page.goto(url + "/admin/login")
        page.get_by_label("Email").fill(EDITOR[0])
        page.get_by_label("Password").fill(EDITOR[1])
        page.get_by_role("button", name="Sign in").click()
        page.goto(url + "/admin/demo/queue")
        page.screenshot(path=str(OUT / "admin-queue.png"), full_page=False)
        browser.close()


def _clip(page: Any) -> Any:
    """Return the widget's box, cut at HEIGHT."""
    box = page.locator("#comments").bounding_box()
    assert box is not None
    return {**box, "height": min(box["height"], HEIGHT)}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app, server, url = build(Path(tmp))
        try:
            discuss(app, url)
            shoot(url)
            desk(app, url)
            shoot_queue(url)
        finally:
            server.shutdown()
    for name in ("widget-light.png", "widget-dark.png", "admin-queue.png"):
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
