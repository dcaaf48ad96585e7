"""The one way a comment's status changes.

:func:`set_status` places a new comment (visible or held) and moves an
existing one between ``pending``, ``approved``, ``rejected``, ``spam`` and
``deleted``. In the caller's unit of work it keeps right what depends on the
status: the thread's visible count and last activity, the reply counts of the
comment's parent and root, the reasons it is held, and (through the session
hook in ``versions``) the thread's version, so cached pages are never stale.
The moderation desk extends it with the audit log, and listeners registered
with :func:`on_change` (the outbox of ``comments.notifications``) run in the
same unit of work whenever a status changes.

Setting ``Comment.status`` anywhere else raises: the model refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import bindparam, case, event, func, insert, inspect, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from comments import audit, database, errors, maintenance, markup, versions
from comments import reasons as reason_codes
from comments.extensions import db
from comments.models import AuditEvent, Comment, CommentRevision, Status, Thread, utcnow

_CHANGING: ContextVar[bool] = ContextVar("comments_changing_status", default=False)


@contextmanager
def _changing() -> Iterator[None]:
    token = _CHANGING.set(True)
    try:
        yield
    finally:
        _CHANGING.reset(token)


@event.listens_for(Comment.status, "set", propagate=True)
def _only_through_set_status(_target: Any, value: Any, _old: Any, _initiator: Any) -> None:
    if not _CHANGING.get():
        raise RuntimeError("a comment's status changes only through moderation.set_status()")


#: Called as ``listener(comment, old, new)`` after every change of status, in
#: the caller's unit of work (``old`` is None for a new comment).
Listener = Callable[[Comment, "Status | None", Status], None]
_LISTENERS: list[Listener] = []


def on_change(listener: Listener) -> Listener:
    """Register ``listener`` to run, in the same transaction, after each status change."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def is_visible(status: str | None) -> bool:
    """Tell whether readers see a comment in this status."""
    return status == Status.APPROVED


def is_shown(status: str | None, reply_count: int) -> bool:
    """Tell whether a comment has a place on the page: visible, or a placeholder.

    A comment that is not visible (deleted by its author, removed by a
    moderator, held again) but has shown replies stays in its place as a
    placeholder without its text or author, so that its replies keep their
    context. ``reply_count`` counts the shown direct replies, placeholders
    among them, so a chain of placeholders above one visible reply stays,
    and goes when that reply goes.
    """
    return is_visible(status) or (status is not None and reply_count > 0)


def set_status(
    comment: Comment,
    status: Status,
    *,
    reasons: list[reason_codes.Reason] | None = None,
    actor: audit.Actor | None = None,
    note: str | None = None,
) -> bool:
    """Give ``comment`` its (first or next) status; return whether anything changed.

    ``reasons`` says why a ``pending`` comment is held; a comment leaving
    ``pending`` keeps its reasons for the record. A change made by staff
    (``actor``) goes into the audit log with ``note``. Never commits.
    """
    status = Status(status)
    old = comment.status
    if old == status and reasons is None:
        return False
    if actor is not None:
        _audit(
            actor,
            f"comment.{status}",
            comment,
            reason=note,
            before={"status": str(old) if old else None},
            after={"status": str(status)},
        )
    if actor is not None and status == Status.APPROVED and _held_for_reports(comment, old):
        comment.reports_cleared_at = utcnow()  # readers' reports never hold it again
    with _changing():
        comment.status = status
    if reasons is not None:
        comment.hold_reasons = list(reasons)
    if comment.pinned and not is_visible(status):
        comment.pinned = False  # pinned implies shown: a thread's pins stay few
    _write(comment, old, status)
    replies = _reply_count(comment) if old is not None else 0
    if is_shown(old, replies) != is_shown(status, replies):
        _count_shown(comment, +1 if is_shown(status, replies) else -1)
    if old != status:
        for listener in _LISTENERS:
            listener(comment, old, status)
    return old != status


def _write(comment: Comment, old: Status | None, status: Status) -> None:
    """Store the comment in its new status; move the thread's count if it appears or goes."""
    appears_or_goes = is_visible(old) != is_visible(status)
    if old is None and inspect(comment).transient:
        # The session hook does not see this INSERT: the version moves with the count.
        if appears_or_goes and db.engine.dialect.name == "postgresql":
            _insert_new(comment, counted=True)
        else:
            _insert_new(comment)
            if appears_or_goes:
                _count_visible(comment, +1)
        return
    if comment not in db.session:
        db.session.add(comment)
    if appears_or_goes:
        # The counter UPDATE below moves the thread's version as well: one
        # statement per change instead of two (the hook leaves this one alone).
        with versions.counted(db.session(), comment):
            db.session.flush()
        _count_visible(comment, +1 if is_visible(status) else -1)
    else:
        db.session.flush()


