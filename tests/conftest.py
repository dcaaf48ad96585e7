"""Fixtures: an app on a fresh database (SQLite by default, PostgreSQL and Redis on request).

Set ``COMMENTS_TEST_DATABASE_URL`` to run the suite on PostgreSQL and
``COMMENTS_TEST_REDIS_URL`` to keep rate limits in Redis.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from comments import create_app
from comments.config import _normalise_database_url
from tests import factories

DATABASE_URL = os.environ.get("COMMENTS_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("COMMENTS_TEST_REDIS_URL")
TABLES = (
    "comments",
    "authors",
    "threads",
    "sites",
    "moderators",
    "outbox",
    "mail_addresses",
    "subscriptions",
    "alert_preferences",
    "votes",
    "imported_comments",
    "import_jobs",
)


def pytest_report_header() -> list[str]:
    return [
        f"comments database: {DATABASE_URL or 'sqlite (a file per test)'}",
        f"comments rate-limit storage: {REDIS_URL or 'memory://'}",
    ]


def _migrate(url: str, instance: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "t",
            "INSTANCE_PATH": str(instance),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from comments.extensions import db

        upgrade()
        # Closing every connection checkpoints SQLite's WAL into the file we copy.
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a database URL (or SQLite template file) migrated to head once per run."""
    instance = tmp_path_factory.mktemp("instance")
    if DATABASE_URL:
        url = _normalise_database_url(DATABASE_URL)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(url, instance)
        return url
    template = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{template}", instance)
    return str(template)


def _fresh_database(migrated: str, tmp_path: Path) -> str:
    if DATABASE_URL:
        engine = create_engine(migrated)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return migrated
    target = tmp_path / "comments.db"
    shutil.copyfile(migrated, target)
    return f"sqlite:///{target}"


def make_config(database_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """Return a test configuration; rate limits off unless a test turns them on."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        # Cheap password hashing: the suite signs in hundreds of times.
        "PASSWORD_TIME_COST": 1,
        "PASSWORD_MEMORY_KIB": 1024,
    }
    config.update(overrides)
    return config


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    """Return the URL of an empty, migrated database for one test."""
    return _fresh_database(migrated_database, tmp_path)


@pytest.fixture
def app_factory(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Return a function that builds apps on this test's database."""
    made: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(make_config(database_url, tmp_path, **overrides))
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            from comments.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory: Any) -> Flask:
    """Return an app with rate limits off."""
    return app_factory()  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def site(app: Flask) -> Any:
    """Return the site ``news`` on https://news.example and http://localhost:8080."""
    return factories.make_site(app)


@pytest.fixture
def smtp() -> Iterator[Any]:
    """Return a real SMTP server (aiosmtpd) on loopback that keeps what it is sent."""
    from tests.mailbox import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()
