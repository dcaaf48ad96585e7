"""The shapes of the API's input and output; the OpenAPI document is built from these."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from comments.models import MAX_ID

# ASCII control characters (tabs and newlines included) have no place in a name;
# bidi overrides would let a name display as something else.
_NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# A page holds at most this many root comments, and counts answer at most this
# many threads: what keeps every response small, whatever the settings.
MAX_LIMIT = 100
MAX_COUNTS_THREADS = 100

Sort = Literal["newest", "oldest", "top"]
# A site's slug and a thread's key never hold NUL, which PostgreSQL's text can't.
_NO_NUL = r"^[^\x00]*$"
SiteSlug = Annotated[str, Field(min_length=1, max_length=64, pattern=_NO_NUL)]
ThreadKey = Annotated[str, Field(min_length=1, max_length=500, pattern=_NO_NUL)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class _Input(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class AuthorIn(_Input):
    """Who a guest says they are."""

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=_NAME_PATTERN)] = Field(
        description="Shown with the comment.", examples=["Li Wei"]
    )
    email: Annotated[str, Field(max_length=254)] | None = Field(
        default=None,
        description="Never shown; used for the avatar and for notifications.",
        examples=["reader@example.com"],
    )
    website: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="An http(s) address shown as a link on the name."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = unicodedata.normalize("NFC", value.strip())
        if not value:
            raise ValueError("must not be empty")
        if _BIDI.search(value) or any(unicodedata.category(ch) == "Cc" for ch in value):
            raise ValueError("contains characters that are not allowed")
        if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value):
            # Zero-width spaces and joiners alone would show as a blank name.
            raise ValueError("has no visible characters")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            checked = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError("is not valid") from exc
        return str(checked.normalized)

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError as exc:
            raise ValueError("must be an http or https address") from exc
        if parts.scheme.lower() not in ("http", "https") or not host or " " in value:
            raise ValueError("must be an http or https address")
        return value


class CommentIn(_Input):
    """A new comment or reply."""

    site: SiteSlug = Field(examples=["demo"])
    thread: ThreadKey = Field(
        description="The publisher's identifier for the article.", examples=["demo-article"]
    )
    url: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None,
        description="The article's address; required for the first comment on a page.",
        examples=["http://127.0.0.1:8000/"],
    )
    title: Annotated[str, Field(max_length=300)] | None = None
    parent_id: Id | None = Field(default=None, description="The comment this one replies to.")
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        description="Markdown; at most `MAX_BODY_LENGTH` characters (10,000 unless the "
        "service is set otherwise) after trimming.",
        examples=["I *agree*."],
    )
    author: AuthorIn | None = Field(
        default=None,
        description="Required from guests; left out when the request carries a sign-in "
        "token (`Authorization: Bearer`), which names the author.",
    )
    hp: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="Honeypot: a hidden form field that people leave empty."
    )
    notify: bool = Field(
        default=False,
        description="Email the author (`author.email` is then required) when someone replies "
        "directly to this comment. The first time an address asks on a site, it gets a "
        "confirmation email first.",
    )
    lang: Annotated[str, Field(max_length=35)] | None = Field(
        default=None,
        description="The reader's language for those emails (en, ru, zh-CN; others get en).",
        examples=["en"],
    )

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return " ".join(value.split())[:300] or None if value is not None else None


class CommentEdit(_Input):
    """New text for a reader's own comment."""

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        description="Markdown; at most `MAX_BODY_LENGTH` characters (10,000 unless the "
        "service is set otherwise) after trimming."
    )


class FlagIn(_Input):
    """A reader's report of a comment."""

    reason: Literal["spam", "abuse", "off_topic", "other"] = Field(examples=["abuse"])
    note: Annotated[str, Field(max_length=300)] | None = Field(
        default=None,
        description="Optional words for the moderator (with `other`, say what is wrong).",
        examples=["Posts the same link under every article."],
    )