# Every column back, defaults included: the object needs nothing loaded later.
_COMMENT_TABLE = Comment.__table__
_INSERT_COMMENT = insert(_COMMENT_TABLE).returning(*_COMMENT_TABLE.c)
_COMMENT_COLUMNS = tuple(column.key for column in _COMMENT_TABLE.c)


def _insert_new(comment: Comment, *, counted: bool = False) -> None:
    """Store a new ``comment`` with one ``INSERT ... RETURNING``; keep the object as its row.

    Every post comes through here (inside SQLite's write lock), and the ORM's
    flush of a single new object costs several times the statement itself.
    Columns left unset get the model's defaults (Core applies the Python
    ones, the database its own), the row comes back whole, and ``comment``
    joins the session as that stored row: persistent, clean, nothing expired.
    Anything else pending in the session is flushed first, so the row's
    references exist. The session hook in ``versions`` never sees this
    INSERT: a new comment that is visible moves its thread's version in the
    counter UPDATE that follows; a held one changes no page. With ``counted``
    (PostgreSQL, a visible comment) that UPDATE rides in the same statement,
    as a data-modifying CTE: one round trip fewer on every post.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()
    given: dict[str, Any] = inspect(comment).dict
    values = {key: given[key] for key in _COMMENT_COLUMNS if key in given}
    for key, related in (("author_id", comment.author), ("thread_id", comment.thread)):
        if values.get(key) is None and related is not None:
            values[key] = related.id
    if counted:
        row = session.connection().execute(*_placed_and_counted(values)).one()
    else:
        row = session.connection().execute(_INSERT_COMMENT, values).one()
    for key, value in row._mapping.items():
        set_committed_value(comment, key, value)
    make_transient_to_detached(comment)
    session.add(comment)


def _placed_and_counted(values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Return one statement (and its parameters) that inserts a comment and counts it.

    ``INSERT ... RETURNING`` and the thread's counter ``UPDATE`` of
    :func:`_count_visible`, as two CTEs of one ``SELECT``: PostgreSQL runs
    both, once each, in one snapshot. The statement is built once, for every
    column: the Python-side defaults are filled in here (the UPDATE needs the
    comment's ``created_at`` anyway).
    """
    params: dict[str, Any] = {}
    for column in _COMMENT_TABLE.c:
        if column.primary_key:
            continue
        if column.key in values:
            params[column.key] = values[column.key]
        else:
            default = database.python_default(column)
            params[column.key] = None if default is database.NO_DEFAULT else default
    at = params["created_at"]
    return _PLACED_AND_COUNTED, {
        **{f"c_{key}": value for key, value in params.items()},
        "tid": params["thread_id"],
        "at": at,
        "at_again": at,
        "at_third": at,
    }


def place_imported(rows: list[dict[str, Any]]) -> list[int]:
    """Store a batch of imported comments in their statuses; return their ids, in order.

    Imported comments keep the state they had elsewhere (approved, deleted,
    spam...). One INSERT places the whole batch (an export holds hundreds of
    thousands of comments; on PostgreSQL a COPY, see
    :func:`database.copy_rows`), so the session hook does not see it: the
    threads that gain a visible comment get a new version here. Counters are
    not moved one comment at a time either, since the tree is linked only
    once the whole file is read: the importer calls :func:`recount_imported`
    for every thread it touched, in the same run. Never commits.
    """
    if not rows:
        return []
    for row in rows:
        row["status"] = Status(row["status"])
        if row.get("pinned") and not is_visible(row["status"]):
            row["pinned"] = False  # pinned implies shown
    ids = database.copy_rows(Comment.__table__, rows, ids=True)  # PostgreSQL: COPY
    if ids is None:
        statement = insert(Comment).returning(Comment.id, sort_by_parameter_order=True)
        ids = list(db.session.execute(statement, rows).scalars())
    shown = {row["thread_id"] for row in rows if is_visible(row["status"])}
    versions.touch(db.session(), shown)
    return ids


