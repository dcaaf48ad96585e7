"""Configuration: defaults, the instance file, COMMENTS_* variables, the generated secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from comments import create_app
from comments.config import ConfigurationError, _normalise_database_url


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


def test_demo_is_off_unless_turned_on(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMENTS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("COMMENTS_DEMO", raising=False)
    assert create_app().config["DEMO"] is False
    monkeypatch.setenv("COMMENTS_DEMO", "true")
    assert create_app().config["DEMO"] is True


SERVER_URLS = [
    "postgresql://u@db:5432/comments",
    "postgres://u@db/comments",
    "postgresql+psycopg://u@db/comments",
    "mysql://u@db/comments",
]


@pytest.mark.parametrize("url", SERVER_URLS)
def test_a_database_server_without_a_secret_key_is_refused(monkeypatch, tmp_path, url):
    monkeypatch.setenv("COMMENTS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMMENTS_DATABASE_URL", url)
    monkeypatch.delenv("COMMENTS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="COMMENTS_SECRET_KEY is not set") as caught:
        create_app()
    assert "same long random string on every host" in str(caught.value)
    assert not (tmp_path / "secret_key").exists()


def test_a_database_server_is_refused_from_a_test_config_too(tmp_path):
    config = {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db/comments",
        "INSTANCE_PATH": str(tmp_path),
    }
    with pytest.raises(ConfigurationError):
        create_app(config)
    assert create_app({**config, "SECRET_KEY": "shared"}).config["SECRET_KEY"] == "shared"


def test_refusal_points_at_the_key_this_host_generated_before(monkeypatch, tmp_path):
    (tmp_path / "secret_key").write_text("old-key")
    monkeypatch.setenv("COMMENTS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMMENTS_DATABASE_URL", "postgresql://u@db/comments")
    monkeypatch.delenv("COMMENTS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match=str(tmp_path / "secret_key")):
        create_app()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_sqlite_in_memory_may_generate_its_secret(tmp_path, url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path)})
    assert len(app.config["SECRET_KEY"]) >= 40


@pytest.mark.parametrize("args", [["db", "upgrade"], ["serve"]])
def test_the_command_line_says_so_in_one_line(tmp_path, args):
    env = {
        **os.environ,
        "COMMENTS_INSTANCE_PATH": str(tmp_path),
        # Refused before any connection is tried: no server needs to listen here.
        "COMMENTS_DATABASE_URL": "postgresql://u@127.0.0.1:9/comments",
    }
    env.pop("COMMENTS_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "comments.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: COMMENTS_SECRET_KEY is not set. With a postgresql database several hosts may"
        " serve, and each would generate its own key and refuse the others' edit tokens."
        " Set COMMENTS_SECRET_KEY to the same long random string on every host."
    ]
