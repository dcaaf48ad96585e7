"""The moderators' panel: server-rendered pages under ``/admin/``.

One module per area (``auth``, ``dashboard``, ...), all on this blueprint.
Pages work without JavaScript; ``static/admin/admin.js`` only adds keyboard
shortcuts and bulk selection. Every form carries a CSRF token (Flask-WTF),
every page checks the signed-in moderator's role on the site it names
(:func:`auth.requires_role`), and this blueprint never imports the API's:
both call the same domain functions.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from comments import errors

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.errorhandler(errors.CommentsError)
def _domain_error(exc: errors.CommentsError) -> tuple[str, int]:
    return render_template("admin/error.html", message=exc.detail), exc.status


# Routes register on import; each area adds itself to the site menu.
from comments.admin import (  # noqa: E402, F401
    alerts,
    audit_log,
    auth,
    dashboard,
    imports,
    people,
    queue,
    settings,
    staff_page,
    threads,
)
