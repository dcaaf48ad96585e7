"""Time the widget from its script's execution to the first page of comments painted.

One command: ``python bench/widget_paint.py [--loads 20]``. It seeds a SQLite
database with ``seed.py`` (its 1,000-comment thread), serves the app on a free
local port, serves the demo article page from a second port (another origin,
as on a publisher's site) with the widget pointed at that thread, and loads it
in Chromium ``--loads`` times. embed.js marks ``comments:start`` when it runs
and ``comments:painted`` in the first animation frame after the first page is
in the DOM; the figure is the time between the two marks.

Two series: *warm* reloads the page in one browser context (embed.js and the
language file come from the HTTP cache, as for a reader's second article) and
*cold* opens each load in a new context (empty cache). It prints both medians
and exits 1 when the cold median is over its budget (150 ms).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import seed as seeding  # noqa: E402

from comments import create_app  # noqa: E402

BUDGET_MS = 150.0
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
THREAD = seeding.MEASURED["medium"][0]
PAINT = """() => {
  const [start] = performance.getEntriesByName("comments:start");
  const [painted] = performance.getEntriesByName("comments:painted");
  return painted ? painted.startTime - start.startTime : null;
}"""


def serve(app: Any) -> tuple[Any, str]:
    """Serve a WSGI app on a free local port in a thread; return the server and its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def host_page(service_url: str, site: str) -> str:
    """Return the demo article's HTML, embedding the 1,000-comment thread from the service."""
    demo = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "DEMO": True}
    )
    html = demo.test_client().get("/").get_data(as_text=True)
    demo_slot = 'data-site="demo" data-thread="demo-article"'
    html = html.replace(demo_slot, f'data-site="{site}" data-thread="{THREAD}"')
    return html.replace('src="/static/', f'src="{service_url}/static/')


def measure(browser: Any, url: str, loads: int, *, cold: bool) -> list[float]:
    """Load ``url`` ``loads`` times (after one warm-up) and return the paint times in ms."""
    times: list[float] = []
    context = browser.new_context()
    page = context.new_page()
    for n in range(loads + 1):
        if cold and n:
            context.close()
            context = browser.new_context()
            page = context.new_page()
        page.goto(url)
        page.wait_for_function(PAINT, timeout=10_000)
        if n:  # the first load warms the server and the browser
            times.append(page.evaluate(PAINT))
    context.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20)
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        info = seeding.seed(Path(tmp) / "bench.db")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SECRET_KEY": "bench-secret",
                "RATELIMIT_ENABLED": False,
                "INSTANCE_PATH": tmp,
            }
        )
        api_server, api_url = serve(app)
        page_html = host_page(api_url, info["site"])

        @Request.application
        def pages(request: Request) -> Response:
            if request.path != "/":
                return Response(status=204)
            return Response(page_html, content_type="text/html; charset=utf-8")

        page_server, page_url = serve(pages)
        result = app.test_cli_runner().invoke(
            args=["site", "update", info["site"], "--origin", page_url]
        )
        assert result.exit_code == 0, result.output
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                started = time.monotonic()
                warm = measure(browser, page_url, options.loads, cold=False)
                cold = measure(browser, page_url, options.loads, cold=True)
                browser.close()
        finally:
            api_server.shutdown()
            page_server.shutdown()

    size = info["sizes"][THREAD]
    print(f"widget paint, thread {THREAD} ({size} comments), {options.loads} loads")
    for name, series in (("warm", warm), ("cold", cold)):
        print(
            f"  {name}: median {statistics.median(series):6.1f} ms   "
            f"min {min(series):6.1f}   max {max(series):6.1f}"
        )
    print(f"  budget {BUDGET_MS:.0f} ms (cold median); took {time.monotonic() - started:.1f} s")
    return 0 if statistics.median(cold) <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
