"""Sites: the publisher properties one deployment serves, and their origins."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import select

from comments import database, errors
from comments.extensions import db
from comments.models import Moderation, Site, utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str:
    """Return ``scheme://host[:port]`` for a URL or origin, or raise ValidationFailed."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise errors.ValidationFailed(f"{value!r} is not a valid origin") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise errors.ValidationFailed(f"{value!r} is not an http(s) origin")
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@lru_cache(maxsize=1024)
def origin_of(url: str) -> str | None:
    """Return the origin of ``url``, or None when it is not an http(s) URL.

    Kept for the last few values: every cross-origin request checks its
    ``Origin`` header with this, and a site's pages send the same few.
    """
    try:
        return normalise_origin(url)
    except errors.ValidationFailed:
        return None


class HasOrigins(Protocol):
    """Anything that carries a site's origins (a Site, or a lighter row of one)."""

    origins: list[str]


def allows_origin(site: HasOrigins, origin: str | None) -> bool:
    """Tell whether ``origin`` (as a browser sends it) is one of the site's origins."""
    if not origin:
        return False
    normalised = origin_of(origin)
    return normalised is not None and normalised in site.origins


def _check_moderation(value: str) -> str:
    if value not in {m.value for m in Moderation}:
        raise errors.ValidationFailed(
            "moderation must be 'post' or 'pre'", errors={"moderation": "must be post or pre"}
        )
    return value


def _origins(values: Iterable[str]) -> list[str]:
    return sorted({normalise_origin(v) for v in values})


def find_site(slug: str) -> Site | None:
    """Return the site called ``slug``, or None."""
    return db.session.scalar(select(Site).where(Site.slug == slug))


def get_site(slug: str) -> Site:
    """Return the site called ``slug`` or raise NotFound."""
    site = find_site(slug)
    if site is None:
        raise errors.NotFound(f"There is no site called {slug!r}.")
    return site


def create_site(
    slug: str, *, name: str, origins: Iterable[str], moderation: str = Moderation.POST.value
) -> Site:
    """Register a new site in the caller's unit of work."""
    database.writing()
    if not SLUG_PATTERN.match(slug):
        raise errors.ValidationFailed(
            "A slug is 1-64 lowercase letters, digits, '-' or '_'.", errors={"slug": "invalid"}
        )
    if db.session.scalar(select(Site.id).where(Site.slug == slug)) is not None:
        raise errors.Conflict(f"A site called {slug!r} exists already.")
    site = Site(
        slug=slug,
        name=name.strip() or slug,
        origins=_origins(origins),
        moderation=_check_moderation(moderation),
        settings={},
    )
    db.session.add(site)
    db.session.flush()
    return site


def update_site(
    slug: str,
    *,
    name: str | None = None,
    origins: Iterable[str] | None = None,
    moderation: str | None = None,
    sso_secret: str | None = None,
) -> Site:
    """Change a site's settings; arguments left as None stay as they are."""
    database.writing()
    site = get_site(slug)
    if name is not None:
        site.name = name.strip() or site.name
    if origins is not None:
        site.origins = _origins(origins)
    if moderation is not None:
        site.moderation = _check_moderation(moderation)
    if sso_secret is not None:
        set_sso_secret(site, sso_secret or None)
    db.session.flush()
    return site


# Shorter secrets are refused: HS256 wants a key at least as long as its hash.
MIN_SSO_SECRET = 32


def set_sso_secret(site: Site, secret: str | None) -> None:
    """Give the site a new SSO secret, keeping the one it had as the previous one.

    The previous secret still verifies tokens for ``SSO_ROTATION_GRACE``
    seconds from now (see ``comments.sso``); ``None`` turns sign-in off at once.
    """
    if secret is not None and len(secret) < MIN_SSO_SECRET:
        raise errors.ValidationFailed(
            f"An SSO secret must be at least {MIN_SSO_SECRET} characters long.",
            errors={"sso_secret": f"at least {MIN_SSO_SECRET} characters"},
        )
    if secret is None:
        site.sso_secret = site.sso_previous_secret = site.sso_rotated_at = None
        return
    if site.sso_secret and site.sso_secret != secret:
        site.sso_previous_secret = site.sso_secret
        site.sso_rotated_at = utcnow()
    site.sso_secret = secret


def rotate_sso_secret(slug: str) -> tuple[Site, str]:
    """Generate a strong SSO secret for the site and make it current; return it (shown once)."""
    database.writing()
    site = get_site(slug)
    secret = secrets.token_urlsafe(48)
    set_sso_secret(site, secret)
    db.session.flush()
    return site, secret


def sso_secret_hint(site: Site) -> str | None:
    """Return how a secret is shown after it was first given: its last four characters."""
    return f"…{site.sso_secret[-4:]}" if site.sso_secret else None


def list_sites() -> list[Site]:
    """Return every site, by slug."""
    return list(db.session.scalars(select(Site).order_by(Site.slug)))


@dataclass(frozen=True)
class Origins:
    """Just a site's origins, for the CORS check on every cross-origin request."""

    origins: list[str]


def decode_origins(value: Any) -> list[str]:
    """Return a site's origins as read with a plain statement (JSON text on SQLite)."""
    return list(json.loads(value) if isinstance(value, str | bytes) else value)


def origins_of(slug: str) -> Origins | None:
    """Return the origins of the site called ``slug``, or None, in one small statement."""
    rows = database.read_rows("SELECT origins FROM sites WHERE slug = ?", (slug,))
    return Origins(decode_origins(rows[0][0])) if rows else None


def any_site_allows(origin: str | None) -> bool:
    """Tell whether any site lists ``origin``; used for preflights that name no site."""
    normalised = origin_of(origin) if origin else None
    if normalised is None:
        return False
    return any(normalised in origins for origins in db.session.scalars(select(Site.origins)))


def ensure_site(slug: str, *, name: str, origins: Iterable[str]) -> Site:
    """Return the site called ``slug``, creating it, or adding missing origins to it."""
    database.writing()
    site = db.session.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        return create_site(slug, name=name, origins=origins)
    wanted = _origins([*site.origins, *origins])
    if wanted != site.origins:
        site.origins = wanted
        db.session.flush()
    return site
