"""Tables. The schema changes only through migrations in ``migrations/``.

One module per area; everything is importable from ``comments.models``.
"""

from __future__ import annotations

from comments.models.core import (
    MAX_ID,
    Author,
    Comment,
    Moderation,
    Site,
    Status,
    Thread,
    utcnow,
)
from comments.models.imports import ImportedComment, ImportJob, JobStatus
from comments.models.reports import Report, ReportReason
from comments.models.revisions import CommentRevision
from comments.models.sanctions import Sanction, SanctionKind, TargetKind
from comments.models.staff import AuditEvent, Moderator, ModeratorRole, Role

__all__ = [
    "MAX_ID",
    "AuditEvent",
    "Author",
    "Comment",
    "CommentRevision",
    "ImportJob",
    "ImportedComment",
    "JobStatus",
    "Moderation",
    "Moderator",
    "ModeratorRole",
    "Report",
    "ReportReason",
    "Role",
    "Sanction",
    "SanctionKind",
    "Site",
    "Status",
    "TargetKind",
    "Thread",
    "utcnow",
]
