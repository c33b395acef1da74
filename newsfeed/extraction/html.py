"""Article body HTML: sanitizing for feeds, plain text, absolute URLs.

Bodies come from CMS editors (Liferay, SharePoint, newspaper CMSs) and carry inline styles,
event handlers, embedded players, HTTrack-rewritten relative links and ``&nbsp;`` spacer
paragraphs. Feed readers show ``body_html`` in their own context, so it must be safe (an
allow-list sanitizer, nh3/ammonia) and self-contained (absolute links), and must not rely on the
portal's CSS.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import cast
from urllib.parse import quote, urljoin, urlsplit

import nh3
from lxml import etree
from lxml import html as lxml_html
from w3lib.url import safe_url_string

from newsfeed.extraction.text import clean_text, has_text

__all__ = [
    "Resolver",
    "absolutize",
    "html_to_text",
    "looks_like_html",
    "sanitize_element",
    "sanitize_html",
]

_HTML_START_RE = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|article)\b", re.I
)
_HTML_SNIFF_BYTES = 65536
"""How much of a page is looked at: a tag is always in the first 64 KiB of a real page."""


def looks_like_html(body: bytes, content_type: str | None = None) -> bool:
    """Whether ``body`` can be an HTML page: not empty, not binary (NUL bytes: a PDF, an
    image, a zip), not declared as something else, and with an HTML tag near the start."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and "html" not in kind and kind not in {"text/plain", "application/octet-stream"}:
        return False
    head = body[:_HTML_SNIFF_BYTES]
    if not head.strip() or b"\x00" in head:
        return False
    return _HTML_START_RE.search(head) is not None


_ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "br",
        "caption",
        "div",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Removed with their content: code, embedded players and widgets are not article text.
_DROP_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "applet",
        "form",
        "button",
        "select",
        "textarea",
        "input",
        "svg",
        "math",
        "canvas",
        "audio",
        "video",
        "head",
        "title",
        "meta",
        "link",
    }
)
# Elements that may go when they hold no text (spacers such as <p>&nbsp;</p>).
_DROP_WHEN_EMPTY = frozenset(
    {"p", "div", "span", "strong", "b", "em", "i", "u", "h1", "h2", "h3", "h4", "h5", "h6"}
)
# What keeps an otherwise text-less element: <p><img></p> is a photo, not a spacer.
_CONTENT_TAGS = frozenset({"img", "table", "figure", "hr"})
_LAZY_SRC_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src")
_NO_URL_SCHEMES = frozenset({"javascript", "vbscript", "data", "mailto", "tel", "about", "file"})
_KEPT_LINK_SCHEMES = frozenset({"mailto", "tel"})
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _scheme(url: str) -> str:
    if ":" not in url:  # the usual relative link; compacting only takes characters out
        return ""
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    compact = re.sub(r"[\s\x00-\x1f]", "", url)
    match = _SCHEME_RE.match(compact)
    return match.group(1).lower() if match else ""


_HOST = r"[a-z0-9-]+(?:\.[a-z0-9-]+)*"
# a port as urllib and w3lib read it, 1 to 65535 without a leading zero (a portal on :8080,
# a test server on 127.0.0.1)
_PORT = (
    r"(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]"
    r"|6553[0-5]))?"
)
PLAIN_URL_RE = re.compile(
    rf"https?://{_HOST}{_PORT}/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]+)?"
)
"""An http(s) URL that w3lib's ``safe_url_string`` returns unchanged (a hypothesis test
holds it to that): a lower-case ASCII host, maybe a port, no user, a path, maybe a query, of
characters it does not encode (``%`` it leaves alone, escape or not; ``'`` it encodes in a
query), no fragment. Most links of a page, once joined to its URL, are such; each skips a
parse and a re-encoding of the URL, a third of :func:`absolutize`'s time."""


_PATH_LINK_RE = re.compile(r"(?!//)[A-Za-z0-9\-._~!$&'()*+,=@/%]+")
"""A link that is a path alone (no scheme, host, parameters, query or fragment)."""
_PATH_BASE_RE = re.compile(rf"(https?://{_HOST}{_PORT})(/[A-Za-z0-9\-._~!$&'()*+,=:@/%]*)?")


