"""Routes of the public API.

Limits checked before a view runs are declared in ``limits.ROUTES``; writes
are counted by ``limits.admit_post`` and ``limits.admit_edit`` once they are
known to be acceptable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from comments import errors, identity, limits, posting, readers, reports, threads, votes
from comments.api import bp, cache, cors, problems, serialize
from comments.api.schemas import (
    MAX_ID,
    MAX_LIMIT,
    CommentEdit,
    CommentIn,
    CountsOut,
    CountsQuery,
    FlagIn,
    FlagOut,
    ListQuery,
    MeOut,
    MeQuery,
    PageOut,
    PostedOut,
    RepliesOut,
    RepliesQuery,
    VotedOut,
    VoteIn,
)
from comments.api.spec import document, operation
from comments.database import unit_of_work
from comments.models import utcnow

M = TypeVar("M", bound=BaseModel)


class _UnsupportedMediaType(errors.CommentsError):
    status = 415
    title = "Unsupported media type"
    code = "unsupported_media_type"


class _Invalid(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _Invalid(problems.from_validation(exc)) from exc


_COMMENT_ID = {"comment_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}

# Query parameters that may repeat (``thread=a&thread=b``), per model.
_REPEATED: dict[type[BaseModel], tuple[str, ...]] = {CountsQuery: ("thread",)}


def _query(model: type[M]) -> M:
    """Return the request's query parsed into ``model``, or raise _Invalid.

    Widgets and section pages send the same few query strings over and over;
    the parsed model of each (a pure function of the string) is kept for the
    next request with the same one. Views only read the model they are given.
    """
    raw = request.query_string
    if len(raw) > _MEMO_QUERY_BYTES:
        return _parse_query(model)
    key = (model, raw)
    parsed = _QUERIES.get(key)
    if parsed is None:
        parsed = _parse_query(model)  # raises for a bad query: nothing kept
        with _QUERIES_LOCK:
            while len(_QUERIES) >= _MEMO_QUERIES:
                _QUERIES.pop(next(iter(_QUERIES)))  # the oldest goes
            _QUERIES[key] = parsed
    return parsed  # type: ignore[return-value]


def _parse_query(model: type[M]) -> M:
    args: dict[str, Any] = request.args.to_dict(flat=True)
    for name in _REPEATED.get(model, ()):
        args[name] = request.args.getlist(name)
    return _parse(model, args)


_MEMO_QUERIES = 512
_MEMO_QUERY_BYTES = 4096
_QUERIES: dict[tuple[type[BaseModel], bytes], BaseModel] = {}
_QUERIES_LOCK = threading.Lock()


def _json_body() -> Any:
    if request.mimetype != "application/json":
        raise _UnsupportedMediaType("Send the comment as JSON (Content-Type: application/json).")
    payload = request.get_json(silent=True, cache=True)
    if payload is None:
        raise errors.CommentsError("The request body is not valid JSON.", code="bad_json")
    if not isinstance(payload, dict):
        raise errors.CommentsError("The request body must be a JSON object.", code="bad_json")
    return payload


@bp.errorhandler(_Invalid)
def _invalid(exc: _Invalid) -> Response:
    return exc.response


@bp.errorhandler(errors.CommentsError)
def _domain_error(exc: errors.CommentsError) -> Response:
    return problems.from_domain(exc)


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response | HTTPException:
    if problems.is_api_request():
        return problems.from_http(exc)
    return exc


def _reader() -> readers.Reader:
    """Return who the request says sends it: its sign-in token and reader id, if any."""
    token = None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise errors.Unauthorized(
                "Send the sign-in token as 'Authorization: Bearer <token>'.", code="sso_malformed"
            )
        token = value.strip()
    reader_id = request.headers.get("X-Comments-Reader")
    return readers.Reader(token, reader_id, request.remote_addr)


def _auth() -> readers.Auth:
    config = current_app.config
    return readers.Auth(config["SECRET_KEY"], config["SSO_ROTATION_GRACE"])


_SIGNED_IN = {
    "Authorization": {
        "required": False,
        "description": "`Bearer <token>`: the publisher's sign-in token for its user "
        "(an HS256 JWT signed with the site's SSO secret).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 4200},
    },
}
_READER = {
    "X-Comments-Reader": {
        "required": False,
        "description": "A random id the widget keeps in the browser: how a guest's votes "
        "and own comments are known (hashed with the address; never stored).",
        "schema": {"type": "string", "minLength": 1, "maxLength": readers.MAX_READER_ID},
    },
}
_UNAUTHORIZED: dict[int, tuple[str, type[BaseModel] | None]] = {
    401: (
        "The sign-in token does not hold; `code` says why (sso_expired, sso_bad_signature, "
        "sso_unsigned, sso_bad_algorithm, sso_malformed, sso_wrong_site, sso_not_yet_valid, "
        "sso_not_configured).",
        None,
    ),
}


@bp.get("/comments")
@operation(
    "GET",
    "/comments",
    summary="Read one page of a thread",
    description="Root comments with the first of their replies nested under them.",
    query=ListQuery,
    responses={200: ("A page (empty when nobody has commented yet).", PageOut)},
)
def list_comments() -> Response:
    """Return one page of a thread."""
    q = _query(ListQuery)
    threads.check_page_query(q.sort, q.cursor)
    version = cache.while_unchanged(
        ("version", q.site, q.thread), lambda: threads.version_of(q.site, q.thread)
    )
    g.cors_site = version
    per_root = current_app.config["REPLIES_PER_ROOT"]
    limit = q.limit or min(int(current_app.config["PAGE_SIZE"]), MAX_LIMIT)
    key = (
        *(version.site_id, version.moderation, version.thread_id, version.thread_version),
        version.auto_closed(utcnow()),
        *(q.thread, q.sort, q.cursor, limit, q.around, per_root),
    )

    def build() -> dict[str, Any]:
        page = threads.get_page(
            q.site, q.thread, sort=q.sort, cursor=q.cursor, limit=limit,
            around=q.around, replies_per_root=per_root,
        )  # fmt: skip
        return serialize.page(page)

    return cache.json_page(
        key, build, tally=version.tally_version, tally_ttl=current_app.config["VOTE_TALLY_TTL"]
    )


@bp.get("/comments/<int:comment_id>/replies")
@operation(
    "GET",
    "/comments/{comment_id}/replies",
    summary="Read more replies under a root comment",
    query=RepliesQuery,
    path_params=_COMMENT_ID,
    responses={200: ("Replies, flat, in posting order.", RepliesOut)},
)
def list_replies(comment_id: int) -> Response:
    """Return the next replies under a root comment."""
    q = _query(RepliesQuery)
    result = threads.get_replies(comment_id, cursor=q.cursor, limit=q.limit)
    return jsonify(serialize.replies(result))


@bp.post("/comments")
@operation(
    "POST",
    "/comments",
    summary="Post a comment or a reply",
    description="As a guest (`author` with a name), or as the publisher's signed-in "
    "user (`Authorization: Bearer <token>`; `author` is then left out).",
    body=CommentIn,
    header_params={**_SIGNED_IN, **_READER},
    responses={
        201: ("Posted and visible.", PostedOut),
        202: ("Posted and held for a moderator; `reason` says why.", PostedOut),
        **_UNAUTHORIZED,
        403: (
            "The thread is closed, the page's origin is not the site's, or the site takes "
            "signed-in readers only (`sign_in_required`).",
            None,
        ),
        409: ("The same comment was already posted here.", None),
        413: ("The request is too large.", None),
        415: ("The body is not JSON.", None),
        429: ("Too many posts from this address; see `Retry-After`.", None),
    },
)
def post_comment() -> tuple[Response, int]:
    """Store a new comment or reply."""
    data = _parse(CommentIn, _json_body())
    guest = data.author
    new = posting.NewComment(
        site=data.site,
        thread=data.thread,
        body=data.body,
        name=guest.name if guest else None,
        email=guest.email if guest else None,
        website=guest.website if guest else None,
        url=data.url,
        title=data.title,
        parent_id=data.parent_id,
        honeypot=data.hp,
        remote_addr=request.remote_addr,
        origin=request.headers.get("Origin"),
        notify=data.notify,
        lang=data.lang,
        reader=_reader(),
    )
    with unit_of_work():
        posted = posting.create_comment(new, _policy(admit=limits.admit_post))
    cors.answer_for(posted.site)
    token = identity.issue_edit_token(current_app.config["SECRET_KEY"], posted.comment.id)
    return jsonify(serialize.posted(posted, token)), 202 if posted.held else 201


def _policy(*, admit: Callable[[], None] | None = None) -> posting.Policy:
    config = current_app.config
    return posting.Policy(
        secret=config["SECRET_KEY"],
        max_links=config["SPAM_MAX_LINKS"],
        edit_window=config["EDIT_WINDOW"],
        max_body_length=config["MAX_BODY_LENGTH"],
        admit=admit,
        sso_grace=config["SSO_ROTATION_GRACE"],
    )


_EDIT_TOKEN = {
    "X-Edit-Token": {
        "required": False,
        "description": "The `edit_token` the comment was posted with (not needed by a "
        "signed-in author, whose sign-in token says who they are).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 500},
    },
    **_SIGNED_IN,
}
_CHANGE_ERRORS: dict[int, tuple[str, type[BaseModel] | None]] = {
    **_UNAUTHORIZED,
    403: ("Not the author's token, the edit window is over, or the thread is closed.", None),
    413: ("The request is too large.", None),
    415: ("The body is not JSON.", None),
    429: ("Too many edits and deletes from this address; see `Retry-After`.", None),
}


@bp.patch("/comments/<int:comment_id>")
@operation(
    "PATCH",
    "/comments/{comment_id}",
    summary="Edit your own comment",
    description="Within the site's edit window, with the comment's edit token.",
    body=CommentEdit,
    path_params=_COMMENT_ID,
    header_params=_EDIT_TOKEN,
    responses={
        200: ("Edited; `held` when the new text waits for a moderator.", PostedOut),
        **_CHANGE_ERRORS,
    },
)
def edit_comment(comment_id: int) -> Response:
    """Replace the text of the caller's own comment."""
    data = _parse(CommentEdit, _json_body())
    limits.admit_edit()
    token = request.headers.get("X-Edit-Token")
    with unit_of_work():
        posted = posting.edit_comment(
            comment_id, token, data.body, _policy(), origin=request.headers.get("Origin"),
            reader=_reader(),
        )  # fmt: skip
    return jsonify(serialize.posted(posted, token or ""))


