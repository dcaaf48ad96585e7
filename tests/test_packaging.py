"""A non-editable install must carry the migrations and the widget."""

from __future__ import annotations

import zipfile
from pathlib import Path

from hatchling.builders.wheel import WheelBuilder

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_migrations_static_files_and_templates(tmp_path):
    wheel = next(
        iter(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    )
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "comments/migrations/env.py" in names
    assert "comments/migrations/alembic.ini" in names
    assert any(n.startswith("comments/migrations/versions/") for n in names)
    assert "comments/static/embed.js" in names
    assert "comments/static/count.js" in names
    assert "comments/templates/demo/article.html" in names
    assert not any("__pycache__" in n for n in names)