class VoteIn(_Input):
    """A reader's vote on a comment."""

    value: Literal[1, -1, 0] = Field(description="1 up, -1 down, 0 takes the vote back.")

    @field_validator("value", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("must be 1, -1 or 0")
        return value


class MeQuery(BaseModel):
    """Query of ``GET /me``."""

    model_config = ConfigDict(extra="ignore")

    site: Annotated[str, Field(min_length=1, max_length=64)] = Field(examples=["demo"])
    thread: Annotated[str, Field(min_length=1, max_length=500)] = Field(examples=["demo-article"])


class ListQuery(BaseModel):
    """Query of ``GET /comments``."""

    model_config = ConfigDict(extra="ignore")

    site: SiteSlug = Field(examples=["demo"])
    thread: ThreadKey = Field(examples=["demo-article"])
    sort: Sort = "newest"
    cursor: Annotated[str, Field(min_length=1, max_length=600)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] | None = Field(
        default=None,
        description="Root comments per page; the service's `PAGE_SIZE` (20) if absent.",
    )
    around: Id | None = Field(
        default=None, description="Return the page that holds this comment (permalinks)."
    )


class RepliesQuery(BaseModel):
    """Query of ``GET /comments/{id}/replies``."""

    model_config = ConfigDict(extra="ignore")

    cursor: Annotated[str, Field(min_length=1, max_length=600)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 20


class CountsQuery(BaseModel):
    """Query of ``GET /counts``."""

    model_config = ConfigDict(extra="ignore")

    site: SiteSlug = Field(examples=["demo"])
    thread: Annotated[
        list[ThreadKey],
        Field(min_length=1, max_length=MAX_COUNTS_THREADS),
    ] = Field(examples=[["demo-article"]])


class ThreadFeedQuery(BaseModel):
    """Query of ``GET /feeds/thread.atom``."""

    model_config = ConfigDict(extra="ignore")

    site: SiteSlug = Field(examples=["demo"])
    thread: ThreadKey = Field(
        description="The thread's key: any characters, so it goes in the query.",
        examples=["demo-article"],
    )


class SiteFeedQuery(BaseModel):
    """Query of ``GET /feeds/site.atom``."""

    model_config = ConfigDict(extra="ignore")

    site: SiteSlug = Field(examples=["demo"])


class AuthorOut(BaseModel):
    """An author as readers see them (never their email)."""

    name: str
    avatar: str | None = Field(description="An image address, for signed-in users only.")
    hash: str = Field(description="16 hex digits to draw an avatar from locally.")
    website: str | None
    badges: list[str]


class Votes(BaseModel):
    """Vote tallies."""

    up: int
    down: int
    score: int


class InReplyTo(BaseModel):
    """The comment a reply answers."""

    id: int
    name: str


class CommentOut(BaseModel):
    """A comment, with the replies this response includes nested under it."""

    id: int
    parent_id: int | None
    depth: int
    html: str = Field(
        description="Sanitized HTML: the only field to insert as markup. Empty on a placeholder."
    )
    author: AuthorOut | None = Field(description="Null on a placeholder.")
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    edited_at: str | None = Field(json_schema_extra={"format": "date-time"})
    status: Literal["approved", "pending", "deleted", "removed"] = Field(
        description="`pending`: the author's own comment held for a moderator (only in the "
        "answer to their post or edit). `deleted` and `removed`: a placeholder."
    )
    deleted: bool = Field(
        description="A placeholder: the comment was deleted (`status` `deleted`: by its author, "
        "or by staff) or removed by a moderator (`removed`), and stays in its place, without "
        "its text, author or votes, for the replies under it. It goes when its last reply goes."
    )
    pinned: bool = Field(description="Shown first on the thread's first page.")
    featured: bool = Field(description="Picked out by a moderator.")
    votes: Votes
    reply_count: int = Field(description="Shown direct replies (placeholders among them).")
    in_reply_to: InReplyTo | None
    replies: list[CommentOut]
    replies_total: int | None = Field(
        description="Root comments: shown replies in the whole subtree (placeholders among them)."
    )
    replies_cursor: str | None = Field(
        description="Root comments: where to continue with GET /comments/{id}/replies."
    )


class VotedOut(BaseModel):
    """A comment's tallies after a vote, and the reader's vote as it now stands."""

    id: int
    value: Literal[1, -1, 0]
    votes: Votes


class UserOut(BaseModel):
    """A signed-in reader, as the publisher's token describes them."""

    name: str
    avatar: str | None
    badges: list[str]


class OwnOut(BaseModel):
    """One of the reader's comments on the thread."""

    id: int
    editable_until: str | None = Field(
        json_schema_extra={"format": "date-time"},
        description="Until when a signed-in author may edit or delete it (null for "
        "guests, who use the comment's edit token).",
    )


class MeOut(BaseModel):
    """What is personal to the reader on a thread; the page is the same for everyone."""

    user: UserOut | None = Field(description="The signed-in reader; null for guests.")
    comments: list[OwnOut] = Field(description="The reader's comments here, newest first.")
    votes: dict[str, Literal[1, -1]] = Field(description="The reader's votes by comment id.")
    guests_allowed: bool


class ThreadOut(BaseModel):
    """What the widget needs to know about a discussion."""

    key: str
    url: str | None
    title: str | None
    closed: bool = Field(description="Closed by a moderator or by the site's auto-close rule.")
    closed_message: str | None = Field(
        description="The site's own words for a closed thread (null while it is open, or "
        "when the site has none: then say it is closed in the reader's language)."
    )
    comment_count: int
    moderation: Literal["post", "pre"] = Field(
        description="The thread's own moderation mode if it has one, else the site's."
    )
    guests_allowed: bool = Field(
        description="Whether guests may post and vote; false when the site takes "
        "signed-in readers only."
    )


class PageOut(BaseModel):
    """One page of a thread."""

    site: str
    thread: ThreadOut
    sort: Sort
    comments: list[CommentOut]
    next_cursor: str | None = Field(description="The roots after this page, if any.")
    prev_cursor: str | None = Field(
        description="The roots before this page (newer ones, for `newest`), if any: set on "
        "permalink pages and pages reached by `next_cursor`."
    )


class RepliesOut(BaseModel):
    """More replies under a root comment, flat, in posting order."""

    comments: list[CommentOut]
    next_cursor: str | None


class HoldReason(BaseModel):
    """One reason a comment waits for a moderator."""

    code: str = Field(examples=["premoderated", "too_many_links"])
    params: dict[str, int | str | dict[str, int]] = Field(
        examples=[{"count": 5, "limit": 3}, {"count": 3, "reasons": {"abuse": 2, "spam": 1}}]
    )
    message: str = Field(description="The reason in English, for clients without their own words.")


class PostedOut(BaseModel):
    """A stored comment; ``held`` when it waits for a moderator, and why."""

    comment: CommentOut
    edit_token: str = Field(description="Lets this browser edit or delete the comment.")
    editable_until: str = Field(
        json_schema_extra={"format": "date-time"},
        description="Until when the edit token lets its holder edit or delete.",
    )
    held: bool
    reason: str | None = Field(description="Why it is held, in English; null when shown.")
    reasons: list[HoldReason]
    notify: Literal["active", "confirm"] | None = Field(
        default=None,
        description="Reply emails asked with `notify`: `active`, or `confirm` when a "
        "confirmation email was sent first (tell the reader to check their inbox).",
    )


class FlagOut(BaseModel):
    """The answer to a report: the same whether it is the reader's first or a repeat."""

    reported: Literal[True]


class CountsOut(BaseModel):
    """Visible comments per thread key."""

    counts: dict[str, int]


class Problem(BaseModel):
    """An error (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str = Field(description="A message fit to show to a reader.")
    code: str = Field(description="A stable machine-readable reason.")
    errors: dict[str, str] | None = Field(default=None, description="Messages per field.")
    retry_after: int | None = Field(default=None, description="Seconds to wait (429).")
