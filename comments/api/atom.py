"""Write feeds as Atom (RFC 4287).

Entries carry a ``tag:`` URI as their id (RFC 4151: the service's host, the
day the comment was posted, its number), which stays the same whatever the
article's address becomes; their link is the comment's permalink on the
article, ``URL#comment-ID``, as the widget makes it. The content is the
comment's sanitized HTML (``type="html"``, escaped by the XML writer), the
author the name given with it, never an email.
"""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree import ElementTree as ET

from comments.feeds import Feed
from comments.models import Comment, Thread

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
# Characters XML 1.0 does not allow, even escaped (control characters, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _time(value: datetime) -> str:
    return value.isoformat(timespec="seconds") + "Z"


def _tag(host: str, day: datetime, specific: str) -> str:
    return f"tag:{host},{day.date().isoformat()}:{specific}"


def permalink(thread: Thread, comment: Comment) -> str | None:
    """Return a comment's address on its article (None when the article's is unknown)."""
    if not thread.url:
        return None
    return thread.url.split("#", 1)[0] + f"#comment-{comment.id}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {name: _text(v) for name, v in attributes.items()})
    if text is not None:
        child.text = _text(text)
    return child


def render(feed: Feed, *, host: str, self_url: str) -> bytes:
    """Return the feed as an Atom document in UTF-8."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    a = f"{{{ATOM}}}"
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host  # no port in a tag
    site, thread = feed.site, feed.thread
    if thread is not None:
        _add(root, a + "id", _tag(host, thread.created_at, f"thread/{thread.id}"))
        _add(root, a + "title", f"Comments on {thread.title or thread.key}")
    else:
        _add(root, a + "id", _tag(host, site.created_at, f"site/{site.slug}"))
        _add(root, a + "title", f"Comments on {site.name}")
    _add(root, a + "updated", _time(feed.updated))
    _add(_add(root, a + "author"), a + "name", site.name)
    _add(root, a + "link", rel="self", type=MEDIA_TYPE, href=self_url)
    if thread is not None and thread.url:
        _add(root, a + "link", rel="alternate", type="text/html", href=thread.url)
    _add(root, a + "generator", "comments")
    for comment, of in feed.entries:
        entry = _add(root, a + "entry")
        _add(entry, a + "id", _tag(host, comment.created_at, f"comment/{comment.id}"))
        _add(entry, a + "title", f"{comment.author_name} on {of.title or of.key}")
        _add(_add(entry, a + "author"), a + "name", comment.author_name)
        _add(entry, a + "published", _time(comment.created_at))
        _add(entry, a + "updated", _time(comment.edited_at or comment.created_at))
        link = permalink(of, comment)
        if link is not None:
            _add(entry, a + "link", rel="alternate", type="text/html", href=link)
        _add(entry, a + "content", comment.html, type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
