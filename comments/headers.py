"""Security headers: no content sniffing anywhere, and a strict policy for HTML pages.

Every response says ``X-Content-Type-Options: nosniff``, so a browser never
runs a JSON answer or a reader-influenced file as a script or a page. HTML
pages also get a Content-Security-Policy that allows scripts only from the
service itself (no inline script at all), refuses to be framed, and a
``Referrer-Policy``. The API's CORS headers are not this module's business
(``api/cors.py``).
"""

from __future__ import annotations

from flask import Flask, Response, g

#: The service's own pages: nothing but what it serves itself, never in a frame.
PAGE_POLICY: dict[str, str] = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}

#: Demo pages that run the widget: it puts its stylesheet into its shadow root
#: as a ``<style>`` element and shows readers' avatars from their own https
#: hosts. Scripts stay as strict as on every other page.
WIDGET_POLICY: dict[str, str] = {
    **PAGE_POLICY,
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: https:",
    "frame-ancestors": "'self'",
}

#: Images the service draws (avatars): an SVG opened on its own runs nothing
#: and loads nothing.
IMAGE_POLICY: dict[str, str] = {"default-src": "'none'", "sandbox": ""}

REFERRER_POLICY = "same-origin"


def _render(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}".strip() for name, value in policy.items())


def allow_widget() -> None:
    """Give the page being rendered the policy the embedded widget needs."""
    g.content_security_policy = WIDGET_POLICY


def add_security_headers(response: Response) -> Response:
    """Add the headers every response carries, and the page policy to HTML."""
    if "X-Content-Type-Options" not in response.headers:  # setdefault, with one look instead of two
        response.headers.add("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        policy = g.get("content_security_policy", PAGE_POLICY)
        response.headers.setdefault("Content-Security-Policy", _render(policy))
        response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    elif response.mimetype == "image/svg+xml":
        response.headers.setdefault("Content-Security-Policy", _render(IMAGE_POLICY))
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response the app gives."""
    app.after_request(add_security_headers)
