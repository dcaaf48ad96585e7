"""Password hashing for staff accounts: the only module that imports argon2."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10

_hasher = PasswordHasher()
# Checked against when an account does not exist, so that a login attempt for
# an unknown email costs the same time as one for a known email. Made on first
# use: hashing takes argon2's time and memory (64 MiB by default), which every
# process that imports this module (each worker, each CLI command) would
# otherwise pay at start-up for a sign-in it may never see.
_DUMMY: str | None = None


def configure(*, time_cost: int, memory_kib: int) -> None:
    """Set argon2id's cost for this process (``PASSWORD_TIME_COST``, ``PASSWORD_MEMORY_KIB``).

    The defaults are argon2-cffi's (RFC 9106's second recommendation); hashes
    made with other costs still verify, and are upgraded at the next sign-in.
    """
    global _hasher, _DUMMY
    if (_hasher.time_cost, _hasher.memory_cost) == (time_cost, memory_kib):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _DUMMY = None  # made again, with these costs, when first needed


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Tell whether ``password`` matches; with no hash, spend the same time and say no."""
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _hasher.hash("no account has this password")
    return _DUMMY


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
