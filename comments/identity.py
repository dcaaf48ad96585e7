"""Who is writing: guest authors, the avatar seed, and signed edit tokens.

Readers see the name and website given with each comment; the author row
only groups comments for moderators (history, sanctions). A guest who gives
an email is grouped by a keyed hash of it. A guest who gives none is grouped
by a keyed hash of the name *and* the client's address, so a second "Ann"
elsewhere is a different author: never by name alone.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, insert, select

from comments import database
from comments.extensions import db
from comments.models import Author

GUEST = "guest"
# A guest's identity when they gave an email: this prefix and the email's keyed hash.
EMAIL_IDENTITY = "e:"
_EDIT_SALT = "comments.edit-token"


def _keyed(secret: str, purpose: str, value: str) -> str:
    mac = hmac.new(secret.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def avatar_hash(secret: str, site_id: int, email: str | None, name: str) -> str:
    """Return a 16-hex-digit seed for a locally drawn avatar.

    Keyed with the service's secret, so the seed can't be turned back into an
    email address the way a Gravatar MD5 can.
    """
    basis = (email or "").strip().lower() or f"name:{name.strip().lower()}"
    return _keyed(secret, "avatar", f"{site_id}\x00{basis}")[:16]


def client_key(secret: str, remote_addr: str | None) -> str:
    """Return a keyed hash of a client's address: what is kept instead of the address."""
    return _keyed(secret, "client", remote_addr or "")[:32]


def email_key(secret: str, email: str) -> str:
    """Return the keyed hash of an email: how guests and sanctions name it, never in clear."""
    return _keyed(secret, "guest-email", email.strip().casefold())


def guest_identity(
    secret: str, name: str, email: str | None, remote_addr: str | None = None
) -> str:
    """Return what makes a guest the same guest next time (never the name alone)."""
    normalised = (email or "").strip().casefold()
    if normalised:
        return EMAIL_IDENTITY + email_key(secret, normalised)
    basis = f"{name.strip().casefold()}\x00{client_key(secret, remote_addr)}"
    return "n:" + _keyed(secret, "guest-name", basis)


_GUEST = select(Author).where(
    Author.site_id == bindparam("site_id"),
    Author.kind == GUEST,
    Author.identity == bindparam("identity"),
)


def guest_author(
    site_id: int, name: str, email: str | None, *, remote_addr: str | None, secret: str
) -> Author:
    """Return the guest author these details name on the site, creating one.

    Nothing on the row changes when it exists already: what a comment shows
    is stored with the comment.
    """
    identity = guest_identity(secret, name, email, remote_addr)
    params = {"site_id": site_id, "identity": identity}
    author = db.session.scalar(_GUEST, params)
    if author is None:
        author = Author(
            site_id=site_id,
            kind=GUEST,
            identity=identity,
            name=name,
            email=email,
            avatar_seed=avatar_hash(secret, site_id, email, name),
            badges=[],
        )
        # A concurrent first post by the same guest may win the race.
        author = database.add_or_find(author, _GUEST, params)
    return author


def guest_authors(
    site_id: int, guests: Iterable[tuple[str, str | None, str | None]], *, secret: str
) -> dict[str, int]:
    """Return the author ids of many guests (name, email, address) on the site, by identity.

    What :func:`guest_author` does for one, for a whole batch of imported
    comments: one query finds the authors that exist, one statement creates
    the others. A guest posting for the first time at that very moment makes
    the statement fail, and with it the caller's unit of work (an import
    batch, which the next run stores again).
    """
    wanted: dict[str, tuple[str, str | None]] = {}
    for name, email, remote_addr in guests:
        wanted.setdefault(guest_identity(secret, name, email, remote_addr), (name, email))
    if not wanted:
        return {}
    found: dict[str, int] = {}
    identities = list(wanted)
    for start in range(0, len(identities), 500):
        rows = db.session.execute(
            select(Author.identity, Author.id).where(
                Author.site_id == site_id,
                Author.kind == GUEST,
                Author.identity.in_(identities[start : start + 500]),
            )
        )
        found.update({ident: author_id for ident, author_id in rows})
    missing: list[dict[str, object]] = [
        {
            "site_id": site_id,
            "kind": GUEST,
            "identity": ident,
            "name": name,
            "email": email,
            "avatar_seed": avatar_hash(secret, site_id, email, name),
            "badges": [],
        }
        for ident, (name, email) in wanted.items()
        if ident not in found
    ]
    if missing:
        statement = insert(Author).returning(Author.id, sort_by_parameter_order=True)
        ids = db.session.execute(statement, missing).scalars()
        found.update(zip((str(row["identity"]) for row in missing), ids, strict=True))
    return found


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_EDIT_SALT)


