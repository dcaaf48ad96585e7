"""Who is writing: guest authors, the avatar seed, and signed edit tokens."""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from comments.extensions import db
from comments.models import Author

GUEST = "guest"
_EDIT_SALT = "comments.edit-token"


def avatar_hash(secret: str, site_id: int, email: str | None, name: str) -> str:
    """Return a 16-hex-digit seed for a locally drawn avatar.

    Keyed with the service's secret, so the seed can't be turned back into an
    email address the way a Gravatar MD5 can.
    """
    basis = (email or "").strip().lower() or f"name:{name.strip().lower()}"
    mac = hmac.new(secret.encode(), f"{site_id}\x00{basis}".encode(), hashlib.sha256)
    return mac.hexdigest()[:16]


def guest_identity(name: str, email: str | None) -> str:
    """Return what makes a guest the same guest next time: their name and email."""
    basis = f"{name.strip().casefold()}\x00{(email or '').strip().casefold()}"
    return hashlib.sha256(basis.encode()).hexdigest()


_GUEST = select(Author).where(
    Author.site_id == bindparam("site_id"),
    Author.kind == GUEST,
    Author.identity == bindparam("identity"),
)


def find_or_create_guest(
    site_id: int, name: str, email: str | None, website: str | None, *, secret: str
) -> Author:
    """Return the guest author with this name and email on the site, creating one."""
    identity = guest_identity(name, email)
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
        try:
            # A concurrent first post by the same guest may win the race; the
            # savepoint lets us fall back to the row it created.
            with db.session.begin_nested():
                db.session.add(author)
        except IntegrityError:
            author = db.session.scalars(_GUEST, params).one()
    if website is not None and author.website != website:
        author.website = website
    return author


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
