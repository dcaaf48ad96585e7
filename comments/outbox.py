"""The outbox: emails written with the event they tell of, sent later by the worker over SMTP.

A request only ever adds rows (:func:`enqueue`, in its own unit of work), so
a slow or absent mail server never slows a reader or a moderator down. The
worker's :func:`deliver` claims due rows atomically (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; on SQLite the writers' queue makes the claim one
writer's at a time) and holds them for a lease, so two workers never send
the same message. A failed attempt is retried with exponential backoff;
after ``MAIL_MAX_ATTEMPTS`` the row is kept as ``failed`` for an operator
(``comments outbox``), never deleted. If a worker dies between sending and
recording it, the lease runs out and the message is sent again: a crash can
cause a duplicate, never a loss.

This is the only module that imports :mod:`smtplib`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from comments import database
from comments.extensions import db
from comments.models import MailState, OutboxMessage, utcnow

log = logging.getLogger("comments.mail")

#: Seconds a worker holds the messages it claimed before another may take them
#: (plus the mail server's timeout for each message of the batch).
LEASE_SECONDS = 300
#: The longest wait between two attempts.
MAX_BACKOFF_SECONDS = 6 * 3600

Compose = Callable[[OutboxMessage], EmailMessage | None]


@dataclass(frozen=True)
class SMTPSettings:
    """How to reach the mail server (from the ``MAIL_*`` settings)."""

    server: str | None
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line
    use_tls: bool = True
    use_ssl: bool = False
    timeout: float = 30
    sender: str = "comments@localhost"
    max_attempts: int = 10
    retry_seconds: int = 60

    @classmethod
    def from_config(cls, config: Any) -> SMTPSettings:
        """Return the settings of an app's config."""
        return cls(
            server=config.get("MAIL_SERVER") or None,
            port=int(config.get("MAIL_PORT") or 587),
            # str(): COMMENTS_MAIL_PASSWORD=123456 parses as a number.
            username=_text(config.get("MAIL_USERNAME")),
            password=_text(config.get("MAIL_PASSWORD")),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            timeout=float(config.get("MAIL_TIMEOUT") or 30),
            sender=config.get("MAIL_FROM") or "comments@localhost",
            max_attempts=max(1, int(config.get("MAIL_MAX_ATTEMPTS") or 10)),
            retry_seconds=max(0, int(config.get("MAIL_RETRY_SECONDS") or 0)),
        )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def enqueue(kind: str, recipient: str, payload: dict[str, Any], dedupe_key: str) -> bool:
    """Add one email to the caller's unit of work; False when ``dedupe_key`` was used before."""
    database.writing()
    now = utcnow()
    return database.insert_new(
        OutboxMessage,
        {
            "kind": kind,
            "recipient": recipient,
            "payload": payload,
            "dedupe_key": dedupe_key[:200],
            "state": MailState.PENDING,
            "attempts": 0,
            "due_at": now,
            "created_at": now,
        },
    )


def _due(now: datetime) -> Any:
    return or_(
        and_(OutboxMessage.state == MailState.PENDING, OutboxMessage.due_at <= now),
        and_(OutboxMessage.state == MailState.SENDING, OutboxMessage.lease_until < now),
    )


