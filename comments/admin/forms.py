"""The admin panel's forms, with their validators (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from comments.moderation import ACTIONS, REJECT_REASONS


class LoginForm(FlaskForm):
    """Sign in with an email and a password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class LogoutForm(FlaskForm):
    """Sign out (a form, so that another site can't sign a moderator out)."""


class QueueFilterForm(FlaskForm):
    """Narrow a queue (read from the query string; a GET form needs no CSRF token)."""

    class Meta:
        csrf = False

    thread = StringField("Thread", validators=[Optional(), Length(max=500)])
    author = StringField("Author", validators=[Optional(), Length(max=254)])
    text = StringField("Text", validators=[Optional(), Length(max=200)])
    order = SelectField(
        "Order",
        choices=[SelectChoice("newest", "Newest first"), SelectChoice("oldest", "Oldest first")],
        default="newest",
    )
    limit = IntegerField("Per page", validators=[Optional(), NumberRange(min=1, max=100)])
    cursor = HiddenField(validators=[Optional(), Length(max=200)])
    # One comment, for links from the threads and commenters pages.
    comment = IntegerField("Comment id", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class ActionForm(FlaskForm):
    """One decision for one comment or, from the bulk form, for the comments ticked."""

    action = SelectField("Action", choices=[SelectChoice(a, a.capitalize()) for a in ACTIONS])
    reason = SelectField(
        "Reason",
        choices=[SelectChoice("", "Reason…")]
        + [SelectChoice(code, words) for code, words in REJECT_REASONS.items()],
        default="",
    )
    note = StringField("Note", validators=[Optional(), Length(max=500)])
    next = HiddenField(validators=[Optional(), Length(max=2000)])


class EditForm(FlaskForm):
    """A moderator's new text for a comment, and why."""

    body = TextAreaField("Text (Markdown)", validators=[DataRequired(), Length(max=10_000)])
    note = StringField("Why you edit it", validators=[DataRequired(), Length(max=500)])
    next = HiddenField(validators=[Optional(), Length(max=2000)])
