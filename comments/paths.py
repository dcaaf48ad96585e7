"""Locate the files that ship beside the package.

In a checkout, ``static/`` and ``migrations/`` sit at the top of the repository;
an installed wheel carries them inside the package (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


STATIC_DIR = _shipped("static")
MIGRATIONS_DIR = _shipped("migrations")
