"""WordPress: the WXR file of Tools > Export (namespaces 1.0 to 1.2).

Each ``item`` is an article; its ``wp:comment`` elements are its comments.
An item is read whole (one article and its comments), then dropped.

Decisions:

- A thread is keyed as the widget keys the item's ``link`` by default
  (path and query: ``?p=4`` and ``?p=6`` stay apart), or by ``wp:post_id``
  with ``key="post-id"`` (``--key post-id``) for sites that embed with it.
  ``wp:comment_status`` "closed" closes it.
- ``wp:comment_approved``: ``1`` approved, ``0`` pending, ``spam`` spam,
  ``trash`` deleted (anything else pending).
- Dates: ``comment_date_gmt``; when blank or zero, ``comment_date`` (the
  blog's local time, taken as UTC: WXR does not say the offset).
- Pingbacks and trackbacks are skipped (counted) unless ``pingbacks``.
- The text is what WordPress stores: HTML with line breaks that WordPress
  turns into paragraphs when it shows it. It is stored as HTML with those
  paragraphs made, so readers see what they saw; XML entities are decoded
  once, by the XML parser, and nothing decodes them again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from comments import markup, thread_keys
from comments.importers import loading, xmlstream
from comments.importers.records import AuthorRecord, PostRecord, Record, Skipped, ThreadRecord
from comments.models import Status

SOURCE = "wordpress"
_STATUSES = {
    "1": Status.APPROVED,
    "0": Status.PENDING,
    "spam": Status.SPAM,
    "trash": Status.DELETED,
}
_BLOCK = re.compile(r"<(p|div|blockquote|ul|ol|pre|h[1-6])[\s>]", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"\n\s*\n")


def parse(path: str | Path, *, key: str = "link", pingbacks: bool = False) -> Iterator[Record]:
    """Yield each item's thread, then its comments, one item at a time."""
    name = Path(path).name
    with open(path, "rb") as stream:
        for elem in xmlstream.records(stream, 2, name=name):
            if xmlstream.local(elem.tag) == "item":
                yield from _item(elem, key, pingbacks)


def load(
    path: str | Path, options: loading.Options, *, key: str = "link", pingbacks: bool = False
) -> loading.Summary:
    """Import a WordPress export into ``options.site``."""
    return loading.load(parse(path, key=key, pingbacks=pingbacks), options)


def count(path: str | Path, *, key: str = "link", pingbacks: bool = False) -> int:
    """Return how many records ``parse`` will yield (and check the whole file)."""
    return sum(1 for _record in parse(path, key=key, pingbacks=pingbacks))


def _text(elem: Element, name: str) -> str:
    return (xmlstream.child_text(elem, name) or "").strip()


def _item(item: Element, key: str, pingbacks: bool) -> Iterator[Record]:
    comments = [each for each in item if xmlstream.local(each.tag) == "comment"]
    post_id = _text(item, "post_id")
    link = _text(item, "link")
    external = post_id or link
    if not external:
        if comments:
            yield Skipped("threads with neither post id nor link")
        return
    thread_key = post_id if key == "post-id" else (thread_keys.default_key(link) if link else None)
    yield ThreadRecord(
        external_id=external,
        key=thread_key or None,
        url=link or None,
        title=_text(item, "title") or None,
        closed=_text(item, "comment_status") == "closed",
    )
    for comment in comments:
        yield _comment(comment, external, pingbacks)


def _comment(elem: Element, thread: str, pingbacks: bool) -> Record:
    comment_id = _text(elem, "comment_id")
    if not comment_id:
        return Skipped("comments without a comment_id")
    kind = _text(elem, "comment_type")
    if kind in ("pingback", "trackback") and not pingbacks:
        return Skipped(f"{kind}s", comment_id)
    created = _date(_text(elem, "comment_date_gmt")) or _date(_text(elem, "comment_date"))
    if created is None:
        return Skipped("comments without a date", comment_id)
    parent = _text(elem, "comment_parent")
    name = _text(elem, "comment_author")
    website = _text(elem, "comment_author_url") or None
    sso = _text(elem, "comment_user_id")
    return PostRecord(
        external_id=comment_id,
        thread_external=thread,
        parent_external=parent if parent and parent != "0" else None,
        body=paragraphs(xmlstream.child_text(elem, "comment_content") or ""),
        body_format=markup.HTML,
        created_at=created,
        status=_STATUSES.get(_text(elem, "comment_approved"), Status.PENDING),
        author=AuthorRecord(
            name=name,
            email=_text(elem, "comment_author_email") or None,
            website=website,
            # A signed-in WordPress user: the publisher's own user id.
            sso_id=sso if sso and sso != "0" else None,
        ),
        author_name=name or "Guest",
        author_website=website,
        remote_addr=_text(elem, "comment_author_IP") or None,
    )


def _date(value: str) -> loading.datetime | None:
    if not value or value.startswith("0000-00-00"):
        return None
    return loading.parse_date(value)


def paragraphs(text: str) -> str:
    """Make WordPress's paragraphs: blank lines part them, a line break is a ``<br>``."""
    text = text.replace("\r\n", "\n").strip()
    if not text or _BLOCK.search(text):
        return text
    parts = (part.strip().replace("\n", "<br>\n") for part in _PARAGRAPHS.split(text))
    return "\n".join(f"<p>{part}</p>" for part in parts if part)