def issue_edit_token(secret: str, comment_id: int) -> str:
    """Return a signed token that lets its holder edit or delete one comment."""
    return str(_serializer(secret).dumps({"c": comment_id}))


def check_edit_token(secret: str, token: str, comment_id: int, max_age: int) -> bool:
    """Tell whether ``token`` was issued for ``comment_id`` less than ``max_age`` seconds ago."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return False
    return isinstance(data, dict) and data.get("c") == comment_id


def sign(secret: str, purpose: str, data: dict[str, Any]) -> str:
    """Return ``data`` signed for one ``purpose`` (a link in an email), with the time of signing."""
    return str(URLSafeTimedSerializer(secret, salt=f"comments.{purpose}").dumps(data))


def unsign(
    secret: str, purpose: str, token: str, max_age: int | None = None
) -> dict[str, Any] | None:
    """Return what ``token`` carries if signed for ``purpose`` (within ``max_age`` s), else None.

    The signature is checked in constant time (itsdangerous compares with
    ``hmac.compare_digest``); a token signed for another purpose never passes.
    """
    try:
        data = URLSafeTimedSerializer(secret, salt=f"comments.{purpose}").loads(
            token, max_age=max_age
        )
    except (SignatureExpired, BadSignature):
        return None
    return data if isinstance(data, dict) else None


def token_expired(secret: str, purpose: str, token: str, max_age: int) -> bool:
    """Tell whether ``token`` is a genuine one for ``purpose`` that is too old."""
    try:
        URLSafeTimedSerializer(secret, salt=f"comments.{purpose}").loads(token, max_age=max_age)
    except SignatureExpired:
        return True
    except BadSignature:
        return False
    return False


SSO = "sso"

_SSO = select(Author).where(
    Author.site_id == bindparam("site_id"),
    Author.kind == SSO,
    Author.identity == bindparam("identity"),
)


def sso_author(
    site_id: int,
    sub: str,
    *,
    name: str,
    email: str | None,
    avatar: str | None,
    website: str | None,
    badges: list[str],
    secret: str,
) -> Author:
    """Return the author row of a site's signed-in user (``kind="sso"``, identity = ``sub``).

    Unlike a guest's, the row follows what the publisher says: a new name,
    avatar or badges replace the old ones, and the session hook in
    ``comments.versions`` then makes every page they wrote on fresh.
    """
    params = {"site_id": site_id, "identity": sub}
    author = db.session.scalar(_SSO, params)
    seed = avatar_hash(secret, site_id, email, f"sso:{sub}")
    if author is None:
        author = Author(
            site_id=site_id, kind=SSO, identity=sub, name=name, email=email, website=website,
            avatar_url=avatar, avatar_seed=seed, badges=badges,
        )  # fmt: skip
        return database.add_or_find(author, _SSO, params)
    shown = {"name": name, "email": email, "website": website, "avatar_url": avatar,
             "avatar_seed": seed, "badges": badges}  # fmt: skip
    for attribute, value in shown.items():
        if getattr(author, attribute) != value:
            setattr(author, attribute, value)
    return author


def find_sso_author(site_id: int, sub: str) -> Author | None:
    """Return the author row of a site's signed-in user, if they ever wrote or voted."""
    return db.session.scalar(_SSO, {"site_id": site_id, "identity": sub})


def reader_key(secret: str, reader_id: str, remote_addr: str | None) -> str:
    """Return a keyed hash of a browser's random reader id and its client's address.

    What a guest's votes and own comments are known by: neither the id nor the
    address is kept. The address is part of it, so a reader id copied into
    another network's browser does not carry the votes with it.
    """
    return _keyed(secret, "reader", f"{reader_id}\x00{client_key(secret, remote_addr)}")[:32]