def recount_imported(thread_ids: list[int]) -> set[int]:
    """Rebuild the counters and last activity of threads an import placed comments in.

    The same rebuild as ``comments recount``, set-based for many threads
    (idempotent: a second run changes nothing and moves no version); returns
    the threads that were wrong.
    """
    return maintenance.recount_threads(thread_ids)


def _held_for_reports(comment: Comment, old: Status | None) -> bool:
    return old not in (None, Status.APPROVED) and any(
        reason.get("code") == reason_codes.REPORTED for reason in comment.hold_reasons or []
    )


# Built once: these run on every post, inside the write lock.
_APPEARED = (
    update(Thread)
    .where(Thread.id == bindparam("tid"))
    .values(
        comment_count=Thread.comment_count + 1,
        version=Thread.version + 1,
        last_comment_at=case(
            (Thread.last_comment_at.is_(None), bindparam("at")),
            (Thread.last_comment_at < bindparam("at_again"), bindparam("at_third")),
            else_=Thread.last_comment_at,
        ),
    )
)
# Built once, like the statements above: PostgreSQL's one-round-trip placement.
_PLACED_AND_COUNTED = select(
    insert(_COMMENT_TABLE)
    # Prefixed: an UPDATE sets every column whose key is among the parameters.
    .values({c.key: bindparam(f"c_{c.key}") for c in _COMMENT_TABLE.c if not c.primary_key})
    .returning(*_COMMENT_TABLE.c)
    .cte("placed")
).add_cte(_APPEARED.cte("counted"))
_NEWEST_VISIBLE = (
    select(func.max(Comment.created_at))
    .where(Comment.thread_id == bindparam("tid_inner"), Comment.status == Status.APPROVED)
    .scalar_subquery()
)
_WENT = (
    update(Thread)
    .where(Thread.id == bindparam("tid"))
    .values(
        comment_count=Thread.comment_count - 1,
        version=Thread.version + 1,
        last_comment_at=_NEWEST_VISIBLE,
    )
)
_COUNT_ANCESTORS = (
    update(Comment)
    .where(Comment.id.in_([bindparam("parent"), bindparam("root")]))
    .values(
        reply_count=Comment.reply_count
        + case((Comment.id == bindparam("parent_again"), bindparam("d_reply")), else_=0),
        descendant_count=Comment.descendant_count
        + case((Comment.id == bindparam("root_again"), bindparam("d_desc")), else_=0),
    )
)


_SHOWN_STATE = select(Comment.status, Comment.reply_count).where(Comment.id == bindparam("cid"))


def _count_visible(comment: Comment, delta: int) -> None:
    """Move the thread's visible count, last activity and version when ``comment`` appears or goes.

    Counters change with ``x = x + delta`` in SQL so that concurrent writers
    on PostgreSQL never lose an update.
    """
    connection = db.session.connection()
    if delta > 0:
        at = comment.created_at
        connection.execute(
            _APPEARED, {"tid": comment.thread_id, "at": at, "at_again": at, "at_third": at}
        )
    else:
        connection.execute(_WENT, {"tid": comment.thread_id, "tid_inner": comment.thread_id})


def _reply_count(comment: Comment) -> int:
    # Read from the row: the counters move in SQL, past the session's copy.
    row = db.session.connection().execute(_SHOWN_STATE, {"cid": comment.id}).first()
    return int(row[1]) if row is not None else 0


def _count_shown(comment: Comment, delta: int) -> None:
    """Move the reply counters of the ancestors when ``comment`` takes (+1) or leaves its place.

    Each step moves the parent's shown direct replies and the root's shown
    replies in one statement (the parent and the root are often the same
    row). When the parent is a placeholder whose first reply appeared or
    whose last one went, the parent itself appears or goes, one level up:
    the walk goes on only through placeholders, so it costs nothing more
    when every ancestor is visible.
    """
    connection = db.session.connection()
    current = comment
    while current.parent_id is not None and current.root_id is not None:
        parent_id = current.parent_id
        connection.execute(
            _COUNT_ANCESTORS,
            {
                "parent": parent_id,
                "root": current.root_id,
                "parent_again": parent_id,
                "root_again": current.root_id,
                "d_reply": delta,
                "d_desc": delta,
            },
        )
        parent = db.session.get(Comment, parent_id)
        if parent is None or is_visible(parent.status):
            return
        replies = _reply_count(parent)
        if is_shown(parent.status, replies - delta) == is_shown(parent.status, replies):
            return
        current = parent


