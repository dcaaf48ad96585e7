"""A site's dashboard: queue sizes, the comments-per-day chart, busy threads, reported authors."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import insert, select

from comments import stats
from comments.admin.dashboard import chart
from comments.database import unit_of_work
from comments.extensions import db
from comments.models import Author, Comment, Role, Site, Status, Thread, utcnow
from tests import factories
from tests.admin_helpers import make_moderator, sign_in


@pytest.fixture
def desk(app, site):
    factories.make_site(app, "other")
    make_moderator(app)
    make_moderator(app, "mod@other.example", sites=("other",))


def _seed(app, client) -> dict[str, int]:
    """Fill ``news`` with a few hundred comments over 40 days; return what the page should say."""
    for key, title in (("busy", "The busy story"), ("calm", "The calm story")):
        factories.post_ok(client, thread=key, title=title, url=f"{factories.ORIGIN}/{key}")
    factories.post_ok(client, site="other", thread="elsewhere", url=f"{factories.ORIGIN}/x")
    with app.app_context(), unit_of_work():
        news = db.session.scalar(select(Site).where(Site.slug == "news"))
        threads = {t.key: t for t in db.session.scalars(select(Thread))}
        authors = {
            name: Author(site_id=news.id, kind="guest", identity=f"id-{name}", name=name)
            for name in ("Troll", "Grump", "Nice")
        }
        db.session.add_all(authors.values())
        db.session.flush()
        today = datetime.combine(utcnow().date(), time(12))
        rows = []
        for n in range(300):
            thread = threads["busy"] if n % 3 else threads["calm"]
            author = authors["Nice"]
            status, reasons, flags = Status.APPROVED, [], 0
            if n % 10 == 0:
                author, status, flags = authors["Troll"], Status.PENDING, 3
                reasons = [{"code": "reported", "params": {"count": 3}}]
            elif n % 10 == 1:
                author, status, flags = authors["Grump"], Status.PENDING, 1
                reasons = [{"code": "premoderated", "params": {}}]
            elif n % 10 == 2:
                status = Status.SPAM
            rows.append(
                {
                    "thread_id": thread.id,
                    "author_id": author.id,
                    "author_name": author.name,
                    "body": f"c{n}",
                    "html": f"<p>c{n}</p>",
                    "status": status,
                    "hold_reasons": reasons,
                    "flag_count": flags,
                    # 10 comments a day for 30 days, back to 40 days ago for the old ones.
                    "created_at": today - timedelta(days=n // 10 + (10 if n >= 290 else 0)),
                }
            )
        db.session.execute(insert(Comment), rows)
    return {"pending": 60, "reported": 30, "spam": 30}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_dashboard_shows_queue_sizes_and_totals(app, client, desk):
    _seed(app, client)
    sign_in(client)
    page = _text(client.get("/admin/news/"))
    tiles = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page))
    # The pending count includes the 30 reported ones (held with the "reported" code).
    assert tiles == {
        "Pending": "60",
        "Reported": "30",
        "Spam": "30",
        "Comments in all": "302",
        "Threads": "2",
    }


def test_the_chart_is_an_inline_svg_without_styles_and_with_a_table(app, client, desk):
    _seed(app, client)
    sign_in(client)
    response = client.get("/admin/news/")
    page = _text(response)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">Comments received per day over the last 30 days' in svg
    assert "style" not in svg.lower()
    assert svg.count('<rect class="bar"') == 30
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', svg)]
    # Ten comments a day, none 29 days ago (those are older), twelve today (two posted).
    assert heights[0] == 0 and len(set(heights[1:29])) == 1 and heights[29] > heights[1] > 0
    table = page[page.index("The numbers, day by day") :]
    cells = re.findall(r'<td class="num">(\d+)</td>', table.split("</table>")[0])
    assert cells == ["0"] + ["10"] * 28 + ["12"]
    assert "style=" not in page and "<style" not in page
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_the_most_active_threads_and_most_reported_commenters(app, client, desk):
    _seed(app, client)
    sign_in(client)
    page = _text(client.get("/admin/news/"))
    threads = page[page.index("Most active threads") : page.index("Most reported")]
    assert threads.index("The busy story") < threads.index("The calm story")
    assert 'href="https://news.example/busy"' in threads
    reported = page[page.index("Most reported") :]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th><td>guest</td><td class="num">(\d+)</td>', reported
    )
    # Troll: 29 comments of the last 30 days at 3 reports; Grump 29 at 1; Nice none.
    assert rows == [("Troll", "87"), ("Grump", "29")]


def test_an_empty_site_has_a_dashboard_too(client, desk):
    sign_in(client)
    page = _text(client.get("/admin/news/"))
    assert "No comments in the last 30 days." in page
    assert "No reader has reported a comment" in page
    assert page.count('<rect class="bar"') == 30


def test_the_sites_list_links_each_site_to_its_dashboard(client, desk):
    sign_in(client)
    page = _text(client.get("/admin/"))
    assert 'href="/admin/news/"' in page and 'href="/admin/other/"' not in page


def test_another_sites_moderator_gets_404(app, client, desk):
    sign_in(client, "mod@other.example")
    assert client.get("/admin/news/").status_code == 404
    assert client.get("/admin/news").status_code in (308, 404)
    assert client.get("/admin/other/").status_code == 200


def test_the_dashboard_is_first_in_the_site_menu(app, client, desk):
    make_moderator(app, "admin@news.example", Role.ADMIN)
    sign_in(client, "admin@news.example")
    page = _text(client.get("/admin/news/"))
    menu = page[page.index('aria-label="Main"') : page.index("</nav>")]
    labels = re.findall(r'<a href="/admin/news/[^"]*"[^>]*>([^<]+)</a>', menu)
    assert labels[0] == "Dashboard" and "Audit log" in labels and "Staff" in labels
    assert 'href="/admin/news/" aria-current="page"' in menu


def test_the_per_day_counts_fill_empty_days_and_keep_the_site(app, client, desk):
    factories.post_ok(client)
    factories.post_ok(client, site="other", thread="o", url=f"{factories.ORIGIN}/o")
    with app.app_context():
        news = db.session.scalar(select(Site).where(Site.slug == "news"))
        days = stats.period(30)
        counts = stats.per_day(news.id, days)
    assert len(counts) == 30 and counts[-1] == (days[-1], 1)
    assert sum(n for _, n in counts) == 1


def test_the_chart_scales_to_a_round_top():
    today = utcnow().date()
    drawn = chart([(today - timedelta(days=1), 0), (today, 7)])
    assert [value for value, _ in drawn["ticks"]] == [0, 5, 10]
    first, second = drawn["bars"]
    assert first.height == 0 and second.height > 0
    assert drawn["busiest"] is second and drawn["total"] == 7


def test_the_dashboard_costs_a_few_queries_whatever_the_rows(app, client, desk):
    from sqlalchemy import event

    def count_queries() -> int:
        seen: list[str] = []

        def note(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            assert client.get("/admin/news/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return len(seen)

    sign_in(client)
    empty = count_queries()
    _seed(app, client)
    assert count_queries() == empty and 0 < empty <= 12
