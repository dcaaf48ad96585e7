"""Migrations: one head, and ``upgrade head`` builds exactly the models' schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from comments import create_app
from comments.extensions import db
from comments.paths import MIGRATIONS_DIR


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    """Return an app on a new, empty SQLite database."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}",
            "SECRET_KEY": "t",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _heads(app: Flask) -> tuple[str, ...]:
    config = app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR))
    return tuple(ScriptDirectory.from_config(config).get_heads())


def _schema_differences(app: Flask) -> list[Any]:
    """Return what autogenerate would write to bring the database to the models."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, db.metadata))


def _state(app: Flask) -> tuple[set[str], tuple[str, ...]]:
    """Return the database's tables and the revisions it is stamped with."""
    with app.app_context(), db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        current = MigrationContext.configure(connection).get_current_heads()
    return tables, tuple(current)


def test_there_is_a_single_head(app):
    with app.app_context():
        heads = _heads(app)
    assert len(heads) == 1, heads


def test_upgrade_head_on_an_empty_database_matches_the_models(empty_app):
    assert _state(empty_app) == (set(), ())
    with empty_app.app_context():
        upgrade()
        heads = _heads(empty_app)
    assert _state(empty_app) == ({*db.metadata.tables, "alembic_version"}, heads)
    assert _schema_differences(empty_app) == []


def test_suite_database_matches_the_models(app):
    # Built by `upgrade head` once per run: on PostgreSQL when the suite runs there.
    assert _schema_differences(app) == []


def test_downgrade_to_base_and_back_rebuilds_the_same_schema(empty_app):
    # Every step can be undone, down to alembic's own table, and redone.
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
    assert _state(empty_app) == ({"alembic_version"}, ())
    with empty_app.app_context():
        upgrade()
    assert _schema_differences(empty_app) == []
