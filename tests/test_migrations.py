"""Migrations: one head, and ``upgrade head`` builds exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from comments.extensions import db
from comments.paths import MIGRATIONS_DIR


def test_there_is_a_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR))
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_upgrade_head_matches_the_models(app):
    # The fixture database was built by `upgrade head` on an empty database.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrate_extension_is_configured_for_batch_mode(app):
    # SQLite can only alter tables by copying them; batch mode does that for us.
    assert app.extensions["migrate"].configure_args.get("render_as_batch") is True
