"""Serve the widget's static files: cached long, revalidated by ETag, gzipped once.

Publishers embed ``/static/embed.js`` without a version, so the plain URL is
cached for an hour and then revalidated by its ETag; a URL carrying the file's
own hash (``?v=<hash>``, made by the ``static_url`` template global) is cached
for a year as immutable. Each file is read and compressed once per
modification time, not once per request.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, url_for
from werkzeug.security import safe_join

from comments.paths import STATIC_DIR

bp = Blueprint("static_files", __name__)

#: Seconds a browser may keep an unversioned file before revalidating it.
DEFAULT_MAX_AGE = 3600
#: A versioned URL never changes content, so a year is safe.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
#: Below this size gzip saves less than its header costs.
MIN_GZIP_SIZE = 256

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
_COMPRESSIBLE = (".js", ".css", ".json", ".svg", ".html", ".txt", ".map")
#: The language files the widget asks for by the reader's language tag.
_I18N = "i18n/"
_I18N_DEFAULT = "i18n/en.json"


@dataclass(frozen=True)
class StaticFile:
    """One file as read from disk, with its compressed copy and validators."""

    stamp: tuple[int, int]
    body: bytes
    gzipped: bytes | None
    digest: str
    content_type: str


_cache: dict[str, StaticFile] = {}
_lock = threading.Lock()


def _content_type(path: str) -> str:
    suffix = os.path.splitext(path)[1].lower()
    guessed = mimetypes.guess_type(path)[0]
    return _TYPES.get(suffix) or guessed or "application/octet-stream"


def _read(path: str, stamp: tuple[int, int]) -> StaticFile:
    body = Path(path).read_bytes()
    gzipped = None
    if path.endswith(_COMPRESSIBLE) and len(body) >= MIN_GZIP_SIZE:
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    digest = hashlib.sha256(body).hexdigest()[:12]
    return StaticFile(stamp, body, gzipped, digest, _content_type(path))


def load(path: str) -> StaticFile | None:
    """Return the file at ``path`` from the cache, re-reading it if it changed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _cache.get(path)
    if cached is None or cached.stamp != stamp:
        with _lock:
            cached = _cache.get(path)
            if cached is None or cached.stamp != stamp:
                cached = _cache[path] = _read(path, stamp)
    return cached


def _resolve(filename: str) -> str | None:
    """Return the file's path inside the static folder, or None if it is not there.

    A missing language file answers with the closest one the widget has
    (``zh-TW`` -> ``zh-CN``, ``pt-BR`` -> ``pt``, else English), so that adding
    a language is adding one file and the widget never asks for a list.
    """
    if any(part.startswith(".") for part in filename.split("/")):
        return None
    root = str(STATIC_DIR)
    path = safe_join(root, filename)
    if path is not None and os.path.isfile(path):
        return path
    if not (filename.startswith(_I18N) and filename.endswith(".json")):
        return None
    tag = filename[len(_I18N) : -len(".json")]
    primary = tag.split("-")[0].lower()
    files = (STATIC_DIR / "i18n").glob("*.json")
    candidates = sorted(p.name for p in files if p.stem.split("-")[0].lower() == primary)
    name = _I18N + candidates[0] if candidates else _I18N_DEFAULT
    return safe_join(root, name)


def version(filename: str) -> str | None:
    """Return the content hash of a static file, used as its ``?v=`` value."""
    path = _resolve(filename)
    found = load(path) if path else None
    return found.digest if found else None


@bp.app_template_global()
def static_url(filename: str) -> str:
    """Build the versioned URL of a static file, cacheable for a year."""
    return url_for("static_files.static", filename=filename, v=version(filename))


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


@bp.get("/static/<path:filename>")
def static(filename: str) -> Response:
    """Serve one static file with caching headers, ETag and gzip."""
    path = _resolve(filename)
    found = load(path) if path else None
    if found is None:
        abort(404)
    zipped = found.gzipped is not None and _accepts_gzip()
    etag = found.digest + ("-gz" if zipped else "")
    response = Response(found.gzipped if zipped else found.body, content_type=found.content_type)
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    if found.gzipped is not None:
        response.vary.add("Accept-Encoding")
    if request.args.get("v") == found.digest:
        response.cache_control.immutable = True
        response.cache_control.max_age = IMMUTABLE_MAX_AGE
    else:
        response.cache_control.max_age = int(current_app.config["STATIC_MAX_AGE"])
    response.cache_control.public = True
    response.set_etag(etag)
    # Pages on any origin load these files; the widget fetches language files.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.make_conditional(request)
    return response
