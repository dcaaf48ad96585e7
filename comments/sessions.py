"""The admin panel's session cookie: signed, HttpOnly, SameSite=Lax, Secure over HTTPS.

Readers never get it: only pages under ``/admin`` set it, and its path keeps
browsers from sending it anywhere else.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

_ADMIN = "/admin"


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session for the admin panel, and no session anywhere else.

    Marked Secure whenever the request came over HTTPS. The API, the widget's
    files and the pages never read or write a session, so for them none is
    opened: no cookie is parsed or signed on the hot read path.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Open the signed session on admin pages; elsewhere an empty one that is never saved."""
        if not request.path.startswith(_ADMIN):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        """Save the session of admin pages only."""
        if has_request_context() and not request.path.startswith(_ADMIN):
            return
        super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Return True if the cookie must only travel over HTTPS."""
        configured = bool(app.config["SESSION_COOKIE_SECURE"])
        return configured or (has_request_context() and request.is_secure)