@lru_cache(maxsize=64)
def _base_parts(base_url: str) -> tuple[str, str] | None:
    """(``scheme://host``, path) of a plain http(s) base without parameters, query or
    fragment, as urljoin parses it; None for any other base."""
    match = _PATH_BASE_RE.fullmatch(base_url)
    return (match[1], match[2] or "") if match else None


def _join_path(base_url: str, url: str) -> str | None:
    """``urljoin(base_url, url)`` for a path link against a plain base (a hypothesis test
    holds it to that), else None: urllib's merge of the paths and removal of dot segments,
    without its two URL parses and its rebuilding of the result (most of its time)."""
    base = _base_parts(base_url)
    if base is None or not _PATH_LINK_RE.fullmatch(url):
        return None
    base_parts = base[1].split("/")
    if base_parts[-1] != "":
        del base_parts[-1]  # the last segment is not a directory
    if url[:1] == "/":
        segments = url.split("/")
    else:
        segments = base_parts + url.split("/")
        segments[1:-1] = filter(None, segments[1:-1])
    resolved: list[str] = []
    for segment in segments:
        if segment == "..":
            if resolved:
                resolved.pop()
        elif segment != ".":
            resolved.append(segment)
    if segments[-1] in (".", ".."):
        resolved.append("")
    path = "/".join(resolved) or "/"
    # urlunparse puts the slash between a host and a path that lost its leading one
    return base[0] + (path if path[0] == "/" else "/" + path)


def absolutize(url: str | None, base_url: str) -> str | None:
    """``url`` resolved against ``base_url``, percent-encoded; None for an empty link, an
    in-page ``#fragment`` or a non-http(s) target (javascript:, mailto:, data:, ...)."""
    if url is None:
        return None
    url = url.strip()
    if not url or url.startswith("#") or _scheme(url) in _NO_URL_SCHEMES:
        return None
    # Browsers read backslashes in http(s) URLs as slashes; old CMSs emit "..\images\x.jpg".
    url = url.replace("\\", "/")
    if _ABSOLUTE_LINK_RE.match(url):
        # what urljoin makes of a link with a scheme and a host depends on the base's scheme
        # alone: remembered, as a crawl meets the same absolute links page after page
        try:
            base_scheme = urlsplit(base_url).scheme
        except ValueError:  # a malformed base ("http://[bad"), as urljoin would find it
            return None
        return _absolute(url, base_scheme)
    return _resolve(url, base_url)


_ABSOLUTE_LINK_RE = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _absolute(url: str, base_scheme: str) -> str | None:
    return _resolve(url, f"{base_scheme}://host.invalid/")


def _resolve(url: str, base_url: str) -> str | None:
    try:
        joined = _join_path(base_url, url) or urljoin(base_url, url)
        if PLAIN_URL_RE.fullmatch(joined):
            return joined  # already what safe_url_string makes of it
        if urlsplit(joined).scheme.lower() not in {"http", "https"}:
            return None
        return safe_url_string(joined)
    except ValueError:
        # urllib rejects malformed hosts such as "http://[bad"
        return None


class Resolver:
    """:func:`absolutize` against one base, each distinct link resolved once.

    One body resolves the same links twice (its images and documents, then every link and
    image when sanitized) and each resolution is a URL parse and re-encoding. It lives as long
    as the body it serves: nothing is kept from one page to the next.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._resolved: dict[str | None, str | None] = {}

    def __call__(self, url: str | None) -> str | None:
        try:
            return self._resolved[url]
        except KeyError:
            resolved = self._resolved[url] = absolutize(url, self.base_url)
            return resolved


# huge_tree as parsel parses pages: without it libxml2 stops at 256 levels of nesting and a
# deeply nested body (broken WYSIWYG output) comes out empty. lxml.html's parser without its
# element classes (lxml.html.HTMLParser only adds them): the same libxml2 tree, and each
# element the walks below touch is made without a Python call to pick its class
_PARSER = etree.HTMLParser(huge_tree=True)


def _parse(fragment: str) -> etree._Element | None:
    """The <body> of ``fragment`` parsed leniently, or None when there is nothing to parse."""
    fragment = _CONTROL_RE.sub("", _XML_DECLARATION_RE.sub("", fragment or ""))
    if not fragment.strip():
        return None
    try:
        document = etree.fromstring(fragment, parser=_PARSER)
    except ValueError:
        return None
    if document is None:  # lxml.html.document_fromstring's "Document is empty"
        return None
    body = document.find("body")
    return body if body is not None else document


_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""What lxml refuses in a text set from Python, though its HTML parser keeps it from a page
(a U+FFFE in a tail once made a body's cleaning raise)."""


