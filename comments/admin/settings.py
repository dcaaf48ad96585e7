"""A site's settings page: moderation rules, word lists, limits and allowed origins (admins)."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from comments import errors, site_settings
from comments.admin import bp
from comments.admin.auth import actor, nav_entry, requires_role
from comments.admin.settings_forms import SettingsForm
from comments.database import unit_of_work
from comments.models import Role

nav_entry("Settings", "admin.settings", Role.ADMIN, place=50)

#: A settings form may carry thousands of words, percent-encoded (a Cyrillic
#: letter is six bytes), past the app's MAX_CONTENT_LENGTH meant for comments.
FORM_MAX_LENGTH = 2 * 1024 * 1024


def allow_large_form() -> None:
    """Let the settings form be larger than other requests (run before CSRF reads it)."""
    if request.endpoint == "admin.settings":
        request.max_content_length = FORM_MAX_LENGTH
        request.max_form_memory_size = FORM_MAX_LENGTH


@bp.route("/<slug>/settings", methods=["GET", "POST"])
@requires_role(Role.ADMIN)
def settings(slug: str) -> tuple[str, int] | Response:
    """Show the site's settings; save them all when the form is right."""
    form = SettingsForm()
    if request.method == "GET":
        form.fill(_current(), g.site.moderation, g.site.origins)
    elif form.validate_on_submit():
        try:
            with unit_of_work():
                site_settings.update_settings(
                    slug,
                    form.changes(),
                    actor=actor(),
                    moderation=form.moderation.data,
                    origins=form.origin_list(),
                )
        except errors.ValidationFailed as exc:
            form.show_errors(exc.errors)
        else:
            flash("The settings are saved; they apply from the next comment.", "ok")
            return redirect(url_for("admin.settings", slug=slug))
    status = 422 if form.errors else 200
    if form.errors:
        flash("Some settings are not right; see the notes next to them.", "error")
    return render_template("admin/settings.html", form=form), status


def _current() -> site_settings.SiteSettings:
    config = current_app.config
    return site_settings.settings_of(g.site, edit_window=config["EDIT_WINDOW"])
