"""Turn a reader's Markdown into HTML that is safe to put into any page.

Markdown (markdown-it, raw HTML off, bare URLs linkified by linkify-it) becomes
HTML, which one bleach pass then parses with html5lib and cuts down to the
allowlist, fixing every link's attributes on the way out. This is the only
module that imports bleach or markdown-it: swapping either is a one-file change.

Decisions a reader can see:

- Raw HTML in the source is escaped and shows as text (``<b>`` stays ``<b>``).
- Headings render as a paragraph of strong text; comments get no ``h1``-``h6``.
- Images render as a plain link to the image (its alt text, else the URL, as
  the link text): nothing from a third party loads when a comment is shown.
- Horizontal rules and tables are not recognised; their source stays text.
- Links keep only absolute ``http``, ``https`` and ``mailto`` targets. A
  relative link would resolve against the publisher's article page, so it is
  dropped and its text kept.
- Every link gets ``rel="nofollow ugc noopener noreferrer"`` and no ``target``.
- Bare ``http(s)://``, ``mailto:`` and ``www.`` URLs become links, outside
  code only, shown as typed; bare domains (``README.md``) stay text.
- Source longer than ``MAX_SOURCE_LENGTH``, nested deeper than ``MAX_NESTING``
  or too dense with markup to render quickly is refused, never cut short.

Change the allowlist or the link rules -> bump ``POLICY_VERSION`` so that
``comments rerender`` rebuilds the stored HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import bleach
from bleach import html5lib_shim
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from comments import errors

POLICY_VERSION = 1
MAX_SOURCE_LENGTH = 100_000
# markdown-it silently drops block content nested deeper than this, so render
# refuses such source instead; 20 still leaves room for 17 levels of quotes.
MAX_NESTING = 20
# html5lib under bleach is pure Python (100-400 kB of HTML a second, by
# density); these bounds keep any 100 kB source under a second. Long ordinary
# prose stays far below them (100 kB: ~5,000 tokens, ~110 kB of HTML).
MAX_TOKENS = 20_000
MAX_HTML_LENGTH = 250_000

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"

_TYPED_LINK_PREFIXES = ("http://", "https://", "mailto:", "www.")
_LINK_START = re.compile(r"<a[\s>]")
_LINE_ENDS = frozenset({"p", "br", "li", "pre", "blockquote", "ul", "ol"})
# Characters that draw nothing, which spammers use for comments that look empty.
_BLANK = (
    r"[\s\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    r"\u2800\u3164\ufeff\uffa0]"
)
_BLANK_EDGES = re.compile(f"^{_BLANK}+|{_BLANK}+$")


class _Markdown(MarkdownIt):
    def normalizeLinkText(self, url: str) -> str:  # noqa: N802 (markdown-it's name)
        """Show a link's text as typed: no punycode decoded into look-alike letters."""
        return url