def join_text(node: etree._Element, attribute: str, added: str) -> None:
    """``node.text`` or ``node.tail`` (``attribute``) with ``added`` after it; a character lxml
    would refuse (:data:`_NOT_XML_RE`) is left out, only then."""
    joined = (getattr(node, attribute) or "") + added
    try:
        setattr(node, attribute, joined)
    except ValueError:
        setattr(node, attribute, _NOT_XML_RE.sub("", joined))


def _drop(element: etree._Element, keep_text: bool) -> None:
    """lxml.html's ``drop_tag`` (``keep_text``) or ``drop_tree``, for any lxml element."""
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    tail = element.tail
    if keep_text:
        text = element.text
        if text and isinstance(element.tag, str):  # not a comment's text
            if previous is None:
                join_text(parent, "text", text)
            else:
                join_text(previous, "tail", text)
        if tail:
            if len(element):
                join_text(element[-1], "tail", tail)
            elif previous is None:
                join_text(parent, "text", tail)
            else:
                join_text(previous, "tail", tail)
        index = parent.index(element)
        parent[index : index + 1] = element[:]
        return
    # drop_tree: the tail text belongs to the parent and stays
    if tail:
        if previous is None:
            join_text(parent, "text", tail)
        else:
            join_text(previous, "tail", tail)
    parent.remove(element)


def _remove_non_content(root: etree._Element) -> None:
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _drop(node, keep_text=False)
    for element in list(root.iter(*_DROP_WITH_CONTENT)):
        _drop(element, keep_text=False)


def _fix_links(root: etree._Element, resolve: Callable[[str | None], str | None]) -> None:
    for anchor in list(root.iter("a")):
        href = anchor.get("href")
        if href is not None and _scheme(href) in _KEPT_LINK_SCHEMES:
            continue
        absolute = resolve(href)
        if absolute is None:
            # javascript:, "#top", a bare name anchor: the link goes, its text stays.
            _drop(anchor, keep_text=True)
        else:
            anchor.set("href", absolute)
    for image in list(root.iter("img")):
        candidates = [image.get("src"), *(image.get(a) for a in _LAZY_SRC_ATTRIBUTES)]
        # Lazy-loading pages put a placeholder (data: URI, blank gif) in src.
        src = next((s for s in (resolve(c) for c in candidates[1:]) if s), None)
        src = src or resolve(candidates[0])
        if src is None:
            _drop(image, keep_text=False)
        else:
            image.set("src", src)


def _empty_elements(root: etree._Element) -> list[etree._Element]:
    """The elements below ``root`` that may go when empty and hold no content: no visible
    character in their text (:func:`~newsfeed.extraction.text.has_text`) and no image,
    table, figure or rule; in reversed document order. One walk of the tree decides each
    element from its own text and its children's verdicts and tails, instead of a walk of
    each element's subtree (wrappers nest: the same text was read again for each).

    For a tree without comments or processing instructions (:func:`_remove_non_content` ran):
    the walk does not visit them, so their tails would go unread.
    """
    candidates: list[etree._Element] = []
    empty: set[etree._Element] = set()
    holds: list[bool] = []  # per element open in the walk: whether it holds content so far
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            holds.append(element.tag in _CONTENT_TAGS or has_text(element.text))
            if element.tag in _DROP_WHEN_EMPTY and element is not root:
                candidates.append(element)
            continue
        full = holds.pop()
        if not full:
            empty.add(element)
        if holds and (full or has_text(element.tail)):
            holds[-1] = True
    return [element for element in reversed(candidates) if element in empty]


