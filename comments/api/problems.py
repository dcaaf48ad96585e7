"""Error responses of the API: RFC 9457 problem details, with a ``code`` for widgets."""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

from flask import Response, json, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from comments import errors, limits

PROBLEM_JSON = "application/problem+json"

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}

_FRIENDLY = {
    413: "That is too much text to send at once.",
    429: "You are posting too quickly.",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str,
    title: str | None = None,
    field_errors: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Return a problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field_errors:
        body["errors"] = field_errors
    if extra:
        body.update(extra)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def from_domain(exc: errors.CommentsError) -> Response:
    """Turn a domain error into its problem response."""
    extra = {"retry_after": exc.retry_after} if isinstance(exc, errors.RateLimited) else None
    response = problem(
        exc.status,
        exc.detail,
        code=exc.code,
        title=exc.title,
        field_errors=exc.errors or None,
        extra=extra,
    )
    if isinstance(exc, errors.RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


_MESSAGES = {
    "missing": "is required",
    "string_too_short": "must not be empty",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
    "literal_error": "is not one of the allowed values",
    "value_error": "is not valid",
    "dict_type": "must be an object",
    "list_type": "must be a list",
    "model_type": "must be an object",
}


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    if kind == "string_pattern_mismatch":
        return "contains characters that are not allowed"
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    return _MESSAGES.get(kind, str(error.get("msg", "is not valid")))


# How a field is named in a sentence a reader sees under it.
_LABELS = {
    "body": "Your comment",
    "author": "The author",
    "author.name": "Your name",
    "author.email": "Your email address",
    "author.website": "Your website",
    "url": "The page address",
    "title": "The page title",
    "parent_id": "The comment you reply to",
    "thread": "The thread key",
    "site": "The site",
    "reason": "The reason",
    "note": "Your note",
}


def _sentence(name: str, fragment: str) -> str:
    label = _LABELS.get(name, f"The field {name!r}")
    return f"{label} {fragment}."


def from_validation(exc: ValidationError, status: int = 422) -> Response:
    """Turn a pydantic validation error into per-field sentences a reader can act on."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        name = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(name, _sentence(name, _message(error)))
    summary = " ".join(fields.values())
    return problem(
        status,
        f"Please check the form. {summary}",
        code="validation" if status == 422 else "bad_request",
        title="Invalid input",
        field_errors=fields,
    )


def from_http(exc: HTTPException) -> Response:
    """Render an HTTP error raised by Flask, Werkzeug or the limiter as a problem."""
    status = exc.code or 500
    code = _HTTP_CODES.get(status, "error")
    extra: dict[str, Any] | None = None
    detail = _FRIENDLY.get(status) or exc.description or _title(status)
    if status == 429:
        current = limits.current_limit()
        if current is not None:
            wait = max(1, int(current.reset_at - time.time()))
            extra = {"retry_after": wait}
            detail = f"You are posting too quickly. Please try again in {wait} seconds."
    response = problem(status, detail, code=code, extra=extra)
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def is_api_request() -> bool:
    """Tell whether the current request is for the JSON API."""
    return request.path.startswith("/api/")
