"""Disqus: the XML export Disqus mails to a site's owners.

The file (namespace ``http://disqus.com``, ids in ``http://disqus.com/disqus-internals``)
holds ``category`` elements, then every ``thread`` (its ``dsq:id``; ``id``,
the site's own identifier, often empty; ``link``, ``title``, ``isClosed``,
``isDeleted``), then every ``post`` (``message`` in HTML, ``createdAt``,
``isDeleted``, ``isSpam``, ``author`` with ``name``, ``email``, ``username``
and ``isAnonymous``, ``ipAddress``, and ``thread`` and ``parent`` naming other
elements by ``dsq:id``).

Decisions:

- A thread is keyed by its Disqus identifier, so a page that embeds the
  widget with its old ``disqus_identifier`` finds its old comments; without
  one, by its link as the widget keys a URL by default
  (:func:`comments.thread_keys.default_key`). Neither: skipped, counted.
- A post marked ``isSpam`` is spam, ``isDeleted`` deleted, ``isApproved``
  false pending; the others are approved. Posts of a deleted thread are kept
  as deleted. Closed threads stay closed.
- The message is HTML and stays HTML (``body_format`` "html"): sanitized as
  readers' text is, never read as Markdown.
- An author signed in through the publisher's SSO on Disqus carries
  ``<remote><id>`` (and ``<domain>``): that id becomes our SSO author's
  identity, so the reader signing in through the publisher finds them theirs.
- Our own Disqus export adds ``<c:status>`` (namespace ``STATUS_NS``) so that
  rejected and pending comments come back as they were; Disqus ignores it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from comments import markup, thread_keys
from comments.importers import loading, xmlstream
from comments.importers.records import AuthorRecord, PostRecord, Record, Skipped, ThreadRecord
from comments.models import Status

SOURCE = "disqus"
NAMESPACE = "http://disqus.com"
INTERNALS = "http://disqus.com/disqus-internals"
STATUS_NS = "urn:comments:export:1"


def parse(path: str | Path) -> Iterator[Record]:
    """Yield the threads and posts of a Disqus export, one at a time."""
    name = Path(path).name
    with open(path, "rb") as stream:
        for elem in xmlstream.records(stream, 1, name=name):
            tag = xmlstream.local(elem.tag)
            if tag == "thread":
                yield _thread(elem)
            elif tag == "post":
                yield _post(elem)


def load(path: str | Path, options: loading.Options) -> loading.Summary:
    """Import a Disqus export into ``options.site``."""
    return loading.load(parse(path), options)


def count(path: str | Path) -> int:
    """Return how many records ``parse`` will yield (and check the whole file is readable)."""
    with open(path, "rb") as stream:
        return xmlstream.count(stream, 1, {"thread", "post"}, name=Path(path).name)


def _flag(elem: Element, name: str) -> bool:
    return (xmlstream.child_text(elem, name) or "").strip().lower() == "true"


def _text(elem: Element | None, name: str) -> str:
    if elem is None:
        return ""
    return (xmlstream.child_text(elem, name) or "").strip()


def _thread(elem: Element) -> Record:
    dsq_id = xmlstream.attribute(elem, "id")
    if not dsq_id:
        return Skipped("threads without a dsq:id")
    identifier = _text(elem, "id")
    link = _text(elem, "link")
    key = identifier or (thread_keys.default_key(link) if link else None)
    return ThreadRecord(
        external_id=dsq_id,
        key=key,
        url=link or None,
        title=_text(elem, "title") or None,
        closed=_flag(elem, "isClosed"),
        deleted=_flag(elem, "isDeleted"),
    )


def _status(elem: Element) -> Status:
    ours = xmlstream.child_text(elem, "status")
    if ours and ours.strip() in Status.__members__.values():
        return Status(ours.strip())
    if _flag(elem, "isSpam"):
        return Status.SPAM
    if _flag(elem, "isDeleted"):
        return Status.DELETED
    if (xmlstream.child_text(elem, "isApproved") or "").strip().lower() == "false":
        return Status.PENDING
    return Status.APPROVED


def _post(elem: Element) -> Record:
    dsq_id = xmlstream.attribute(elem, "id")
    if not dsq_id:
        return Skipped("posts without a dsq:id")
    thread = xmlstream.attribute(xmlstream.child(elem, "thread"), "id")
    if not thread:
        return Skipped("posts that name no thread", dsq_id)
    created = loading.parse_date(xmlstream.child_text(elem, "createdAt"))
    if created is None:
        return Skipped("posts without a valid createdAt", dsq_id)
    author = xmlstream.child(elem, "author")
    remote = xmlstream.child(author, "remote") if author is not None else None
    sso_id = _text(remote, "id") or None
    name = _text(author, "name") or _text(author, "username")
    return PostRecord(
        external_id=dsq_id,
        thread_external=thread,
        parent_external=xmlstream.attribute(xmlstream.child(elem, "parent"), "id") or None,
        body=xmlstream.child_text(elem, "message") or "",
        body_format=markup.HTML,
        created_at=created,
        status=_status(elem),
        author=AuthorRecord(name=name, email=_text(author, "email") or None, sso_id=sso_id),
        author_name=name or "Guest",
        remote_addr=_text(elem, "ipAddress") or None,
    )