def claim(limit: int, *, now: datetime, lease: int = LEASE_SECONDS) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages for this round, in the caller's unit of work.

    Rows another worker has locked are skipped, not waited for; the claim
    (a fresh token and a lease) is what later updates are conditional on.
    """
    database.writing()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    token = uuid.uuid4().hex
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _due(now))
        .values(
            state=MailState.SENDING,
            claim=token,
            lease_until=now + timedelta(seconds=lease),
            attempts=OutboxMessage.attempts + 1,
        ),
        execution_options={"synchronize_session": False},
    )
    query = select(OutboxMessage).where(OutboxMessage.claim == token).order_by(OutboxMessage.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


@dataclass
class Outcome:
    """What became of one claimed message."""

    id: int
    claim: str
    attempts: int
    error: str | None = None
    permanent: bool = False
    dropped: bool = False


def deliver(
    settings: SMTPSettings, compose: Compose, *, limit: int = 50, now: datetime | None = None
) -> int:
    """Send one batch of due messages; return how many were settled (sent, dropped or failed).

    Claiming and recording are two short units of work; the SMTP exchange
    happens between them, outside any transaction.
    """
    now = now or utcnow()
    # Long enough for every message of the batch to meet the server's timeout:
    # a claim must not run out while its worker is still sending.
    lease = int(LEASE_SECONDS + limit * settings.timeout)
    with database.unit_of_work():
        rows = claim(limit, now=now, lease=lease)
        batch: list[tuple[Outcome, EmailMessage | None]] = []
        for row in rows:
            outcome = Outcome(row.id, row.claim or "", row.attempts)
            try:
                message = compose(row)
            except Exception as exc:  # a message we cannot build must not stop the others
                log.exception("outbox: could not compose message %s (%s)", row.id, row.kind)
                outcome.error, outcome.permanent = f"compose: {type(exc).__name__}", True
                message = None
            if message is None and outcome.error is None:
                outcome.dropped = True
            elif message is not None:
                if not message["From"]:
                    message["From"] = settings.sender
                message["To"] = row.recipient
            batch.append((outcome, message))
    if not batch:
        return 0
    _send_all(settings, [(o, m) for o, m in batch if m is not None])
    with database.unit_of_work():
        return _record([o for o, _ in batch], settings, utcnow())


def _send_all(settings: SMTPSettings, batch: list[tuple[Outcome, EmailMessage]]) -> None:
    if not batch:
        return
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        for outcome, _ in batch:
            outcome.error = _describe(exc)
        log.warning(
            "outbox: cannot reach %s:%s: %s", settings.server, settings.port, _describe(exc)
        )
        return
    try:
        for n, (outcome, message) in enumerate(batch):
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                outcome.error = _describe(exc)
                outcome.permanent = bool(codes) and all(code >= 500 for code in codes)
            except (smtplib.SMTPResponseException, smtplib.SMTPSenderRefused) as exc:
                outcome.error = _describe(exc)
            except (OSError, smtplib.SMTPException) as exc:
                # The connection is gone: this message and the rest wait for the next round.
                for later, _ in batch[n:]:
                    later.error = _describe(exc)
                return
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _connect(settings: SMTPSettings) -> smtplib.SMTP:
    host = settings.server or "localhost"
    smtp: smtplib.SMTP
    if settings.use_ssl:
        context = ssl.create_default_context()
        smtp = smtplib.SMTP_SSL(host, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, settings.port, timeout=settings.timeout)
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
    try:
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _describe(exc: BaseException) -> str:
    """Return an error in words fit for a log and the outbox row (no credentials in them)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"recipient refused ({', '.join(map(str, codes))})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"{exc.smtp_code} {text}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


def _record(outcomes: list[Outcome], settings: SMTPSettings, now: datetime) -> int:
    """Write what became of each claimed message; say how many are settled for good."""
    database.writing()
    settled = retried = 0
    for outcome in outcomes:
        mine = and_(OutboxMessage.id == outcome.id, OutboxMessage.claim == outcome.claim)
        values: dict[str, Any] = {"claim": None, "lease_until": None}
        if outcome.dropped:
            values.update(state=MailState.DROPPED)
        elif outcome.error is None:
            values.update(state=MailState.SENT, sent_at=now, last_error=None)
        elif outcome.permanent or outcome.attempts >= settings.max_attempts:
            values.update(state=MailState.FAILED, last_error=outcome.error[:500])
            log.error("outbox: message %s failed for good: %s", outcome.id, outcome.error)
        else:
            values.update(
                state=MailState.PENDING,
                last_error=outcome.error[:500],
                due_at=now + backoff(outcome.attempts, settings.retry_seconds),
            )
            retried += 1
            settled -= 1
        settled += 1
        db.session.execute(
            update(OutboxMessage).where(mine).values(**values),
            execution_options={"synchronize_session": False},
        )
    if retried:
        log.warning("outbox: %d messages will be tried again", retried)
    return settled


def backoff(attempts: int, first: int) -> timedelta:
    """Return the wait after the ``attempts``-th failed attempt: ``first`` doubling, capped."""
    return timedelta(seconds=min(first * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS))


def counts() -> dict[str, int]:
    """Return how many messages are in each state."""
    rows = db.session.execute(
        select(OutboxMessage.state, func.count(OutboxMessage.id)).group_by(OutboxMessage.state)
    )
    found = {str(state): int(n) for state, n in rows}
    return {str(state): found.get(str(state), 0) for state in MailState}


def failed(limit: int = 50) -> list[OutboxMessage]:
    """Return the newest messages given up on."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.state == MailState.FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def retry_failed() -> int:
    """Put every failed message back in line for one more round of attempts; say how many."""
    database.writing()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == MailState.FAILED)
        .values(state=MailState.PENDING, attempts=0, due_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
