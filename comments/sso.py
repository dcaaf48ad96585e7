"""Publisher sign-in: the site's backend vouches for its signed-in user with a signed token.

The token is an HS256 JWT signed with the site's SSO secret (``Site.sso_secret``).
Its claims: ``sub`` (the publisher's user id, required), ``name`` (required),
``exp`` (required), ``iat`` (checked: not in the future beyond a leeway),
optional ``aud`` (must then be the site's slug), ``email``, ``avatar`` (kept
only when it is on one of the site's origins), ``url`` (http or https) and
``badges`` (short strings). Only HS256 is accepted: a token that names any
other algorithm, ``none`` included, is refused before its signature is looked at.

After the secret is rotated the previous one keeps working for the grace
period the caller passes (``SSO_ROTATION_GRACE``), so pages already handed
out with tokens signed the old way go on working while the publisher deploys.

This is the only module that imports PyJWT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt

from comments import errors, sites
from comments.models import Site

ALGORITHM = "HS256"
# Seconds of clock difference allowed between the publisher's servers and ours.
LEEWAY = 60
MAX_TOKEN_LENGTH = 4096
MAX_BADGES = 10
MAX_BADGE_LENGTH = 32
# Short enough that "user:" and the id fit a report's reporter column.
MAX_SUB_LENGTH = 250
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class User:
    """A signed-in reader, as the publisher's token describes them."""

    sub: str
    name: str
    email: str | None = None
    avatar: str | None = None
    url: str | None = None
    badges: tuple[str, ...] = field(default_factory=tuple)


def refused(code: str, detail: str) -> errors.Unauthorized:
    """Return the refusal of a token, with its machine code (``sso_expired``...)."""
    return errors.Unauthorized(detail, code=code)


def secrets_in_force(site: Site, now: datetime, grace: int) -> list[str]:
    """Return the secrets that may sign the site's tokens now: the current, then the previous."""
    found = [site.sso_secret] if site.sso_secret else []
    rotated = site.sso_rotated_at
    previous = site.sso_previous_secret
    if previous and rotated is not None and now < rotated + timedelta(seconds=grace):
        found.append(previous)
    return found


def verify(token: str, site: Site, *, now: datetime, grace: int) -> User:
    """Return the user a token signs in for ``site``, or raise Unauthorized with its code."""
    keys = secrets_in_force(site, now, grace)
    if not keys:
        raise refused("sso_not_configured", "This site does not take signed-in users.")
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise refused("sso_malformed", "The sign-in token is not a JSON Web Token.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as exc:
        raise refused("sso_malformed", "The sign-in token is not a JSON Web Token.") from exc
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm.lower() == "none" or not token.split(".")[2]:
        raise refused("sso_unsigned", "The sign-in token is not signed.")
    if algorithm != ALGORITHM:
        raise refused("sso_bad_algorithm", f"Sign-in tokens must be signed with {ALGORITHM}.")
    claims = _decode(token, keys, now)
    _check_audience(claims, site.slug)
    return _user(claims, site)


def _decode(token: str, keys: Sequence[str], now: datetime) -> dict[str, Any]:
    options: Any = {"require": ["exp", "sub"], "verify_aud": False, "verify_iat": False}
    for key in keys:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[ALGORITHM], options=options, leeway=LEEWAY
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError as exc:
            raise refused("sso_expired", "The sign-in token has expired; sign in again.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise refused("sso_not_yet_valid", "The sign-in token is not valid yet.") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise refused("sso_malformed", f"The sign-in token has no {exc.claim!r}.") from exc
        except jwt.InvalidTokenError as exc:
            raise refused("sso_malformed", "The sign-in token could not be read.") from exc
        _check_issued(claims, now)
        return claims
    raise refused("sso_bad_signature", "The sign-in token is not signed with this site's secret.")


def _check_issued(claims: dict[str, Any], now: datetime) -> None:
    # Checked here rather than by PyJWT, whose versions differ on a future ``iat``.
    issued = claims.get("iat")
    if issued is None:
        return
    if isinstance(issued, bool) or not isinstance(issued, int | float):
        raise refused("sso_malformed", "The sign-in token's 'iat' is not a time.")
    epoch = datetime(1970, 1, 1)
    if issued > (now - epoch).total_seconds() + LEEWAY:
        raise refused("sso_not_yet_valid", "The sign-in token was issued in the future.")


def _check_audience(claims: dict[str, Any], slug: str) -> None:
    if "aud" not in claims:
        return
    audience = claims["aud"]
    names = [audience] if isinstance(audience, str) else audience
    if not isinstance(names, list) or slug not in names:
        raise refused("sso_wrong_site", "The sign-in token is meant for another site.")


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:limit] if value else None


def _http_url(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 500 or any(ch.isspace() for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.hostname else None


def _user(claims: dict[str, Any], site: Site) -> User:
    # Kept exactly as the publisher wrote it: it is the author's identity
    # (Author(kind="sso", identity=sub)), which imports rely on too.
    sub = claims.get("sub")
    if isinstance(sub, int) and not isinstance(sub, bool):
        sub = str(sub)
    if not isinstance(sub, str) or not 0 < len(sub) <= MAX_SUB_LENGTH or not sub.isprintable():
        raise refused("sso_malformed", "The sign-in token's 'sub' is not a user id.")
    name = _text(claims.get("name"), MAX_NAME_LENGTH)
    if name is None:
        raise refused("sso_malformed", "The sign-in token has no 'name'.")
    avatar = _http_url(claims.get("avatar"))
    if avatar is not None and not sites.allows_origin(site, sites.origin_of(avatar)):
        avatar = None  # only images the publisher serves itself
    email = _text(claims.get("email"), 254)
    badges = claims.get("badges")
    kept = tuple(
        dict.fromkeys(
            b.strip()
            for b in (badges if isinstance(badges, list) else [])[:MAX_BADGES]
            if isinstance(b, str) and b.strip() and len(b.strip()) <= MAX_BADGE_LENGTH
        )
    )
    return User(sub, name, email if email and "@" in email else None, avatar,
                _http_url(claims.get("url")), kept)  # fmt: skip