def _audit(actor: audit.Actor, action: str, comment: Comment, **event: Any) -> None:
    """Record a staff action on a comment, under the comment's site."""
    thread = db.session.get(Thread, comment.thread_id)
    audit.record(
        actor,
        action,
        site_id=thread.site_id if thread else None,
        target=("comment", comment.id),
        **event,
    )


DECISIONS: dict[str, Status | None] = {
    "approve": Status.APPROVED,
    "reject": Status.REJECTED,
    "spam": Status.SPAM,
    "delete": Status.DELETED,
    "restore": None,  # back to what it was before it was removed
}
_REMOVED = (Status.REJECTED, Status.SPAM, Status.DELETED)


def decide(
    comment_id: int,
    decision: str,
    *,
    actor: audit.Actor,
    note: str | None = None,
    site_ids: list[int] | None = None,
) -> Comment:
    """Apply a staff decision to one comment in the caller's unit of work.

    ``site_ids`` limits the decision to the sites the actor moderates (None:
    any, for operators at the command line); a comment elsewhere is as good
    as missing. ``restore`` brings a removed comment back to the status it
    had before its last removal by staff, or shows it when the log does not
    say (its author deleted it).
    """
    if decision not in DECISIONS:
        raise errors.ValidationFailed(
            f"Unknown decision {decision!r}.",
            errors={"decision": "must be approve, reject, spam, delete or restore"},
        )
    database.writing()
    comment = staff_comment(comment_id, site_ids)
    target = DECISIONS[decision]
    if target is None:
        if comment.status not in _REMOVED:
            raise errors.Conflict(
                f"Comment {comment_id} is {comment.status}, not removed: nothing to restore.",
                code="not_removed",
            )
        target = _status_before_removal(comment)
    set_status(comment, target, actor=actor, note=note)
    return comment


def staff_comment(comment_id: int, site_ids: list[int] | None) -> Comment:
    """Return a comment on one of ``site_ids`` (None: any), or raise NotFound.

    A comment of any other site is answered as missing, so staff learn
    nothing of sites they do not moderate.
    """
    comment = database.find(Comment, comment_id)
    thread = db.session.get(Thread, comment.thread_id) if comment is not None else None
    if (
        comment is None
        or thread is None
        or (site_ids is not None and thread.site_id not in site_ids)
    ):
        raise errors.NotFound(f"There is no comment {comment_id}.")
    return comment


def _status_before_removal(comment: Comment) -> Status:
    events = db.session.scalars(
        audit.query(target=("comment", comment.id)).where(AuditEvent.action.like("comment.%"))
    )
    for event_ in events:
        after = (event_.after or {}).get("status")
        before = (event_.before or {}).get("status")
        if after in _REMOVED and before and before not in _REMOVED:
            return Status(before)
    return Status.APPROVED


def queue(
    *, status: Status | None = Status.PENDING, site_ids: list[int] | None = None, limit: int = 50
) -> list[Comment]:
    """Return the newest comments in a status (None: any), on these sites (None: all)."""
    query = select(Comment).order_by(Comment.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Comment.status == status)
    if site_ids is not None:
        query = query.join(Thread, Thread.id == Comment.thread_id).where(
            Thread.site_id.in_(site_ids)
        )
    return list(db.session.scalars(query))


#: Reasons a moderator gives for rejecting a comment (the audit log keeps the code).
REJECT_REASONS: dict[str, str] = {
    "off_topic": "Off topic",
    "abuse": "Abuse",
    "spam": "Spam",
    "personal_attack": "Personal attack",
    "legal": "Legal",
    "other": "Other",
}
#: At most this many roots are pinned in a thread: the first page stays bounded.
MAX_PINNED = 3
MARKS = ("pinned", "featured")


def reject_note(code: str, note: str | None = None) -> str:
    """Return the audit log's words for a rejection: its reason code and the note."""
    if code not in REJECT_REASONS:
        raise errors.ValidationFailed(
            f"Choose a reason for the rejection, not {code!r}."
            if code
            else "Choose a reason for the rejection.",
            errors={"reason": "must be one of " + ", ".join(REJECT_REASONS)},
        )
    note = (note or "").strip()
    return f"{code}: {note}" if note else code


def keep_revision(comment: Comment, *, editor: str, note: str | None = None) -> CommentRevision:
    """Keep the text ``comment`` has now, before an edit replaces it (``editor``: who edits)."""
    revision = CommentRevision(
        comment_id=comment.id,
        body=comment.body,
        html=comment.html,
        edited_at=utcnow(),
        editor=editor[:254],
        note=note[:500] if note else None,
    )
    db.session.add(revision)
    return revision


