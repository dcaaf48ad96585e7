"""Configuration: defaults, the instance file, COMMENTS_* variables, the generated secret."""

from __future__ import annotations

from pathlib import Path

from comments import create_app
from comments.config import _normalise_database_url


def test_defaults_use_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMENTS_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.delenv("COMMENTS_DATABASE_URL", raising=False)
    monkeypatch.delenv("COMMENTS_SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'comments.db'}"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["TRUSTED_PROXIES"] == 0


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMENTS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("COMMENTS_SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    key_file = Path(tmp_path) / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0


def test_environment_overrides_parse_as_json(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMENTS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMMENTS_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("COMMENTS_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("COMMENTS_SECRET_KEY", "from-env")
    monkeypatch.setenv("COMMENTS_DATABASE_URL", "postgresql://u@db:5432/comments")
    monkeypatch.setenv("COMMENTS_RATELIMIT_STORAGE_URI", "redis://cache:6379/0")
    app = create_app()
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["TRUSTED_PROXIES"] == 2
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/comments"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


def test_instance_file_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMENTS_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text("SPAM_MAX_LINKS = 7\nPAGE_SIZE = 10\n")
    app = create_app()
    assert app.config["SPAM_MAX_LINKS"] == 7


def test_postgres_urls_use_psycopg_3():
    assert _normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert _normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
