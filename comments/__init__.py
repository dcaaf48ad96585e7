"""comments: a self-hosted, Disqus-style comment service for news sites."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and wire the application: the only place where parts meet."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "COMMENTS_INSTANCE_PATH"
    )
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        instance_relative_config=True,
        static_folder=None,
    )

    from comments import config

    config.load(app, test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    # Imported for their hooks: versions (session), alerts and notifications (status changes).
    from comments import (  # noqa: F401
        alerts,
        database,
        headers,
        limits,
        notifications,
        versions,
    )
    from comments.extensions import csrf, db, migrate
    from comments.paths import MIGRATIONS_DIR
    from comments.sessions import AdminSessionInterface

    app.session_interface = AdminSessionInterface()
    from comments import passwords

    passwords.configure(
        time_cost=int(app.config["PASSWORD_TIME_COST"]),
        memory_kib=int(app.config["PASSWORD_MEMORY_KIB"]),
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    database.init_app(app)

    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from comments import admin, api, cli, email_pages, pages, static_files

    app.before_request(admin.settings.allow_large_form)  # before CSRF reads the form
    app.before_request(admin.imports.allow_upload)
    csrf.init_app(app)
    csrf.exempt(api.bp)  # readers send no cookies: nothing there to forge
    csrf.exempt(email_pages.bp)  # the signed token in each address is the credential
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(email_pages.bp)
    app.register_blueprint(static_files.bp)
    cli.init_app(app)
    limits.init_app(app)
    headers.init_app(app)
    return app