def edit(
    comment_id: int,
    body: str,
    *,
    actor: audit.Actor,
    note: str,
    site_ids: list[int] | None = None,
) -> Comment:
    """Replace a comment's text as staff, keeping the earlier text as a revision.

    The Markdown is rendered through the same sanitizer as readers' text; the
    status stays as it is. ``note`` (why) is required and goes into the log.
    """
    note = note.strip()
    if not note:
        raise errors.ValidationFailed(
            "Say why you edit the comment.", errors={"note": "A note is required."}
        )
    database.writing()
    comment = staff_comment(comment_id, site_ids)
    # An imported HTML comment stays HTML: its text is never re-read as Markdown.
    html = markup.render_source(body, comment.body_format)
    if not markup.plain_text(html).strip():
        raise errors.ValidationFailed(
            "The text is empty once formatting is removed.", errors={"body": "No visible text."}
        )
    if body == comment.body:
        return comment
    keep_revision(comment, editor=actor.label, note=note)
    _audit(
        actor,
        "comment.edited",
        comment,
        reason=note,
        before={"body": comment.body},
        after={"body": body},
    )
    comment.body, comment.html = body, html
    comment.markup_version = markup.POLICY_VERSION
    comment.edited_at = utcnow()
    db.session.flush()
    return comment


def mark(
    comment_id: int,
    what: str,
    value: bool,
    *,
    actor: audit.Actor,
    site_ids: list[int] | None = None,
) -> Comment:
    """Pin or feature a comment (or take the mark off), in the audit log.

    Only a visible root comment can be pinned, and at most ``MAX_PINNED``
    per thread, so that a thread's first page stays small.
    """
    if what not in MARKS:
        raise errors.ValidationFailed(
            f"Unknown mark {what!r}.", errors={"action": "must be pinned or featured"}
        )
    database.writing()
    comment = staff_comment(comment_id, site_ids)
    old = bool(getattr(comment, what))
    if old == value:
        return comment
    if what == "pinned" and value:
        _check_pinnable(comment)
    _audit(
        actor,
        f"comment.{'' if value else 'un'}{'pin' if what == 'pinned' else 'feature'}",
        comment,
        before={what: old},
        after={what: value},
    )
    setattr(comment, what, value)
    db.session.flush()
    return comment


def _check_pinnable(comment: Comment) -> None:
    if comment.root_id is not None:
        raise errors.Conflict("Only top-level comments can be pinned.", code="not_a_root")
    if not is_visible(comment.status):
        raise errors.Conflict("Only approved comments can be pinned.", code="not_visible")
    pinned = db.session.scalar(
        select(func.count(Comment.id)).where(
            Comment.thread_id == comment.thread_id, Comment.pinned.is_(True)
        )
    )
    if (pinned or 0) >= MAX_PINNED:
        raise errors.Conflict(
            f"A thread has at most {MAX_PINNED} pinned comments; unpin one first.",
            code="too_many_pinned",
        )


_MARKING = {
    "pin": ("pinned", True),
    "unpin": ("pinned", False),
    "feature": ("featured", True),
    "unfeature": ("featured", False),
}
ACTIONS = (*DECISIONS, *_MARKING)
MAX_BULK = 100


def act(
    comment_ids: list[int],
    action: str,
    *,
    actor: audit.Actor,
    site_ids: list[int] | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> list[Comment]:
    """Apply one action to each of ``comment_ids``: all of them, or (on any error) none.

    An error raised for one comment leaves the caller's unit of work to roll
    back the others. A rejection needs a reason code (``REJECT_REASONS``).
    """
    if action not in ACTIONS:
        raise errors.ValidationFailed(
            f"Unknown action {action!r}.", errors={"action": "must be one of " + ", ".join(ACTIONS)}
        )
    if not comment_ids or len(comment_ids) > MAX_BULK:
        raise errors.ValidationFailed(
            f"Choose 1 to {MAX_BULK} comments.", errors={"ids": "no comment chosen"}
        )
    note = (note or "").strip() or None
    if action == "reject":
        note = reject_note(reason or "", note)
    done = []
    for comment_id in dict.fromkeys(comment_ids):
        if action in _MARKING:
            what, value = _MARKING[action]
            done.append(mark(comment_id, what, value, actor=actor, site_ids=site_ids))
        else:
            done.append(decide(comment_id, action, actor=actor, note=note, site_ids=site_ids))
    return done
