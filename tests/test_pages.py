"""Server-rendered pages: the service's front page, health, and the demo newspaper."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

DEMO_PATHS = ["/articles/demo-article", "/articles/demo-transit", "/section"]


@pytest.fixture
def demo(app_factory) -> FlaskClient:
    """Return a client of an app with the demo on, as ``comments serve`` runs it."""
    return app_factory(DEMO=True).test_client()


def test_health_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_reports_unreachable_database(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_demo_is_off_by_default(app):
    assert app.config["DEMO"] is False


def test_front_page_names_the_service_and_links_health_and_the_api(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<title>comments</title>" in page
    assert 'href="/healthz"' in page
    assert 'href="/api/v1/openapi.json"' in page
    assert "The Daily Demo" not in page
    assert "embed.js" not in page and "data-site" not in page


@pytest.mark.parametrize("path", DEMO_PATHS)
def test_demo_pages_are_404_without_the_demo(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/openapi.json"])
def test_front_page_links_answer(client, path):
    assert client.get(path).status_code == 200


def test_demo_article_has_the_widget_slot(demo):
    page = demo.get("/").get_data(as_text=True)
    assert '<div id="comments" data-site="demo" data-thread="demo-article"' in page
    assert "/static/embed.js" in page
    assert '<link rel="canonical"' in page


@pytest.mark.parametrize("path", DEMO_PATHS)
def test_demo_pages_answer_with_the_demo(demo, path):
    response = demo.get(path)
    assert response.status_code == 200
    assert "The Daily Demo" in response.get_data(as_text=True)


def test_unknown_article_is_404(demo):
    assert demo.get("/articles/nope").status_code == 404


def test_section_page_marks_counts(demo):
    page = demo.get("/section").get_data(as_text=True)
    assert 'data-comments-thread="demo-transit"' in page
    assert "/static/count.js" in page


def test_comments_serve_turns_the_demo_on(app, runner, monkeypatch):
    served = {}

    def run_simple(host, port, application, **options):
        served.update(host=host, port=port, app=application)

    monkeypatch.setattr("comments.cli.run_simple", run_simple)
    result = runner.invoke(args=["serve", "--port", "8765"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 8765 and served["app"] is app
    assert app.config["DEMO"] is True
    page = app.test_client().get("/").get_data(as_text=True)
    assert '<div id="comments" data-site="demo" data-thread="demo-article"' in page