def _drop_empty(root: etree._Element) -> None:
    # Reversed document order drops children first, as a wrapper emptied by removing its
    # children would be seen after them. Dropping an empty element changes no other verdict:
    # it takes no content with it, and its tail, kept, joins a text that is visible exactly
    # when one of its parts is; so the verdicts are made once, before dropping.
    for element in _empty_elements(root):
        _drop(element, keep_text=False)


def _serialize_children(root: etree._Element) -> str:
    # the text before the first child is text: escaped, or "&lt;b&gt;" printed on the page
    # would reach nh3 as markup (and "&lt;script&gt;" would take the text after it along)
    parts = [html.escape(root.text or "", quote=False)]
    # lxml.html's serializer (it also drops a <meta> content type) on plain elements too
    parts.extend(
        lxml_html.tostring(cast(lxml_html.HtmlElement, child), encoding="unicode") for child in root
    )
    return "".join(parts)


_CLEANER = nh3.Cleaner(
    tags=set(_ALLOWED_TAGS),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in _ALLOWED_ATTRIBUTES.items()},
    url_schemes={"http", "https", "mailto", "tel"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)
"""The allow-list, built into an ammonia sanitizer once: ``nh3.clean`` builds one from its
arguments on each call, about a fifth of the time it takes on a body."""


def sanitize_html(
    fragment: str, base_url: str, *, resolve: Callable[[str | None], str | None] | None = None
) -> str:
    """Safe, self-contained HTML of an article body: allow-listed tags and attributes only,
    absolute links, no scripts, styles, embeds, event handlers or empty spacer paragraphs.

    ``resolve``: a :class:`Resolver` for ``base_url`` that already resolved some of the
    fragment's links (the body's images and documents); links are resolved afresh without."""
    root = _parse(fragment)
    if root is None:
        return ""
    return _sanitize(root, resolve or Resolver(base_url))


def sanitize_element(
    element: etree._Element,
    base_url: str,
    *,
    resolve: Callable[[str | None], str | None] | None = None,
) -> str:
    """:func:`sanitize_html` of ``element``'s HTML serialization (its tail included), which
    ``element`` (a copy, the caller's to give away) is made part of.

    Serializing a body to parse it again is a quarter of its cleaning, and gives back the
    same tree but for what :func:`_as_reparsed` looks for: then the element itself is
    cleaned, under a ``<body>`` as the parse would put it, else its serialization is.
    """
    holder = _as_reparsed(element)
    if holder is None:
        markup = etree.tostring(element, encoding="unicode", method="html")
        return sanitize_html(markup, base_url, resolve=resolve)
    return _sanitize(holder, resolve or Resolver(base_url))


_DOCUMENT_TAGS = frozenset({"html", "head", "body", "frameset", "frame"})
_REPARSED_TAGS = (
    *("xmp", "plaintext", "noembed", "noframes", "textarea", "title", "template"),
    *("script", "style", "noscript", "iframe", "svg", "math"),
    *_DOCUMENT_TAGS,
)
"""Elements whose content a serialization and a parse need not give back as it was: raw or
escapable raw text, foreign content, document structure."""
_EMPTY_ITEMS = etree.XPath("descendant-or-self::li[not(node())]")
"""An empty <li> is serialized without its end tag, so the parse puts what follows into it."""
_REPARSED_CHARS_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f\r]")
"""Characters a parse changes or removes (controls, a carriage return made a line feed), in
a text or an attribute; :func:`_parse` removes the controls before parsing."""
_URI_HOLDERS = etree.XPath("descendant-or-self::*[@href or @src or @action or self::a[@name]]")
_URI_VALUES = etree.XPath(
    "descendant-or-self::*/@href | descendant-or-self::*/@src"
    " | descendant-or-self::*/@action | descendant-or-self::a/@name",
    smart_strings=False,
)
_URI_AS_SERIALIZED_RE = re.compile(r"[!-~]*")
_URI_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
_ATTRIBUTE_VALUES = etree.XPath("descendant-or-self::*/@*", smart_strings=False)
_ALL_TEXT = etree.XPath("string()", smart_strings=False)


