"""A site's settings page: moderation rules, word lists, limits and allowed origins (admins)."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from comments import audit, errors, site_settings, sites
from comments.admin import bp
from comments.admin.auth import actor, nav_entry, requires_role
from comments.admin.settings_forms import RotateSsoForm, SettingsForm
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
    return _page(form, status)


def _page(form: SettingsForm, status: int = 200, new_secret: str | None = None) -> tuple[str, int]:
    return render_template(
        "admin/settings.html",
        form=form,
        sso_form=RotateSsoForm(),
        sso_hint=sites.sso_secret_hint(g.site),
        new_secret=new_secret,
    ), status


@bp.post("/<slug>/settings/sso")
@requires_role(Role.ADMIN)
def rotate_sso(slug: str) -> tuple[str, int] | Response:
    """Generate a new SSO secret and show it this once; the old one works for the grace period."""
    if not RotateSsoForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("admin.settings", slug=slug))
    with unit_of_work():
        site, secret = sites.rotate_sso_secret(slug)
        audit.record(actor(), "site.sso_rotated", site_id=site.id, target=("site", site.id))
    hours = current_app.config["SSO_ROTATION_GRACE"] // 3600
    flash(
        f"A new SSO secret is in force. Tokens signed with the previous one are still taken "
        f"for {hours} hours.",
        "ok",
    )
    form = SettingsForm(formdata=None)
    form.fill(_current(), g.site.moderation, g.site.origins)
    html, status = _page(form, new_secret=secret)
    response = Response(html, status=status, mimetype="text/html")
    # The secret is on this page only: never kept by a cache or offered again.
    response.headers["Cache-Control"] = "no-store"
    return response


def _current() -> site_settings.SiteSettings:
    config = current_app.config
    return site_settings.settings_of(g.site, edit_window=config["EDIT_WINDOW"])
