"""Server-rendered pages: the service's front page, health, and the demo newspaper.

The demo (an article with the widget under it, a section page with counts) is
for the embedded default: it answers only when ``DEMO`` is on, which
``comments serve`` does. A production server answers ``/`` with a short page
naming the service, and the demo's addresses with 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template
from sqlalchemy import text

from comments import headers
from comments.extensions import db

bp = Blueprint("pages", __name__)

DEMO_SITE = "demo"

# A short news section for trying the widget and the counts script.
DEMO_ARTICLES: dict[str, dict[str, object]] = {
    "demo-article": {
        "title": "City council approves new riverside park after two years of debate",
        "section": "Local",
        "byline": "By Mei Lin, City Desk",
        "date": "29 November 2026",
        "paragraphs": [
            "The city council voted 7-2 on Tuesday night to turn the disused freight yard "
            "along the east bank into a public park, ending a debate that has filled "
            "community meetings since 2024.",
            "The plan keeps two of the old loading cranes as landmarks, adds a cycle path "
            "linking the north and south bridges, and sets aside a quarter of the site for "
            "wetland that engineers say will soak up spring flood water.",
            "Opponents on the council argued that the land should have been sold for "
            "housing. \u201cWe are short of homes, not of lawns,\u201d said councillor Ada Brooks, "
            "who voted against.",
            "Construction is due to begin next spring and to take about eighteen months. "
            "The council will hold two public sessions on the design in January.",
        ],
    },
    "demo-transit": {
        "title": "Night buses return to five routes from next month",
        "section": "Transport",
        "byline": "By Tomás Ruiz",
        "date": "28 November 2026",
        "paragraphs": [
            "Five night bus routes cut during the pandemic will run again from 1 December, "
            "the transit authority said on Monday.",
            "Buses will leave the central station every 30 minutes between midnight and 5 a.m.",
        ],
    },
    "demo-library": {
        "title": "Central library extends weekend opening hours",
        "section": "Culture",
        "byline": "By Priya Nair",
        "date": "27 November 2026",
        "paragraphs": [
            "The central library will open until 8 p.m. on Saturdays and Sundays from "
            "January, after a trial this autumn drew twice the expected visitors.",
        ],
    },
}


def _demo_only() -> None:
    if not current_app.config["DEMO"]:
        abort(404)


@bp.get("/")
def index() -> str:
    """Show the demo article, or a page naming the service when the demo is off."""
    if not current_app.config["DEMO"]:
        return render_template("index.html")
    return article("demo-article")


@bp.get("/articles/<key>")
def article(key: str) -> str:
    """Show one demo article."""
    _demo_only()
    if key not in DEMO_ARTICLES:
        abort(404)
    headers.allow_widget()
    return render_template("demo/article.html", key=key, site=DEMO_SITE, article=DEMO_ARTICLES[key])


@bp.get("/section")
def section() -> str:
    """Show a section front listing the demo articles with their comment counts."""
    _demo_only()
    headers.allow_widget()
    return render_template("demo/section.html", site=DEMO_SITE, articles=DEMO_ARTICLES)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Report whether the service can reach its database."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means unhealthy
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"}), 200
