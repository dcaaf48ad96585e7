"""The staff page's forms: add a staff member, change a role, remove a role."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from comments.models import Role

# Plain values (shown as they are): tuples are deprecated in WTForms 3.3, SelectChoice is new there.
ROLES = [Role.MODERATOR.value, Role.ADMIN.value]


class AddStaffForm(FlaskForm):
    """Give an account (new, with a first password, or existing) a role on the site."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLES, validators=[DataRequired()])
    password = PasswordField(
        "First password (new accounts only)", validators=[Optional(), Length(max=1024)]
    )


class RoleForm(FlaskForm):
    """Change a staff member's role on the site."""

    role = SelectField("Role", choices=ROLES, validators=[DataRequired()])


class RemoveStaffForm(FlaskForm):
    """Take a staff member's role on the site away (a form, for its CSRF token)."""
