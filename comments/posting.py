"""The write path: allowlisted fields -> checks -> guards -> save -> render once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.exc import IntegrityError

from comments import errors, identity, markup, sites, spam, threads
from comments.database import write_transaction
from comments.extensions import db
from comments.models import MAX_ID, Comment, Site, Status, Thread, utcnow


@dataclass(frozen=True)
class NewComment:
    """What a reader submits, already checked for shape by the API layer."""

    site: str
    thread: str
    body: str
    name: str
    url: str | None = None
    title: str | None = None
    parent_id: int | None = None
    email: str | None = None
    website: str | None = None
    honeypot: str | None = None
    remote_addr: str | None = None
    # The Origin header of a browser's request; None for server-to-server calls.
    origin: str | None = None


@dataclass(frozen=True)
class Policy:
    """The settings the write path obeys, taken from config by the caller."""

    secret: str
    max_links: int = 3
    # Seconds after posting during which the author may edit or delete.
    edit_window: int = 15 * 60
    # Counts the post against the rate limits, or raises; called once a post
    # has passed every check, in the same step as storing it.
    admit: Callable[[], None] | None = None


@dataclass(frozen=True)
class Posted:
    """A stored comment and, when it is held, why."""

    comment: Comment
    reasons: list[str]
    in_reply_to: tuple[int, str] | None = None

    @property
    def held(self) -> bool:
        """Tell whether the comment waits for a moderator."""
        return self.comment.status != Status.APPROVED.value


def create_comment(new: NewComment, policy: Policy) -> Posted:
    """Store a new comment or reply, or raise without changing anything."""
    spam.check_honeypot(new.honeypot)
    # Rendering is the slow part and needs no database: do it before queueing to write.
    html = _render(new.body)
    with write_transaction():
        site, thread = threads.locate(new.site, new.thread)
        if new.origin is not None and not sites.allows_origin(site, new.origin):
            raise errors.Forbidden(
                "This page is not allowed to post to this site.", code="origin_refused"
            )
        thread = _thread_for(site, thread, new)
        parent = _parent_for(thread, new.parent_id)
        in_reply_to = (parent.id, parent.author.name) if parent else None
        author = identity.find_or_create_guest(
            site.id, new.name, new.email, new.website, secret=policy.secret
        )
        if author.id is not None and _is_duplicate(thread.id, author.id, new.body):
            raise errors.Conflict("You have already posted this comment here.", code="duplicate")
        reasons = spam.hold_reasons(
            html=html, moderation=site.moderation, max_links=policy.max_links
        )
        if policy.admit is not None:
            policy.admit()
        comment = Comment(
            thread_id=thread.id,
            parent_id=parent.id if parent else None,
            root_id=(parent.root_id or parent.id) if parent else None,
            depth=parent.depth + 1 if parent else 0,
            author=author,
            body=new.body,
            html=html,
            markup_version=markup.POLICY_VERSION,
            status=(Status.PENDING if reasons else Status.APPROVED).value,
            hold_reasons=reasons,
            remote_addr=new.remote_addr,
        )
        db.session.add(comment)
        db.session.flush()
        if not reasons:
            count_visible(comment, +1)
    return Posted(comment=comment, reasons=reasons, in_reply_to=in_reply_to)


def edit_comment(
    comment_id: int, token: str | None, body: str, policy: Policy, *, origin: str | None = None
) -> Posted:
    """Replace the text of a reader's own comment, within the edit window.

    The edited text goes through the same rules as a new comment: if it now
    needs a moderator (too many links, a pre-moderated site), it is held again.
    """
    html = _render(body)
    with write_transaction():
        comment, site = _own_comment(comment_id, token, policy, origin)
        reasons = spam.hold_reasons(
            html=html, moderation=site.moderation, max_links=policy.max_links
        )
        if body != comment.body:
            comment.body, comment.html = body, html
            comment.markup_version = markup.POLICY_VERSION
            comment.edited_at = utcnow()
            if comment.status == Status.APPROVED.value and reasons:
                comment.status, comment.hold_reasons = Status.PENDING.value, reasons
                count_visible(comment, -1)
            elif comment.status == Status.APPROVED.value:
                threads.touch(comment.thread_id)
            else:
                comment.hold_reasons = reasons or comment.hold_reasons
        in_reply_to = _in_reply_to(comment)
    held = comment.status != Status.APPROVED.value
    shown = list(comment.hold_reasons) if held else []
    return Posted(comment=comment, reasons=shown, in_reply_to=in_reply_to)


def delete_comment(
    comment_id: int, token: str | None, policy: Policy, *, origin: str | None = None
) -> None:
    """Delete a reader's own comment, within the edit window, unless others replied to it.

    A comment with replies stays: taking it away would leave its replies
    answering nothing (the same rule Remark42 applies). Its author can still edit it.
    """
    with write_transaction():
        comment, _site = _own_comment(comment_id, token, policy, origin)
        if _has_live_replies(comment.id):
            raise errors.Conflict(
                "This comment has replies, so it can no longer be deleted; you can still edit it.",
                code="has_replies",
            )
        if comment.status == Status.APPROVED.value:
            count_visible(comment, -1)
        comment.status = Status.DELETED.value


def _own_comment(
    comment_id: int, token: str | None, policy: Policy, origin: str | None
) -> tuple[Comment, Site]:
    """Return a comment its author may still change, with its site, or raise."""
    comment = db.session.get(Comment, comment_id) if 0 < comment_id <= MAX_ID else None
    if comment is None or comment.status not in (Status.APPROVED.value, Status.PENDING.value):
        raise errors.NotFound("That comment does not exist (any more).")
    thread = db.session.get(Thread, comment.thread_id)
    site = db.session.get(Site, thread.site_id) if thread else None
    if thread is None or site is None:
        raise errors.NotFound("That comment does not exist (any more).")
    if origin is not None and not sites.allows_origin(site, origin):
        raise errors.Forbidden(
            "This page is not allowed to change comments of this site.", code="origin_refused"
        )
    allowed = token is not None and identity.check_edit_token(
        policy.secret, token, comment.id, policy.edit_window
    )
    if not allowed:
        minutes = max(1, policy.edit_window // 60)
        period = "1 minute" if minutes == 1 else f"{minutes} minutes"
        raise errors.Forbidden(
            f"You can change your own comment for {period} after posting it.",
            code="not_editable",
        )
    if thread.closed:
        raise errors.Forbidden("This discussion is closed.", code="thread_closed")
    return comment, site


def _has_live_replies(comment_id: int) -> bool:
    """Tell whether any reply to the comment is shown or waits for a moderator."""
    query = select(Comment.id).where(
        Comment.parent_id == comment_id,
        Comment.status.in_([Status.APPROVED.value, Status.PENDING.value]),
    )
    return db.session.scalar(query.limit(1)) is not None


def _in_reply_to(comment: Comment) -> tuple[int, str] | None:
    if comment.parent_id is None:
        return None
    parent = db.session.get(Comment, comment.parent_id)
    return (parent.id, parent.author.name) if parent else None


# Built once: these run on every post, inside the write lock.
_COUNT_THREAD = (
    update(Thread)
    .where(Thread.id == bindparam("tid"))
    .values(comment_count=Thread.comment_count + bindparam("delta"), version=Thread.version + 1)
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
_DUPLICATE = (
    select(Comment.id)
    .where(
        Comment.thread_id == bindparam("tid"),
        Comment.author_id == bindparam("aid"),
        Comment.body == bindparam("body"),
        Comment.status.in_([Status.APPROVED.value, Status.PENDING.value]),
    )
    .limit(1)
)


def count_visible(comment: Comment, delta: int) -> None:
    """Move the visible-comment counters when ``comment`` appears (+1) or goes (-1).

    Counters are changed with ``x = x + delta`` in SQL so that concurrent
    writers on PostgreSQL never lose an update. The thread's version moves too,
    so cached pages of it are rebuilt. The parent and the root are often the
    same row, so one statement serves both.
    """
    connection = db.session.connection()
    connection.execute(_COUNT_THREAD, {"tid": comment.thread_id, "delta": delta})
    if comment.parent_id is not None and comment.root_id is not None:
        connection.execute(
            _COUNT_ANCESTORS,
            {
                "parent": comment.parent_id,
                "root": comment.root_id,
                "parent_again": comment.parent_id,
                "root_again": comment.root_id,
                "d_reply": delta,
                "d_desc": delta,
            },
        )


def _thread_for(site: Site, thread: Thread | None, new: NewComment) -> Thread:
    """Return the comment's thread, creating it on the first comment."""
    if new.url is not None and not sites.allows_origin(site, sites.origin_of(new.url)):
        raise errors.ValidationFailed(
            "The page address is not on this site.",
            errors={"url": "The page address is not on one of the site's origins."},
        )
    if thread is None:
        query = select(Thread).where(Thread.site_id == site.id, Thread.key == new.thread)
        if new.url is None:
            raise errors.ValidationFailed(
                "The page address is missing.",
                errors={"url": "The page address is needed for the first comment on a page."},
            )
        thread = Thread(
            site_id=site.id, key=new.thread, url=new.url, title=new.title, comment_count=0
        )
        try:
            with db.session.begin_nested():
                db.session.add(thread)
        except IntegrityError:
            thread = db.session.scalars(query).one()
    if thread.closed:
        raise errors.Forbidden("This discussion is closed.", code="thread_closed")
    if new.title and not thread.title:
        thread.title = new.title
        db.session.flush()
        threads.touch(thread.id)
    return thread


def _parent_for(thread: Thread, parent_id: int | None) -> Comment | None:
    """Return the comment replied to; it must be visible and in the same thread."""
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread.id or parent.status != Status.APPROVED:
        raise errors.ValidationFailed(
            "The comment you are replying to is not available.",
            errors={"parent_id": "The comment you reply to is not in this discussion."},
        )
    return parent


def _render(body: str) -> str:
    try:
        html = markup.render(body)
    except errors.MarkupRefused as exc:
        raise errors.ValidationFailed(exc.detail, errors={"body": exc.detail}) from exc
    if not markup.plain_text(html).strip():
        raise errors.ValidationFailed(
            "Your comment is empty once formatting is removed.",
            errors={"body": "Your comment has no visible text."},
        )
    return html


def _is_duplicate(thread_id: int, author_id: int, body: str) -> bool:
    params = {"tid": thread_id, "aid": author_id, "body": body}
    return db.session.connection().execute(_DUPLICATE, params).first() is not None
