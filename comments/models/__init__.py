"""Tables. The schema changes only through migrations in ``migrations/``.

One module per area; everything is importable from ``comments.models``.
"""

from __future__ import annotations

from comments.models.core import (
    MAX_ID,
    PLACEHOLDER,
    Author,
    Comment,
    Moderation,
    Site,
    Status,
    Thread,
    utcnow,
)
from comments.models.imports import ImportedComment, ImportJob, JobStatus
from comments.models.mail import (
    AlertPreference,
    MailAddress,
    MailState,
    OutboxMessage,
    Subscription,
)
from comments.models.reports import Report, ReportReason
from comments.models.revisions import CommentRevision
from comments.models.sanctions import Sanction, SanctionKind, TargetKind
from comments.models.staff import AuditEvent, Moderator, ModeratorRole, Role
from comments.models.votes import Vote

__all__ = [
    "MAX_ID",
    "AlertPreference",
    "PLACEHOLDER",
    "AuditEvent",
    "Author",
    "Comment",
    "CommentRevision",
    "MailAddress",
    "MailState",
    "ImportJob",
    "ImportedComment",
    "JobStatus",
    "Moderation",
    "Moderator",
    "ModeratorRole",
    "OutboxMessage",
    "Report",
    "ReportReason",
    "Role",
    "Sanction",
    "SanctionKind",
    "Site",
    "Status",
    "Subscription",
    "TargetKind",
    "Thread",
    "Vote",
    "utcnow",
]