@bp.delete("/comments/<int:comment_id>")
@operation(
    "DELETE",
    "/comments/{comment_id}",
    summary="Delete your own comment",
    description="Within the site's edit window, with the comment's edit token. A comment "
    "with replies stays in its place as a placeholder (`deleted: true`, no text, no author) "
    "for as long as a reply under it is shown; one without replies goes.",
    path_params=_COMMENT_ID,
    header_params=_EDIT_TOKEN,
    responses={204: ("Deleted.", None), **_CHANGE_ERRORS},
)
def delete_comment(comment_id: int) -> tuple[str, int]:
    """Delete the caller's own comment."""
    limits.admit_edit()
    token = request.headers.get("X-Edit-Token")
    with unit_of_work():
        posting.delete_comment(
            comment_id, token, _policy(), origin=request.headers.get("Origin"), reader=_reader()
        )
    return "", 204


@bp.post("/comments/<int:comment_id>/flag")
@operation(
    "POST",
    "/comments/{comment_id}/flag",
    summary="Report a comment to the moderators",
    description="One report per reader per comment: a repeat is answered the same way and "
    "counts nothing more. Enough readers' reports (the site's `report_threshold`, 3 unless "
    "set otherwise) hold the comment for a moderator. Limited by `RATELIMIT_FLAG`.",
    body=FlagIn,
    path_params=_COMMENT_ID,
    header_params=_SIGNED_IN,
    responses={
        **_UNAUTHORIZED,
        202: ("Taken; a moderator will look at it.", FlagOut),
        403: ("The page's origin is not the site's.", None),
        404: ("No such comment, or it is not shown.", None),
        413: ("The request is too large.", None),
        415: ("The body is not JSON.", None),
    },
)
def flag_comment(comment_id: int) -> tuple[Response, int]:
    """Take one reader's report of a comment."""
    data = _parse(FlagIn, _json_body())
    reporter = reports.guest_reporter(current_app.config["SECRET_KEY"], request.remote_addr)
    with unit_of_work():
        reported = reports.report(
            comment_id,
            data.reason,
            reporter=reporter,
            note=data.note,
            origin=request.headers.get("Origin"),
            reader=_reader(),
            auth=_auth(),
        )
        if reported.new:
            limits.admit_flag()
    return jsonify({"reported": True}), 202


