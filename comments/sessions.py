"""The admin panel's session cookie: signed, HttpOnly, SameSite=Lax, Secure over HTTPS.

Readers never get it: only pages under ``/admin`` set it, and its path keeps
browsers from sending it anywhere else.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Return True if the cookie must only travel over HTTPS."""
        configured = bool(app.config["SESSION_COOKIE_SECURE"])
        return configured or (has_request_context() and request.is_secure)
