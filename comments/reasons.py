"""Why a comment is held: reason codes, their parameters, and their words.

A reason is stored as ``{"code": ..., "params": {...}}`` so that each reader
of it says it in its own language: the API answers the English sentence from
here, the widget words the code through its language files, and the
moderation queue will word it for the moderator.
"""

from __future__ import annotations

from typing import Any

Reason = dict[str, Any]

PREMODERATED = "premoderated"
TOO_MANY_LINKS = "too_many_links"
# {"count": 3, "reasons": {"abuse": 2, "spam": 1}}: readers' reports held it.
REPORTED = "reported"
SANCTIONED = "sanctioned"
PREMODERATED_THREAD = "premoderated_thread"
NEW_COMMENTER = "new_commenter"
HAS_LINKS = "has_links"
SUSPECT_WORD = "suspect_word"

_ENGLISH = {
    PREMODERATED: "Comments on this site appear after a moderator has approved them.",
    TOO_MANY_LINKS: "Comments with more than {limit} links are checked by a moderator "
    "before they appear.",
    REPORTED: "Reported by {count} readers: {tallies}.",
    SANCTIONED: "Your comments on this site appear after a moderator has approved them.",
    PREMODERATED_THREAD: "Comments on this discussion appear after a moderator has approved them.",
    NEW_COMMENTER: "Your first comments on this site are checked by a moderator before they "
    "appear ({approved} of {needed} approved so far).",
    HAS_LINKS: "Comments with links are checked by a moderator before they appear.",
    SUSPECT_WORD: "A moderator will check this comment because it contains “{word}”.",
}
# How the report reasons read in a sentence.
_REPORT_WORDS = {"spam": "spam", "abuse": "abuse", "off_topic": "off topic", "other": "other"}


def make(code: str, **params: Any) -> Reason:
    """Return a reason with its code and parameters."""
    return {"code": code, "params": params}


def describe(reason: Reason) -> str:
    """Return the reason as an English sentence a reader can act on."""
    template = _ENGLISH.get(str(reason.get("code")))
    if template is None:
        return "A moderator will check this comment before it appears."
    params = dict(reason.get("params", {}))
    if reason.get("code") == REPORTED:
        params["tallies"] = _tallies(params.get("reasons"))
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template.split("{", 1)[0].strip()


def _tallies(counts: object) -> str:
    """Return report reasons as "abuse (2), spam (1)": most reported first."""
    if not isinstance(counts, dict) or not counts:
        return "no reason given"
    ranked = sorted(
        counts.items(), key=lambda item: (-item[1] if isinstance(item[1], int) else 0, item[0])
    )
    return ", ".join(f"{_REPORT_WORDS.get(str(code), str(code))} ({n})" for code, n in ranked)