@bp.post("/comments/<int:comment_id>/vote")
@operation(
    "POST",
    "/comments/{comment_id}/vote",
    summary="Vote on a comment",
    description="One vote per reader per comment: a signed-in reader by their sign-in "
    "token, a guest by `X-Comments-Reader`. `0` takes the vote back; repeating a vote "
    "changes nothing. Not on one's own comment. Limited by `RATELIMIT_VOTE`. Pages show "
    "new tallies within `VOTE_TALLY_TTL` seconds.",
    body=VoteIn,
    path_params=_COMMENT_ID,
    header_params={**_SIGNED_IN, **_READER},
    responses={
        200: ("The comment's tallies now.", VotedOut),
        **_UNAUTHORIZED,
        403: (
            "Your own comment, a closed thread, a foreign origin, or a site that takes "
            "signed-in readers only.",
            None,
        ),
        404: ("No such comment, or it is not shown.", None),
        413: ("The request is too large.", None),
        415: ("The body is not JSON.", None),
    },
)
def vote_comment(comment_id: int) -> Response:
    """Record the reader's vote on a comment."""
    data = _parse(VoteIn, _json_body())
    reader = _reader()
    with unit_of_work():
        voted = votes.vote(
            comment_id, data.value, reader, _auth(), now=utcnow(),
            origin=request.headers.get("Origin"), admit=limits.admit_vote,
        )  # fmt: skip
    return jsonify(serialize.voted(voted))


