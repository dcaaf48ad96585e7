"""Server-rendered pages of the embedded default: the demo article, a section page, health."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template
from sqlalchemy import text

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


@bp.get("/")
def demo_article() -> str:
    """Show the demo article with the comment widget under it."""
    return article("demo-article")


@bp.get("/articles/<key>")
def article(key: str) -> str:
    """Show one demo article."""
    if key not in DEMO_ARTICLES:
        abort(404)
    return render_template("demo/article.html", key=key, site=DEMO_SITE, article=DEMO_ARTICLES[key])


@bp.get("/section")
def section() -> str:
    """Show a section front listing the demo articles with their comment counts."""
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
