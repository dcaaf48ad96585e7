"""The site settings form: rules, word lists and origins, one page, one save."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from comments.site_settings import SiteSettings

_WORDS_HELP = (
    "One per line. Whole words, any case; * at the start or end lets the word go on "
    "(idiot* also finds idiots)."
)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SettingsForm(FlaskForm):
    """A site's rules as an admin edits them."""

    moderation = RadioField(
        "Comments appear",
        choices=[
            SelectChoice(
                "post", "At once (post-moderation): moderators remove what breaks the rules"
            ),
            SelectChoice("pre", "After a moderator approves them (pre-moderation of everything)"),
        ],
        validators=[InputRequired()],
    )
    premoderate_new = IntegerField(
        "Hold new commenters until they have this many approved comments (0: off)",
        validators=[InputRequired(), NumberRange(0, 100, "Between 0 and 100 comments.")],
    )
    premoderate_links = BooleanField("Hold every comment with a link")
    report_threshold = IntegerField(
        "Reports that take a comment off the page",
        validators=[InputRequired(), NumberRange(1, 1000, "Between 1 and 1,000 reports.")],
    )
    edit_window = IntegerField(
        "Minutes during which authors may edit or delete their comment",
        validators=[InputRequired(), NumberRange(1, 10080, "Between 1 and 10,080 minutes.")],
    )
    auto_close_days = IntegerField(
        "Close a discussion this many days after its first comment (empty: never)",
        validators=[Optional(), NumberRange(1, 3650, "Between 1 and 3,650 days.")],
    )
    closed_message = TextAreaField(
        "What readers are told when a discussion is closed (empty: “This discussion is closed.”)",
        validators=[Length(max=500, message="At most 500 characters.")],
    )
    banned_words = TextAreaField("Banned words: comments with them are refused")
    suspect_words = TextAreaField("Suspect words: comments with them wait for a moderator")
    origins = TextAreaField(
        "Allowed origins: the addresses of the pages the widget runs on, one per line "
        "(https://news.example)",
        validators=[InputRequired("At least one origin.")],
    )

    guests = RadioField(
        "Who may comment and vote",
        choices=[
            SelectChoice("allowed", "Guests and signed-in readers"),
            SelectChoice(
                "refused", "Signed-in readers only (the widget shows “Sign in to comment”)"
            ),
        ],
        # Left out of a posted form, the stored choice stays; update_settings checks it.
        validators=[Optional()],
        validate_choice=False,
    )

    words_help = _WORDS_HELP

    def fill(self, settings: SiteSettings, moderation: str, origins: list[str]) -> None:
        """Show the stored settings."""
        self.moderation.data = moderation
        self.premoderate_new.data = settings.premoderate_new
        self.premoderate_links.data = settings.premoderate_links
        self.report_threshold.data = settings.report_threshold
        self.edit_window.data = max(1, settings.edit_window // 60)
        self.auto_close_days.data = settings.auto_close_days
        self.closed_message.data = settings.closed_message or ""
        self.banned_words.data = "\n".join(settings.banned_words)
        self.suspect_words.data = "\n".join(settings.suspect_words)
        self.origins.data = "\n".join(origins)
        self.guests.data = settings.guests

    def changes(self) -> dict[str, Any]:
        """Return the settings as ``site_settings.update_settings`` takes them."""
        return {
            "premoderate_new": self.premoderate_new.data,
            "premoderate_links": bool(self.premoderate_links.data),
            "report_threshold": self.report_threshold.data,
            "edit_window": (self.edit_window.data or 0) * 60,
            "auto_close_days": self.auto_close_days.data,
            "closed_message": (self.closed_message.data or "").strip() or None,
            "banned_words": _lines(self.banned_words.data),
            "suspect_words": _lines(self.suspect_words.data),
            **({"guests": self.guests.data} if self.guests.data else {}),
        }

    def origin_list(self) -> list[str]:
        """Return the origins, one per line."""
        return _lines(self.origins.data)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put the domain's errors next to their fields."""
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, _sentence(message)]


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith(".") else text + "."


class RotateSsoForm(FlaskForm):
    """Generate a new SSO secret for the site (a form, for its CSRF token)."""
