"""Configuration: defaults in code, then the instance file, then ``COMMENTS_*``.

Every setting can be overridden from ``<instance>/config.py`` or from an
environment variable ``COMMENTS_<NAME>`` whose value is parsed as JSON when it
can be (``COMMENTS_RATELIMIT_ENABLED=false``, ``COMMENTS_TRUSTED_PROXIES=1``).
Nothing is read at import time: :func:`load` runs inside ``create_app``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULTS: dict[str, Any] = {
    # Storage. ``None`` means a SQLite file in the instance folder.
    "DATABASE_URL": None,
    # Signing key for edit tokens and the admin session. ``None`` means one is
    # generated once and kept in ``<instance>/secret_key``, which only a SQLite
    # file allows: with a database server several hosts may serve, and each
    # would generate a key of its own.
    "SECRET_KEY": None,
    # Serve the demo newspaper (``/``, ``/articles/<key>``, ``/section``).
    # ``comments serve`` turns it on; a production server answers ``/`` with a
    # short page naming the service instead.
    "DEMO": False,
    # How many proxies in front of the service may set X-Forwarded-For.
    "TRUSTED_PROXIES": 0,
    # Rate limits (Flask-Limiter syntax, several separated by ';').
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_STRATEGY": "fixed-window",
    "RATELIMIT_KEY_PREFIX": "comments",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_POST": "5 per minute;50 per day",
    "RATELIMIT_POST_THREAD": "3 per minute;20 per day",
    "RATELIMIT_READ": "600 per minute",
    # Readers' reports of comments, per client; only new reports count.
    "RATELIMIT_FLAG": "10 per minute;100 per day",
    # The admin panel's session cookie (see comments/sessions.py): only sent
    # to /admin, never readable by scripts, Secure whenever served over HTTPS.
    "SESSION_COOKIE_NAME": "comments_admin",
    "SESSION_COOKIE_PATH": "/admin",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    # CSRF tokens of admin forms last as long as the session.
    "WTF_CSRF_TIME_LIMIT": None,
    # argon2id's cost for staff passwords (argon2-cffi's defaults).
    "PASSWORD_TIME_COST": 3,
    "PASSWORD_MEMORY_KIB": 65536,
    # Sign-in attempts, per address and per account.
    "RATELIMIT_LOGIN": "10 per minute;100 per day",
    "RATELIMIT_LOGIN_ACCOUNT": "5 per minute;30 per day",
    # Edits and deletes per client, counted on every well-formed request.
    "RATELIMIT_EDIT": "10 per minute;100 per day",
    # Votes per client; only votes that change something count.
    "RATELIMIT_VOTE": "30 per minute;500 per day",
    # Seconds a site's previous SSO secret keeps verifying tokens after a rotation.
    "SSO_ROTATION_GRACE": 24 * 3600,
    # Seconds a cached page may go on showing vote tallies older than the latest
    # vote (a page is rebuilt for votes at most once per this, per worker).
    "VOTE_TALLY_TTL": 10,
    # Requests larger than this are refused (413) before their body is read.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Reading: root comments on a page when the request names no ``limit``
    # (a request may ask for 1 to 100), and replies nested under each root.
    "PAGE_SIZE": 20,
    "REPLIES_PER_ROOT": 3,
    # Seconds a browser may keep /static/embed.js and friends before revalidating.
    "STATIC_MAX_AGE": 3600,
    # Posting.
    "EDIT_WINDOW": 15 * 60,
    "SPAM_MAX_LINKS": 3,
    # Characters of Markdown in one comment, after trimming.
    "MAX_BODY_LENGTH": 10_000,
    # Entries of an Atom feed (a thread's or a site's newest visible comments).
    "FEED_ENTRIES": 50,
    # Days a comment keeps its raw client address; then only its keyed hash.
    "RETENTION_ADDRESS_DAYS": 7,
    # Email (reply notifications, staff alerts), sent by the worker through
    # this SMTP server. Without MAIL_SERVER messages wait in the outbox.
    "MAIL_SERVER": None,
    "MAIL_PORT": 587,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": True,  # STARTTLS after connecting
    "MAIL_USE_SSL": False,  # TLS from the first byte (port 465)
    "MAIL_FROM": None,  # default: comments@<host of PUBLIC_URL>
    "MAIL_TIMEOUT": 30,
    # How long the approve and reject links in staff alerts, and the
    # confirmation links sent to readers, stay valid (seconds).
    "MAIL_LINK_MAX_AGE": 7 * 24 * 3600,
    # Delivery: attempts before a message is kept as failed, and the first
    # wait between attempts (doubling each time, at most six hours).
    "MAIL_MAX_ATTEMPTS": 10,
    "MAIL_RETRY_SECONDS": 60,
    # The service's public address, for the links in emails
    # (https://comments.example.com). ``comments serve`` uses its own address.
    "PUBLIC_URL": None,
    # The worker: seconds between rounds when there is nothing to do.
    "WORKER_INTERVAL": 5,
    # Imports uploaded in the admin panel: the largest file taken, and whether
    # each request that queues one also starts a thread to run it. Off by
    # default: the worker runs them (``comments worker``, and the worker
    # thread of ``comments serve``).
    "IMPORT_MAX_BYTES": 512 * 1024 * 1024,
    "IMPORT_IN_PROCESS": False,
}


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from the defaults, the instance file and the environment."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("COMMENTS")
    else:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    if app.config.get("SQLALCHEMY_DATABASE_URI") is None:
        url = app.config["DATABASE_URL"] or f"sqlite:///{instance / 'comments.db'}"
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(url)
    if not app.config["SECRET_KEY"]:
        _refuse_generated_secret_unless_sqlite(app.config["SQLALCHEMY_DATABASE_URI"], instance)
        app.config["SECRET_KEY"] = _instance_secret(instance)
    # A database server may restart under us: database.init_app pings pooled
    # connections that sat idle (pool_pre_ping=True here pings on every use).
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})


class ConfigurationError(click.ClickException):
    """A setting the service refuses to start with.

    A click exception so that the ``comments`` command (and the container's
    entry point, which runs it first) prints one line instead of a traceback.
    """


def _refuse_generated_secret_unless_sqlite(database_uri: str, instance: Path) -> None:
    """Refuse to generate a signing key when the database may be shared by several hosts."""
    try:
        backend = make_url(database_uri).get_backend_name()
    except ArgumentError:
        return  # not a URL at all: SQLAlchemy says so when the app binds the database
    if backend == "sqlite":
        return
    kept = instance / "secret_key"
    hint = f" (this host's old key is in {kept})" if kept.is_file() else ""
    raise ConfigurationError(
        f"COMMENTS_SECRET_KEY is not set. With a {backend} database several hosts may"
        " serve, and each would generate its own key and refuse the others' edit tokens."
        f" Set COMMENTS_SECRET_KEY to the same long random string on every host{hint}."
    )


def _normalise_database_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, the way operators usually write them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance: Path) -> str:
    """Return the instance folder's signing key, creating it on first use."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
