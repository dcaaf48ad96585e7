"""Derive a thread's key from an article's URL, exactly as the widget does.

A page without ``data-thread`` is keyed by its canonical URL's path and query,
never its fragment. The query keeps its parameters in their order but loses
the usual tracking parameters, so a link shared with ``?utm_source=...``
lands in the article's discussion instead of starting a new one, while
``article.php?id=123`` and ``article.php?id=124`` stay apart. A URL without a
query is keyed by its path alone. Importers use :func:`default_key` to file
comments from other systems under the key the widget will ask for;
``tests/data/thread_keys.json`` holds the cases both implementations must agree
on (``static/src/embed.js``, ``defaultKey``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Query parameters that say where a reader came from, not which page this is.
#: Compared without regard to case; any name starting with ``utm_`` counts too.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "dclid",  # Google Display
        "gbraid",  # Google Ads (iOS)
        "wbraid",  # Google Ads (iOS)
        "_ga",  # Google Analytics cross-domain
        "_gl",  # Google Analytics cross-domain
        "msclkid",  # Microsoft Ads
        "mc_cid",  # Mailchimp campaign
        "mc_eid",  # Mailchimp subscriber
        "yclid",  # Yandex
        "igshid",  # Instagram
        "twclid",  # X / Twitter
        "ttclid",  # TikTok
        "li_fat_id",  # LinkedIn
        "ref_src",  # X / Twitter embeds
        "_hsenc",  # HubSpot
        "_hsmi",  # HubSpot
        "mkt_tok",  # Marketo
    }
)

# What the WHATWG URL parser (the browser's URL) percent-encodes in a special
# URL's path and query, besides controls, space and everything past "~".
_PATH_ENCODED = frozenset('"#<>?`{}')
_QUERY_ENCODED = frozenset("\"#<>'")
_SINGLE_DOT = frozenset({".", "%2e"})
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})
_STRIPPED = re.compile(r"[\t\n\r]")


def is_tracking(name: str) -> bool:
    """Say whether a query parameter's name is one of the tracking parameters."""
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMETERS


def default_key(url: str) -> str:
    """Return the thread key of the article at ``url``: its path and cleaned query.

    ``url`` is absolute (or a path starting with ``/``). The path and query are
    percent-encoded and dot segments resolved as a browser would, so the key
    is the one the widget computes from ``new URL(url)``.
    """
    parts = urlsplit(_STRIPPED.sub("", url.strip("\x00\x01\x02\x03 \t\n\r\x0b\x0c")))
    path = _resolve_dots(_encode(parts.path.replace("\\", "/"), _PATH_ENCODED))
    kept = [
        pair
        for pair in _encode(parts.query, _QUERY_ENCODED).split("&")
        if pair and not is_tracking(pair.split("=", 1)[0])
    ]
    return path + ("?" + "&".join(kept) if kept else "")


def _encode(text: str, also: frozenset[str]) -> str:
    """Percent-encode what the URL parser would, leaving existing escapes alone."""
    out = []
    for char in text:
        if ord(char) <= 0x20 or ord(char) > 0x7E or char in also:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)


def _resolve_dots(path: str) -> str:
    """Remove ``.`` and ``..`` segments; an empty path is ``/``."""
    segments = path.split("/")
    if path.startswith("/"):
        segments = segments[1:]
    resolved: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        lowered = segment.lower()
        if lowered in _DOUBLE_DOT:
            if resolved:
                resolved.pop()
            if last:
                resolved.append("")
        elif lowered in _SINGLE_DOT:
            if last:
                resolved.append("")
        else:
            resolved.append(segment)
    return "/" + "/".join(resolved)
