"""Fixtures for the widget tests: the service and a host page on two origins, and Chromium.

The service (API and static files) and the host pages run on two local ports,
so the widget's requests are cross-origin and CORS is the real thing. One
Chromium serves the whole session; every test gets a fresh context (empty
localStorage) and fails if the page logged an error it did not expect.

The tests need Debian's Chromium and axe-core. When the accessibility tests
are selected, ``npm ci`` installs axe-core first if ``node_modules`` is missing
or does not match ``package-lock.json`` (see ``tests/node.py``). Tests whose tool is missing are not
run, and one line at the end of the run says so and how to get it; with
``COMMENTS_TEST_REQUIRE_BROWSER=1`` (as in CI) they run and fail instead.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tests import node

CHROMIUM = Path("/usr/bin/chromium")
PACKAGES = Path(__file__).parent
AXE = node.MODULES / "axe-core" / "axe.min.js"
REQUIRE_TOOLS = node.REQUIRE_TOOLS
SITE = "news"
PREMOD_SITE = "premod"


# What each missing tool is and how to get it, for one line at the end of the run.
_missing: dict[str, str] = {}


@pytest.hookimpl(trylast=True)  # after -m and -k have chosen the tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Set aside the browser tests whose tools are missing, unless the tools are required."""
    ours = [item for item in items if PACKAGES in item.path.parents]
    if not ours or REQUIRE_TOOLS or config.option.collectonly:
        return
    if not CHROMIUM.exists():
        _set_aside(config, items, ours, "Chromium", "`apt-get install chromium`")
        return
    axe_tests = [item for item in ours if _calls_axe(item)]
    problem = node.ensure_installed() if axe_tests else None
    if problem is not None:
        _set_aside(config, items, axe_tests, "axe-core", f"{problem}; `{node.NPM_CI}`")


def _calls_axe(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    return function is not None and "run_axe" in function.__code__.co_names


def _set_aside(
    config: pytest.Config, items: list[pytest.Item], lacking: list[pytest.Item], what: str, how: str
) -> None:
    _missing[what] = f"{len(lacking)} need {what} ({how})"
    config.hook.pytest_deselected(items=lacking)
    items[:] = [item for item in items if item not in lacking]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _missing:
        line = "; ".join(_missing.values())
        terminalreporter.write_line(f"Browser tests not run: {line}", yellow=True, bold=True)


def axe_script() -> Path:
    """Return axe-core's script, installing it with ``npm ci`` when node_modules is stale."""
    problem = node.ensure_installed()
    if problem is not None or not AXE.exists():
        pytest.fail(f"axe-core is missing ({problem}; run `{node.NPM_CI}`)")
    return AXE


def _serve(app: Any) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@dataclass
class Service:
    """The comments service running on a local port, with helpers to seed it."""

    app: Flask
    url: str
    server: BaseWSGIServer
    origin: str

    def cli(self, *args: str) -> str:
        """Run a ``comments`` command against this service's database."""
        result = self.app.test_cli_runner().invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output

    def post(
        self,
        thread: str,
        body: str = "",
        name: str = "Reader",
        site: str = SITE,
        **extra: Any,
    ) -> dict[str, Any]:
        """Post a comment through the API, as the widget would, and return it."""
        payload = {
            "site": site,
            "thread": thread,
            "url": f"{self.origin}/{thread}",
            "body": body or f"A comment ({uuid.uuid4().hex[:6]}).",
            "author": {"name": name},
            **extra,
        }
        response = self.app.test_client().post(
            "/api/v1/comments", json=payload, headers={"Origin": self.origin}
        )
        assert response.status_code in (201, 202), response.get_json()
        return response.get_json()["comment"]

    def set_scores(self, scores: dict[int, int]) -> None:
        """Give comments these many up votes, as that many readers' votes would."""
        from comments import votes
        from comments.extensions import db
        from comments.models import Comment

        with self.app.app_context():
            for comment_id, score in scores.items():
                comment = db.session.get(Comment, comment_id)
                assert comment is not None, comment_id
                comment.score = comment.votes_up = score
                comment.confidence = votes.confidence(score, 0)
                comment.thread.tally_version += 1
            db.session.commit()

    def close(self) -> None:
        self.server.shutdown()
        with self.app.app_context():
            from comments.extensions import db

            db.session.remove()
            db.engine.dispose()


def start_service(tmp: Path, origin: str, **config: Any) -> Service:
    """Create the app on a new migrated SQLite file, register the sites, and serve it."""
    from flask_migrate import upgrade

    from comments import create_app

    settings: dict[str, Any] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'comments.db'}",
        "SECRET_KEY": "browser-tests",
        "INSTANCE_PATH": str(tmp / "instance"),
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"browser-{uuid.uuid4().hex}",
        # Tallies on pages at once: the tests reload right after voting.
        "VOTE_TALLY_TTL": 0,
        # Uploaded imports run at once, without a worker beside the server.
        "IMPORT_IN_PROCESS": True,
    }
    settings.update(config)
    app = create_app(settings)
    with app.app_context():
        upgrade()
    server, url = _serve(app)
    service = Service(app=app, url=url, server=server, origin=origin)
    service.cli("site", "add", SITE, "--name", "News", "--origin", origin)
    service.cli(
        "site", "add", PREMOD_SITE, "--name", "Premod", "--origin", origin, "--moderation", "pre"
    )
    return service


