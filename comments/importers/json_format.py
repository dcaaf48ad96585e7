"""Our own export (``comments export --format json``): JSON Lines, read back one line at a time.

Everything a site needs comes back as it was: threads with their keys and
state, comments with their status, source and its format, dates, tree,
authors (kind and identity kept exactly), votes tallies and marks. The HTML
in the file is not trusted: it is rendered again from the source.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from comments import errors, markup
from comments.importers import loading
from comments.importers.records import AuthorRecord, PostRecord, Record, Skipped, ThreadRecord
from comments.models import Status

SOURCE = "json"


def parse(path: str | Path) -> Iterator[Record]:
    """Yield the threads and comments of our JSON export, one line at a time."""
    name = Path(path).name
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                record = _record(obj) if isinstance(obj, dict) else None
            except (ValueError, KeyError, TypeError) as exc:
                raise errors.ImportFailed(
                    f"{name}: line {number}: not a line of our export ({exc}).", code="malformed"
                ) from exc
            if record is None and number == 1:
                continue  # the header
            if record is None:
                raise errors.ImportFailed(
                    f"{name}: line {number}: not a thread or a comment.", code="malformed"
                )
            yield record


def load(path: str | Path, options: loading.Options) -> loading.Summary:
    """Import our JSON export into ``options.site``."""
    return loading.load(parse(path), options)


def count(path: str | Path) -> int:
    """Return how many records ``parse`` will yield (and check the whole file)."""
    return sum(1 for _record in parse(path))


def _record(obj: dict[str, Any]) -> Record | None:
    kind = obj.get("type")
    if kind == "thread":
        return ThreadRecord(
            external_id=str(obj["id"]),
            key=obj.get("key") or None,
            url=obj.get("url"),
            title=obj.get("title"),
            closed=bool(obj.get("closed")),
            moderation=obj.get("moderation"),
        )
    if kind != "comment":
        return None
    created = loading.parse_date(obj.get("created_at"))
    if created is None:
        return Skipped("comments without a valid created_at", str(obj.get("id")))
    author = obj.get("author") or {}
    body_format = obj.get("body_format") or markup.MARKDOWN
    if body_format not in markup.SOURCE_FORMATS:
        raise ValueError(f"unknown body_format {body_format!r}")
    return PostRecord(
        external_id=str(obj["id"]),
        thread_external=str(obj["thread_id"]),
        parent_external=str(obj["parent_id"]) if obj.get("parent_id") else None,
        body=str(obj["body"]),
        body_format=body_format,
        created_at=created,
        edited_at=loading.parse_date(obj.get("edited_at")),
        status=Status(obj["status"]),
        author=AuthorRecord(
            name=str(author.get("name") or obj.get("author_name") or ""),
            email=author.get("email"),
            website=author.get("website"),
            kind=author.get("kind"),
            identity=author.get("identity"),
            avatar_url=author.get("avatar_url"),
            badges=tuple(author.get("badges") or ()),
        ),
        author_name=str(obj.get("author_name") or author.get("name") or ""),
        author_website=obj.get("author_website"),
        remote_addr=obj.get("remote_addr"),
        client_key=obj.get("client_key"),
        votes_up=int(obj.get("votes_up") or 0),
        votes_down=int(obj.get("votes_down") or 0),
        flag_count=int(obj.get("flag_count") or 0),
        pinned=bool(obj.get("pinned")),
        featured=bool(obj.get("featured")),
        hold_reasons=tuple(obj.get("hold_reasons") or ()),
    )
