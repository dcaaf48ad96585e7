"""Export a site: our own JSON (everything needed to restore it) or Disqus XML (to move on).

Both are written as they are read, a batch of comments at a time, so memory
stays flat whatever the site's size. The JSON format is JSON Lines (one
object per line, described in ``docs/export.md``), which
``comments import json`` reads back one line at a time. The Disqus format is
the one Disqus mails to site owners, which our Disqus importer (and others')
read; it carries our status of each comment in ``<c:status>`` as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import func, select

from comments import markup, sites
from comments.extensions import db
from comments.models import Author, Comment, Site, Status, Thread, utcnow

FORMATS = ("json", "disqus")
JSON_VERSION = 1
BATCH = 1000
SSO = "sso"
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Progress = Callable[[int], None] | None


def count(site_slug: str) -> int:
    """Return how many comments the site has (the length of an export's progress bar)."""
    site = sites.get_site(site_slug)
    query = (
        select(func.count(Comment.id))
        .join(Thread, Thread.id == Comment.thread_id)
        .where(Thread.site_id == site.id)
    )
    return int(db.session.scalar(query) or 0)


def export(site_slug: str, fmt: str, stream: IO[bytes], *, progress: Progress = None) -> None:
    """Write the site's threads and comments to ``stream`` in ``fmt`` (json or disqus)."""
    site = sites.get_site(site_slug)
    if fmt == "json":
        _json(site, stream, progress)
    else:
        _disqus(site, stream, progress)


def _threads(site: Site) -> Iterator[Thread]:
    after = 0
    while True:
        batch = list(
            db.session.scalars(
                select(Thread)
                .where(Thread.site_id == site.id, Thread.id > after)
                .order_by(Thread.id)
                .limit(BATCH)
            )
        )
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].id


def _comments(site: Site, progress: Progress) -> Iterator[Comment]:
    after = 0
    while True:
        batch = list(
            db.session.scalars(
                select(Comment)
                .join(Thread, Thread.id == Comment.thread_id)
                .where(Thread.site_id == site.id, Comment.id > after)
                .order_by(Comment.id)
                .limit(BATCH)
            ).unique()
        )
        yield from batch
        if progress is not None:
            progress(len(batch))
        if len(batch) < BATCH:
            return
        after = batch[-1].id
        db.session.expunge_all()  # keep memory flat


def _date(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _author(author: Author) -> dict[str, Any]:
    return {
        "kind": author.kind,
        "identity": author.identity,
        "name": author.name,
        "email": author.email,
        "website": author.website,
        "avatar_url": author.avatar_url,
        "badges": list(author.badges or []),
    }


def _json(site: Site, stream: IO[bytes], progress: Progress) -> None:
    def line(obj: dict[str, Any]) -> None:
        stream.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())
        stream.write(b"\n")

    line(
        {
            "type": "export",
            "format": "comments",
            "version": JSON_VERSION,
            "site": site.slug,
            "exported_at": _date(utcnow()),
        }
    )
    for thread in _threads(site):
        line(
            {
                "type": "thread",
                "id": thread.id,
                "key": thread.key,
                "url": thread.url,
                "title": thread.title,
                "closed": thread.closed,
                "moderation": thread.moderation,
                "created_at": _date(thread.created_at),
            }
        )
    for comment in _comments(site, progress):
        line(
            {
                "type": "comment",
                "id": comment.id,
                "thread_id": comment.thread_id,
                "parent_id": comment.parent_id,
                "status": str(comment.status),
                "hold_reasons": list(comment.hold_reasons or []),
                "body": comment.body,
                "body_format": comment.body_format,
                "html": comment.html,
                "created_at": _date(comment.created_at),
                "edited_at": _date(comment.edited_at),
                "author": _author(comment.author),
                "author_name": comment.author_name,
                "author_website": comment.author_website,
                "votes_up": comment.votes_up,
                "votes_down": comment.votes_down,
                "flag_count": comment.flag_count,
                "pinned": comment.pinned,
                "featured": comment.featured,
                "remote_addr": comment.remote_addr,
                "client_key": comment.client_key,
            }
        )


def _x(value: str | None) -> str:
    return escape(_NOT_XML.sub("", value or ""))


def _cdata(value: str) -> str:
    return "<![CDATA[" + _NOT_XML.sub("", value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _disqus(site: Site, stream: IO[bytes], progress: Progress) -> None:
    def write(text: str) -> None:
        stream.write(text.encode())

    write(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals"'
        ' xmlns:c="urn:comments:export:1">\n'
    )
    for thread in _threads(site):
        write(
            f"<thread dsq:id={quoteattr(str(thread.id))}><id>{_x(thread.key)}</id>"
            f"<forum>{_x(site.slug)}</forum><link>{_x(thread.url)}</link>"
            f"<title>{_x(thread.title)}</title>"
            f"<createdAt>{_date(thread.created_at)}</createdAt>"
            f"<isClosed>{_flag(thread.closed)}</isClosed><isDeleted>false</isDeleted></thread>\n"
        )
    for comment in _comments(site, progress):
        write(_post(comment))
    write("</disqus>\n")


def _post(comment: Comment) -> str:
    status = comment.status
    author = comment.author
    # Disqus keeps HTML: imported HTML goes out as it came, Markdown as what readers saw.
    message = comment.body if comment.body_format == markup.HTML else comment.html
    remote = f"<remote><id>{_x(author.identity)}</id></remote>" if author.kind == SSO else ""
    parent = f"<parent dsq:id={quoteattr(str(comment.parent_id))}/>" if comment.parent_id else ""
    return (
        f"<post dsq:id={quoteattr(str(comment.id))}><id/><message>{_cdata(message)}</message>"
        f"<createdAt>{_date(comment.created_at)}</createdAt>"
        f"<isDeleted>{_flag(status in (Status.DELETED, Status.REJECTED))}</isDeleted>"
        f"<isSpam>{_flag(status == Status.SPAM)}</isSpam>"
        f"<isApproved>{_flag(status != Status.PENDING)}</isApproved>"
        f"<c:status>{status}</c:status>"
        f"<author><name>{_x(comment.author_name)}</name><email>{_x(author.email)}</email>"
        f"<isAnonymous>{_flag(author.kind != SSO and not author.email)}</isAnonymous>"
        f"{remote}</author>"
        f"<ipAddress>{_x(comment.remote_addr)}</ipAddress>"
        f"<thread dsq:id={quoteattr(str(comment.thread_id))}/>{parent}</post>\n"
    )