def _as_reparsed(element: etree._Element) -> etree._Element | None:
    """``element`` under a new ``<body>``, as the parse of its serialization would give it
    (a ``<body>``, the generic engine's, is that body itself); None when that parse may give
    something else.

    libxml2 serializes a link's ``href``, ``src``, ``action`` and an anchor's ``name``
    URI-escaped (spaces and non-ASCII as UTF-8 ``%XX``, leading blanks gone): such values are
    escaped here the same way. A tree with an element of :data:`_REPARSED_TAGS`, or a
    character of :data:`_REPARSED_CHARS_RE` in a text or an attribute, is not taken.
    """
    is_body = element.tag == "body"
    if not isinstance(element.tag, str) or (element.tag in _DOCUMENT_TAGS and not is_body):
        return None
    if next(element.iterdescendants(*_REPARSED_TAGS), None) is not None or _EMPTY_ITEMS(element):
        return None
    text = _ALL_TEXT(element)
    if not isinstance(text, str) or _REPARSED_CHARS_RE.search(text):
        return None
    if element.tail and _REPARSED_CHARS_RE.search(element.tail):
        return None
    values = _ATTRIBUTE_VALUES(element)
    if not isinstance(values, list) or _REPARSED_CHARS_RE.search(" ".join(map(str, values))):
        return None
    uris = _URI_VALUES(element)
    if isinstance(uris, list) and all(_URI_AS_SERIALIZED_RE.fullmatch(str(v)) for v in uris):
        holders: object = []  # the usual page: every link already as libxml2 writes it
    else:
        holders = _URI_HOLDERS(element)
    for holder in holders if isinstance(holders, list) else ():
        assert isinstance(holder, etree._Element)
        names = (
            ("href", "src", "action", "name") if holder.tag == "a" else ("href", "src", "action")
        )
        for name in names:
            value = holder.get(name)
            if value is not None and not _URI_AS_SERIALIZED_RE.fullmatch(value):
                holder.set(name, quote(value.lstrip(" \t\n\r"), safe=_URI_SAFE))
    if is_body:
        etree.Element("html").append(element)  # moved into a document of plain elements
        return element
    body = etree.Element("body")
    body.append(element)  # moved, its tail along, into a document of plain elements
    return body


def _sanitize(root: etree._Element, resolve: Callable[[str | None], str | None]) -> str:
    _remove_non_content(root)
    for heading in root.iter("h1"):
        # The page title is the h1; one inside the body is a section heading.
        heading.tag = "h2"
    _fix_links(root, resolve)
    _drop_empty(root)
    cleaned = _CLEANER.clean(_serialize_children(root))
    # NFC composes a tag's ">" with a combining long solidus that starts the text after it
    # ("≯": the markup broken); as a character reference it stays the text's
    return unicodedata.normalize("NFC", cleaned.replace(">\u0338", ">&#824;")).strip()


_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    }
)
_CELL_TAGS = frozenset({"td", "th"})


_BREAK_TAGS = _BLOCK_TAGS | {"br"}


def html_to_text(fragment: str) -> str:
    """Plain text: one paragraph per block element (p, div, li, h*, tr, figcaption, br ...),
    paragraphs separated by a blank line, NFC, whitespace collapsed; no script or style text."""
    root = _parse(fragment)
    if root is None:
        return ""
    _remove_non_content(root)
    paragraphs: list[str] = []
    buffer: list[str] = []
    # A paragraph ends at each block's start and end and at each <br>; an empty buffer (two
    # block edges in a row, most of them) makes no paragraph, so it is not cleaned.
    # iterwalk instead of recursion: broken pages can nest deeper than the recursion limit.
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        tag = tag.lower() if isinstance(tag, str) else ""
        if event == "start":
            if tag in _BREAK_TAGS:
                if buffer:
                    if text := clean_text("".join(buffer)):
                        paragraphs.append(text)
                    buffer.clear()
                if tag == "br":
                    continue
            elif tag in _CELL_TAGS:
                buffer.append(" ")
            if own := element.text:
                buffer.append(own)
        else:
            if tag in _BLOCK_TAGS:
                if buffer:
                    if text := clean_text("".join(buffer)):
                        paragraphs.append(text)
                    buffer.clear()
            elif tag in _CELL_TAGS:
                buffer.append(" ")
            if (tail := element.tail) and element is not root:
                buffer.append(tail)
    if buffer and (text := clean_text("".join(buffer))):
        paragraphs.append(text)
    return "\n\n".join(paragraphs)
