"""The audit log's filter form (read from the query string, so no CSRF token)."""

from __future__ import annotations

from typing import Any

from wtforms import DateField, Form, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

_LARGEST_ID = 2**31 - 1


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(Form):
    """Which events to show: by action, who, comment, days, and the page."""

    action = StringField(
        "Action",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[a-z_]+\.[a-z_]+$", message="is not an action"),
        ],
    )
    who = StringField(
        "Who", filters=[_strip, lambda v: v.lower() if v else v], validators=[Length(max=254)]
    )
    comment = IntegerField(
        "Comment id", validators=[Optional(), NumberRange(min=1, max=_LARGEST_ID)]
    )
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])
    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=_LARGEST_ID)])

    def validate_until(self, field: DateField) -> None:
        """Refuse a range that ends before it starts."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("comes before the start of the range")