class HostPages:
    """A second origin that serves the article pages the widget is embedded in."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.server, self.origin = _serve(self)
        self.service_url = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._respond(Request(environ))(environ, start_response)

    def _respond(self, request: Request) -> Response:
        if request.path == "/favicon.ico":
            return Response(status=204)
        html = self.pages.get(request.path)
        if html is None:
            return Response("not found", status=404)
        return Response(html, content_type="text/html; charset=utf-8")

    def add(self, body: str, head: str = "", title: str = "A story", lang: str = "en") -> str:
        """Serve a page with ``body`` and return its URL."""
        path = f"/story/{uuid.uuid4().hex[:12]}"
        self.pages[path] = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<link rel="icon" href="data:,"><title>{escape(title)}</title>{head}</head>'
            f"<body><h1>{escape(title)}</h1><p>The article text.</p>{body}</body></html>"
        )
        return self.origin + path

    def embed_tags(
        self,
        thread: str,
        *,
        site: str = SITE,
        script: str = "async",
        service_url: str | None = None,
        **data: str,
    ) -> tuple[str, str]:
        """Return the container and script tags of the two-line embed (of another service)."""
        attrs = "".join(f' data-{k.replace("_", "-")}="{escape(v)}"' for k, v in data.items())
        container = f'<div id="comments" data-site="{site}" data-thread="{thread}"{attrs}></div>'
        base = service_url or self.service_url
        tag = f'<script src="{base}/static/embed.js" {script}></script>'
        return container, tag

    def article(
        self, thread: str, site: str = SITE, *, service_url: str | None = None, **data: str
    ) -> str:
        """Serve a standard article page embedding the thread; return its URL."""
        tags = self.embed_tags(thread, site=site, service_url=service_url, **data)
        return self.add("".join(tags))


@dataclass
class ConsoleWatch:
    """Errors a page logged; a test names the ones it provokes on purpose."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing at /usr/bin/chromium (`apt-get install chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def host() -> Iterator[HostPages]:
    pages = HostPages()
    yield pages
    pages.server.shutdown()


@pytest.fixture(scope="session")
def service(host: HostPages, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The comments service for the session, rate limits off; each test uses its own threads."""
    running = start_service(tmp_path_factory.mktemp("service"), host.origin)
    host.service_url = running.url
    yield running
    running.close()


@pytest.fixture
def thread_key() -> str:
    """A thread nobody has used yet."""
    return f"story-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def context(browser: Any, service: Service) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 900, "height": 900}, locale="en-US")
    ctx.set_default_timeout(5000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, console: ConsoleWatch) -> Iterator[Any]:
    """A page in a fresh context; the test fails if it logs an error it did not allow."""
    tab = watch(context.new_page(), console)
    yield tab
    assert console.unexpected() == [], "the page logged errors"


def watch(tab: Any, console: ConsoleWatch) -> Any:
    """Record a page's console errors and uncaught exceptions into ``console``."""
    tab.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: console.errors.append(f"uncaught: {e}"))
    return tab


@pytest.fixture
def widget(page: Any) -> Any:
    """The widget's shadow root content (Playwright's CSS selectors pierce open shadow roots)."""
    return page.locator("#comments")


def run_axe(tab: Any, selector: str = "#comments") -> list[dict[str, Any]]:
    """Run axe-core on ``selector`` and return the serious and critical violations."""
    tab.add_script_tag(path=str(axe_script()))
    result = tab.evaluate(
        "async (sel) => await axe.run(document.querySelector(sel), {resultTypes: ['violations']})",
        selector,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def rewrite_answers(tab: Any, method: str, change: Any) -> None:
    """Pass the JSON the service answers to ``method`` requests on comments through ``change``.

    For what the service would say with other settings or another version
    (a shorter ``editable_until``, an unknown reason code) on the shared service.
    """
    api = re.compile(r"/api/v1/comments(/\d+)?$")

    def handle(route: Any) -> None:
        if route.request.method != method:
            route.fallback()
            return
        response = route.fetch()
        data = response.json()
        change(data)
        route.fulfill(response=response, json=data)

    tab.route(api, handle)
