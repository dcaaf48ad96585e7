"""What the ``comments`` commands share: who runs them, and how a refusal is said.

Every command module (``cli``, ``moderation_cli``, ``sanctions_cli``) takes
these from here, so a domain error reads the same from every command and
every change made from a terminal is audited under the same name.
"""

from __future__ import annotations

import getpass

import click

from comments import audit, errors


def operator() -> audit.Actor:
    """Return who runs the command, as the audit log names them (``cli:<user>``)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return audit.Actor(label=f"cli:{user}")


def fail(exc: errors.CommentsError) -> click.ClickException:
    """Return a domain error as one line for the terminal, with the fields it names."""
    detail = exc.detail
    if exc.errors:
        detail += " (" + ", ".join(f"{k}: {v}" for k, v in exc.errors.items()) + ")"
    return click.ClickException(detail)
