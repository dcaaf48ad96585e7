"""Compose an email: plain text and simple HTML, with a one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Links:
    """What links in emails need: the service's public address, the secret, how long they last."""

    base_url: str
    secret: str
    max_age: int = 7 * 24 * 3600

    def url(self, path: str) -> str:
        """Return the public address of a path on the service."""
        return self.base_url.rstrip("/") + path


@dataclass
class Draft:
    """An email's content before it becomes a message."""

    subject: str
    lang: str
    paragraphs: list[str]
    unsubscribe_url: str
    unsubscribe_label: str
    footer: str
    quote: str | None = None
    actions: list[tuple[str, str]] = field(default_factory=list)


def build(draft: Draft) -> EmailMessage:
    """Return the message: multipart/alternative, List-Unsubscribe headers, no recipient yet."""
    message = EmailMessage()
    message["Subject"] = draft.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain="comments")
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{draft.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(_text(draft))
    message.add_alternative(_html(draft), subtype="html")
    message["Content-Language"] = draft.lang  # after the body: set_content drops Content-*
    return message


def _text(draft: Draft) -> str:
    parts = list(draft.paragraphs)
    if draft.quote:
        parts.append("\n".join("> " + line for line in draft.quote.splitlines()))
    parts += [f"{label}: {url}" for label, url in draft.actions]
    parts.append(f"--\n{draft.footer}\n{draft.unsubscribe_label}: {draft.unsubscribe_url}")
    return "\n\n".join(parts) + "\n"


_BUTTON = Markup(
    '<p><a href="{url}" style="display:inline-block;padding:8px 14px;background:#1e63b5;'
    'color:#fff;border-radius:4px;text-decoration:none">{label}</a></p>'
)


def _html(draft: Draft) -> str:
    body = Markup("").join(Markup("<p>{}</p>").format(p) for p in draft.paragraphs)
    if draft.quote:
        lines = Markup("<br>").join(escape(line) for line in draft.quote.splitlines())
        body += Markup(
            '<blockquote style="margin:0 0 1em;padding-left:1em;border-left:3px solid #ccc">'
            "{}</blockquote>"
        ).format(lines)
    body += Markup("").join(_BUTTON.format(url=url, label=label) for label, url in draft.actions)
    footer = Markup('<p style="color:#666;font-size:small">{} <a href="{}">{}</a></p>').format(
        draft.footer, draft.unsubscribe_url, draft.unsubscribe_label
    )
    page = Markup(
        '<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{subject}</title>'
        '</head><body style="font-family:sans-serif;line-height:1.5">{body}<hr>{footer}'
        "</body></html>"
    )
    return str(page.format(lang=draft.lang, subject=draft.subject, body=body, footer=footer))
