"""Domain exceptions.

Domain modules raise these; each blueprint turns them into its own kind of
response (problem JSON for the API, a page for the admin). Nothing here knows
about Flask.
"""

from __future__ import annotations


class CommentsError(Exception):
    """Base of every error the domain raises on purpose."""

    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(
        self, detail: str, *, errors: dict[str, str] | None = None, code: str | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        if code is not None:
            self.code = code


class ValidationFailed(CommentsError):
    """Input that is well-formed but not acceptable; ``errors`` names the fields."""

    status = 422
    title = "Invalid input"
    code = "validation"


class NotFound(CommentsError):
    """The site, thread or comment named does not exist (or is not visible)."""

    status = 404
    title = "Not found"
    code = "not_found"


class Unauthorized(CommentsError):
    """Credentials that were sent but are not good (an expired or badly signed SSO token)."""

    status = 401
    title = "Unauthorized"
    code = "unauthorized"


class Forbidden(CommentsError):
    """The request is understood but not allowed (closed thread, foreign origin)."""

    status = 403
    title = "Forbidden"
    code = "forbidden"


class Conflict(CommentsError):
    """The request clashes with what is stored (a duplicate comment, a taken slug)."""

    status = 409
    title = "Conflict"
    code = "conflict"


class MarkupRefused(ValidationFailed):
    """Markdown the renderer will not process (too deeply nested, too large)."""


class Spam(CommentsError):
    """A comment the spam guards refuse outright (not merely hold)."""

    status = 400
    title = "Comment refused"
    code = "spam"


class RateLimited(CommentsError):
    """Too many writes from one client; ``retry_after`` is how many seconds to wait."""

    status = 429
    title = "Too Many Requests"
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ImportFailed(CommentsError):
    """An export file that cannot be imported (malformed, hostile, of another format)."""

    status = 422
    title = "Import failed"
    code = "import_failed"