@bp.get("/me")
@operation(
    "GET",
    "/me",
    summary="Read what is personal to the reader on a thread",
    description="Who is signed in, the reader's comments there (and until when a signed-in "
    "author may change them), their votes. Never cached by shared caches; the page "
    "itself (`GET /comments`) is the same for every reader.",
    query=MeQuery,
    header_params={**_SIGNED_IN, **_READER},
    responses={200: ("The reader's state on the thread.", MeOut), **_UNAUTHORIZED},
)
def me() -> Response:
    """Return the reader's own comments, votes and sign-in on a thread."""
    q = _query(MeQuery)
    found = readers.personal(
        q.site, q.thread, _reader(), _auth(), now=utcnow(),
        edit_window=current_app.config["EDIT_WINDOW"],
    )  # fmt: skip
    response = jsonify(serialize.me(found))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/counts")
@operation(
    "GET",
    "/counts",
    summary="Count visible comments of many threads",
    description="For section pages: up to 100 `thread` parameters in one request.",
    query=CountsQuery,
    responses={200: ("Counts by thread key; 0 for threads nobody commented on.", CountsOut)},
)
def counts() -> Response:
    """Return visible comment counts for many threads."""
    q = _query(CountsQuery)
    found = cache.while_unchanged(
        ("counts", q.site, tuple(q.thread)), lambda: threads.counts(q.site, q.thread)
    )
    return jsonify({"counts": found})


@bp.get("/openapi.json")
def openapi() -> Response:
    """Return the OpenAPI document of this API."""
    return jsonify(document(request.host_url.rstrip("/") + "/api/v1"))
