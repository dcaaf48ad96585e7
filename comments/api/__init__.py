"""The public JSON API, ``/api/v1``: parse, call one domain function, serialize."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from comments.api import cors, documents, views  # noqa: E402,F401  (registers routes and hooks)
