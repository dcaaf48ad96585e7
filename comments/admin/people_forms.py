"""Forms of the threads and commenters areas (Flask-WTF), with their validators."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length as LengthOf
from wtforms.validators import NumberRange, Optional, ValidationError

from comments.sanctions import MAX_DAYS


class CloseForm(FlaskForm):
    """Close or reopen a thread (which one, and which way, is in the URL)."""


class ThreadModerationForm(FlaskForm):
    """Give one thread its own moderation, or let it follow the site's rules."""

    moderation = SelectField(
        "Moderation of this thread",
        choices=[
            SelectChoice("site", "As the site's rules say"),
            SelectChoice("pre", "Hold every comment for a moderator"),
            SelectChoice("post", "Show comments at once"),
        ],
    )


class LiftForm(FlaskForm):
    """Lift a sanction (named in the URL)."""


class SanctionForm(FlaskForm):
    """Sanction a commenter on this site."""

    kind = SelectField(
        "Sanction",
        choices=[
            SelectChoice("premoderate", "Always pre-moderate their comments"),
            SelectChoice("suspend", "Suspend for some days"),
            SelectChoice("ban", "Ban from the site"),
        ],
    )
    target = SelectField(
        "Whom",
        choices=[
            SelectChoice("author", "This commenter"),
            SelectChoice("client", "The address of their latest comment (kept as a keyed hash)"),
        ],
    )
    days = IntegerField(
        "Days (empty: for good; required for a suspension)",
        validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)],
    )
    reason = StringField("Why (for the audit log)", validators=[LengthOf(max=500)])
    reject_recent = BooleanField("With a ban, reject their comments of the last 30 days")

    def validate(self, extra_validators: Any = None) -> bool:
        """Check the fields, then that a suspension says for how long."""
        valid = super().validate(extra_validators)
        if self.kind.data == "suspend" and self.days.data is None and not self.days.errors:
            self.days.errors.append("Say for how many days to suspend.")
            valid = False
        return valid

    def validate_reject_recent(self, field: BooleanField) -> None:
        if field.data and self.kind.data != "ban":
            raise ValidationError("Only a ban rejects recent comments.")