def _render_heading(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "<p><strong>" if tokens[idx].nesting == 1 else "</strong></p>\n"


def _render_link(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    env["link_depth"] = env.get("link_depth", 0) + tokens[idx].nesting
    return renderer.renderToken(tokens, idx, options, env)


def _render_image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    src = str(tokens[idx].attrGet("src") or "")
    alt = renderer.renderInlineAsText(tokens[idx].children or [], options, env) or src
    if env.get("link_depth"):
        # A link to the image inside a link would nest links: keep its words.
        return escape(alt)
    # Only escaped here: the bleach pass vets the scheme like any other href.
    return f'<a href="{escape(src)}">{escape(alt)}</a>'


def _make_markdown() -> MarkdownIt:
    md = _Markdown(
        "commonmark",
        {"html": False, "breaks": True, "linkify": True, "maxNesting": MAX_NESTING},
    )
    md.enable(["strikethrough", "linkify"]).disable("hr")
    if md.linkify is None:  # markdown-it leaves it unset when linkify-it-py is missing
        raise ImportError("comments.markup needs linkify-it-py")
    # Bare e-mail addresses stay text: linking them only helps address harvesters.
    md.linkify.set({"fuzzy_email": False}).add("//", None).add("ftp:", None)
    md.add_render_rule("heading_open", _render_heading)
    md.add_render_rule("heading_close", _render_heading)
    md.add_render_rule("link_open", _render_link)
    md.add_render_rule("link_close", _render_link)
    md.add_render_rule("image", _render_image)
    return md


def _refused(detail: str, reason: str) -> errors.MarkupRefused:
    return errors.MarkupRefused(detail, errors={"body": reason})


def _inline_children(token: Token) -> list[Token]:
    """Return *token*'s children with bare-domain links turned back into text."""
    children = token.children or []
    kept: list[Token] = []
    skip = 0
    for i, child in enumerate(children):
        if skip:
            skip -= 1
        elif child.markup == "linkify" and child.type == "link_open":
            # linkify-it emits exactly link_open, text, link_close.
            text = children[i + 1]
            if text.content.lower().startswith(_TYPED_LINK_PREFIXES):
                kept.append(child)
            else:
                kept.append(text)
                skip = 2
        else:
            kept.append(child)
    return kept


def _prepare(tokens: list[Token]) -> None:
    """Unlink bare domains; refuse tokens nested too deeply or too many to render fast."""
    count = len(tokens)
    for token in tokens:
        if token.children:
            token.children = _inline_children(token)
        children = token.children or []
        count += len(children)
        # Emphasis is paired after markdown-it applies maxNesting, so runs of
        # ``*`` can nest thousands deep: measure inline depth here as well.
        depth = max((token.level + child.level for child in children), default=token.level)
        if depth >= MAX_NESTING - 1:
            raise _refused("Quotes, lists or emphasis are nested too deeply.", "nested too deeply")
    if count > MAX_TOKENS:
        raise _refused("The text has too much formatting to display.", "too much formatting")


def _allowed_href(href: str) -> bool:
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    return scheme in ALLOWED_PROTOCOLS and (scheme == "mailto" or bool(parts.netloc))


class _LinkPolicy(html5lib_shim.Filter):
    """Give each sanitized link exactly our href and rel; unwrap links going elsewhere."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        kept: list[bool] = []
        for token in super().__iter__():
            if token.get("name") != "a" or token["type"] not in ("StartTag", "EndTag"):
                yield token
            elif token["type"] == "StartTag":
                href = token["data"].get((None, "href"), "")
                kept.append(_allowed_href(href))
                if kept[-1]:
                    token["data"] = {(None, "href"): href, (None, "rel"): LINK_REL}
                    yield token
            elif kept and kept.pop():
                yield token


class _TreeWalker(html5lib_shim.getTreeWalker("etree")):  # type: ignore[misc]
    """Walk the parsed tree as bleach's walker does, in linear time.

    html5lib's etree walker finds where an element sits among its siblings
    with ``list.index`` each time it leaves a nested element: quadratic, and
    ~20 s for 100 kB of one-line headings. Index each sibling list once.
    """

    def __init__(self, tree: Any) -> None:
        super().__init__(tree)
        self._positions: dict[int, dict[int, int]] = {}

    def getParentNode(self, node: Any) -> Any:  # noqa: N802 (html5lib's name)
        if not isinstance(node, tuple) or node[3] == "text":
            return super().getParentNode(node)
        parents = node[2]
        parent = parents.pop()
        if not parents:
            return parent
        siblings = parents[-1]
        positions = self._positions.get(id(siblings))
        if positions is None:
            positions = {id(child): i for i, child in enumerate(siblings)}
            self._positions[id(siblings)] = positions
        return parent, positions[id(parent)], parents, None


_markdown = _make_markdown()
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_LinkPolicy],
)
_cleaner.walker = _TreeWalker  # bleach has no argument for it; clean() reads this attribute


def render(source: str) -> str:
    """Render reader Markdown *source* to sanitized HTML with bare URLs linked.

    Raises ``errors.MarkupRefused`` for source too long, too deeply nested or
    too dense with markup to render faithfully and fast.
    """
    if len(source) > MAX_SOURCE_LENGTH:
        raise _refused(f"The text is longer than {MAX_SOURCE_LENGTH:,} characters.", "too long")
    tokens = _markdown.parse(source)
    _prepare(tokens)
    rendered = _markdown.renderer.render(tokens, _markdown.options, {})
    if len(rendered) > MAX_HTML_LENGTH:
        raise _refused("The text has too much formatting to display.", "too much formatting")
    return _sanitize(rendered)


#: The formats a comment's source may be in (``Comment.body_format``).
MARKDOWN = "markdown"
HTML = "html"
SOURCE_FORMATS = (MARKDOWN, HTML)
# Tags other systems wrote that mean what ours do: kept as ours, not stripped.
_SYNONYMS = {"b": "strong", "i": "em", "strike": "del"}
_SYNONYM_TAG = re.compile(r"<(/?)(b|i|strike)(?=[\s/>])", re.IGNORECASE)


def render_html(source: str) -> str:
    """Sanitize HTML *source* written elsewhere (an imported comment) as readers' HTML is.

    The same allowlist and link rules as :func:`render`; ``<b>``, ``<i>`` and
    ``<strike>`` become their equivalents here. The source is never read as
    Markdown. Raises ``errors.MarkupRefused`` for source over ``MAX_SOURCE_LENGTH``
    or ``MAX_HTML_LENGTH`` characters.
    """
    if len(source) > MAX_HTML_LENGTH:
        raise _refused(f"The text is longer than {MAX_HTML_LENGTH:,} characters.", "too long")
    translated = _SYNONYM_TAG.sub(lambda m: f"<{m[1]}{_SYNONYMS[m[2].lower()]}", source)
    return _sanitize(translated)


def render_source(source: str, source_format: str) -> str:
    """Render *source* as what it is written in (``MARKDOWN`` or ``HTML``)."""
    return render_html(source) if source_format == HTML else render(source)


def _sanitize(html: str) -> str:
    """Cut *html* down to the allowlist, with exactly our attributes on each link."""
    return _cleaner.clean(html).strip()


def count_links(html: str) -> int:
    """Count the links in HTML returned by ``render``."""
    return len(_LINK_START.findall(html))


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _LINE_ENDS:
            self.parts.append("\n")


_TAG = re.compile(r"<[^>]*>")
_PLAIN_CHARACTER = re.compile(r"[0-9A-Za-z]")


def surely_shows_text(html: str) -> bool:
    """Tell, without parsing, that HTML returned by ``render`` shows a letter or digit.

    Almost every comment does, and this is all a post needs to know that it is
    not empty. ``False`` only means "look closer": :func:`plain_text` with the
    rules for characters that draw nothing.
    """
    return _PLAIN_CHARACTER.search(unescape(_TAG.sub("", html))) is not None


def plain_text(html: str) -> str:
    """Return the text a reader sees in HTML returned by ``render``, one line per block."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (_BLANK_EDGES.sub("", line) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)
