"""Server-rendered pages: the demo article, the section page, health."""

from __future__ import annotations


def test_health_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_reports_unreachable_database(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_demo_article_has_the_widget_slot(client):
    page = client.get("/").get_data(as_text=True)
    assert '<div id="comments" data-site="demo" data-thread="demo-article"' in page
    assert "/static/embed.js" in page
    assert '<link rel="canonical"' in page


def test_unknown_article_is_404(client):
    assert client.get("/articles/nope").status_code == 404


def test_section_page_marks_counts(client):
    page = client.get("/section").get_data(as_text=True)
    assert 'data-comments-thread="demo-transit"' in page
    assert "/static/count.js" in page
