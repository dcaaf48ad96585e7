"""The ceiling: a bare Flask app that answers the measured GETs with stored bytes.

``run.py`` captures each measured response from the real app (status, body,
content type and the headers the app sets itself) into a JSON file, and this
app replays them from memory. Run under the same gunicorn settings as the real
app, it shows what the web stack alone costs for the same bytes on the wire,
so "the app reaches 60 % of the ceiling" means the app's own work (queries,
serialization) takes at most 40 % of the time.

Serve with ``BENCH_CEILING_RESPONSES=path.json gunicorn 'ceiling:create_app()'``
from this folder.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

# Set by gunicorn (or the WSGI server) for every response; everything else is replayed.
SERVER_HEADERS = frozenset({"content-length", "date", "server", "connection"})


def load_responses(path: Path) -> dict[str, tuple[int, bytes, list[tuple[str, str]]]]:
    """Return the captured responses by request target (path and query string)."""
    entries: list[dict[str, Any]] = json.loads(path.read_text())
    return {
        entry["target"]: (
            entry["status"],
            base64.b64decode(entry["body"]),
            [(k, v) for k, v in entry["headers"] if k.lower() not in SERVER_HEADERS],
        )
        for entry in entries
    }


def create_app(responses_path: str | None = None) -> Flask:
    """Create the app that replays the responses stored at ``responses_path``."""
    path = Path(responses_path or os.environ["BENCH_CEILING_RESPONSES"])
    responses = load_responses(path)
    app = Flask(__name__)

    @app.route("/", defaults={"_path": ""})
    @app.route("/<path:_path>")
    def replay(_path: str) -> Response:
        """Return the stored answer for this exact request target, or 404."""
        target = request.path
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        found = responses.get(target)
        if found is None:
            return Response(b"not captured\n", status=404, content_type="text/plain")
        status, body, headers = found
        # Response() would add its own Content-Type; the captured one replaces it.
        response = Response(body, status=status)
        del response.headers["Content-Type"]
        for name, value in headers:
            response.headers.add(name, value)
        return response

    return app
