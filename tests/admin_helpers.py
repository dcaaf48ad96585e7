"""Helpers for admin panel tests: accounts and a signed-in client."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from comments import audit, staff
from comments.database import unit_of_work
from comments.models import Role

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def make_moderator(
    app: Flask,
    email: str = "mod@news.example",
    role: Role = Role.MODERATOR,
    sites: tuple[str, ...] = ("news",),
) -> None:
    """Create a staff account with ``role`` on ``sites``."""
    with app.app_context(), unit_of_work():
        staff.add(email, role=role, site_slugs=sites, password=PASSWORD, actor=audit.Actor("test"))


def csrf_token(client: FlaskClient, path: str = "/admin/login") -> str:
    """Return the CSRF token of the form on ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, page
    return match.group(1)


def sign_in(client: FlaskClient, email: str = "mod@news.example", password: str = PASSWORD) -> Any:
    """Sign in through the login form and return the response."""
    token = csrf_token(client)
    return client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )
