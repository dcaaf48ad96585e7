"""A site's staff, for its admins: who holds which role, add someone, change or remove a role.

Every change goes through :mod:`comments.staff` in one unit of work and is
audited there. A site always keeps at least one admin: the last one can be
neither demoted nor removed.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from comments import errors, staff
from comments.admin import auth, bp
from comments.admin.auth import requires_role
from comments.admin.staff_forms import AddStaffForm, RemoveStaffForm, RoleForm
from comments.database import unit_of_work
from comments.models import Role


def _page(add_form: AddStaffForm | None = None, status: int = 200) -> tuple[str, int]:
    members = staff.of_site(g.site.id)
    page = render_template(
        "admin/staff.html",
        members=members,
        add_form=add_form or AddStaffForm(formdata=None),
        role_form=RoleForm,
        remove_form=RemoveStaffForm(formdata=None),
        me=g.moderator.id,
    )
    return page, status


def _back() -> Response:
    return redirect(url_for("admin.staff", slug=g.site.slug))


@bp.get("/<slug>/staff", endpoint="staff")
@requires_role(Role.ADMIN)
def staff_list(slug: str) -> tuple[str, int]:
    """List the site's staff with their roles and last sign-in, and the form to add one."""
    return _page()


@bp.post("/<slug>/staff")
@requires_role(Role.ADMIN)
def staff_add(slug: str) -> Response | tuple[str, int]:
    """Give an account (new or existing) a role on the site."""
    form = AddStaffForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        with unit_of_work():
            account, created = staff.add_to_site(
                g.site,
                form.email.data or "",
                role=Role(form.role.data),
                password=form.password.data or None,
                actor=auth.actor(),
            )
    except errors.CommentsError as exc:
        flash(exc.detail, "error")
        return _page(form, exc.status)
    if created:
        flash(f"{account.email} can now sign in as {form.role.data} of {g.site.name}.", "ok")
    else:
        flash(
            f"{account.email} is now {form.role.data} of {g.site.name} "
            "(an existing account: it keeps its own password).",
            "ok",
        )
    return _back()


@bp.post("/<slug>/staff/<int:moderator_id>/role")
@requires_role(Role.ADMIN)
def staff_role(slug: str, moderator_id: int) -> Response | tuple[str, int]:
    """Change a staff member's role on the site."""
    form = RoleForm()
    staff.member(g.site.id, moderator_id)
    if not form.validate_on_submit():
        flash("That role change could not be read; please try again.", "error")
        return _page(status=400)
    try:
        with unit_of_work():
            account = staff.change_role(
                g.site, moderator_id, Role(form.role.data), actor=auth.actor()
            )
    except errors.CommentsError as exc:
        flash(exc.detail, "error")
        return _page(status=exc.status)
    flash(f"{account.email} is now {form.role.data} of {g.site.name}.", "ok")
    if account.id == g.moderator.id and form.role.data != Role.ADMIN:
        # A moderator has no staff page: land where they still may go.
        return redirect(url_for("admin.site_dashboard", slug=g.site.slug))
    return _back()


@bp.post("/<slug>/staff/<int:moderator_id>/remove")
@requires_role(Role.ADMIN)
def staff_remove(slug: str, moderator_id: int) -> Response | tuple[str, int]:
    """Take a staff member's role on the site away."""
    form = RemoveStaffForm()
    staff.member(g.site.id, moderator_id)
    if not form.validate_on_submit():
        flash("That removal could not be read; please try again.", "error")
        return _page(status=400)
    try:
        with unit_of_work():
            account = staff.revoke(g.site, moderator_id, actor=auth.actor())
    except errors.CommentsError as exc:
        flash(exc.detail, "error")
        return _page(status=exc.status)
    flash(f"{account.email} no longer has a role on {g.site.name}.", "ok")
    if account.id == g.moderator.id:
        return redirect(url_for("admin.dashboard"))
    return _back()


auth.nav_entry("Staff", "admin.staff", Role.ADMIN, place=60)
