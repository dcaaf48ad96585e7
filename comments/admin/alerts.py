"""A staff member's own email alerts for one site: held comments, reported comments."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField

from comments import alerts as staff_alerts
from comments.admin import bp
from comments.admin.auth import nav_entry, requires_role
from comments.database import unit_of_work
from comments.models import Role

nav_entry("Email alerts", "admin.alerts", Role.MODERATOR, place=80)


class AlertsForm(FlaskForm):
    """Which emails the signed-in staff member wants about this site."""

    held = BooleanField("Email me each comment held for review")
    reported = BooleanField("Email me each comment readers' reports take off the page")


@bp.route("/<slug>/alerts", methods=["GET", "POST"])
@requires_role(Role.MODERATOR)
def alerts(slug: str) -> str | Response:
    """Show the signed-in staff member's alert choices for the site; save them."""
    form = AlertsForm()
    if request.method == "GET":
        mine = staff_alerts.preferences(g.moderator.id, g.site.id)
        form.held.data, form.reported.data = mine.held, mine.reported
    elif form.validate_on_submit():
        with unit_of_work():
            staff_alerts.choose(
                g.moderator.id,
                g.site.id,
                held=bool(form.held.data),
                reported=bool(form.reported.data),
            )
        flash("Your email alerts are saved.", "ok")
        return redirect(url_for("admin.alerts", slug=slug))
    return render_template(
        "admin/alerts.html",
        form=form,
        mail_ready=bool(current_app.config.get("MAIL_SERVER")),
        days=max(1, int(current_app.config["MAIL_LINK_MAX_AGE"]) // 86400),
    )
