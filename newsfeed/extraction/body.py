"""The article body, cleaned the same way for every engine: ``element -> Body``, pure.

What both the platform adapters (:mod:`newsfeed.extraction.article`) and the generic fallback
(:mod:`newsfeed.extraction.generic`) do to the body element they found: drop scripts, styles,
frames and the platform's own chrome; take the closing credit line or byline out as the
author ("Tin, ảnh: P.Y"); collect images with their captions as printed and linked documents;
sanitize the HTML (absolute links) and derive the plain text.
"""

from __future__ import annotations

import copy
import itertools
import mimetypes
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from parsel import Selector

from newsfeed.extraction.bounds import SCAN_LIMIT
from newsfeed.extraction.html import Resolver, html_to_text, join_text, sanitize_element
from newsfeed.extraction.select import Selectors, select
from newsfeed.extraction.text import clean_text, is_cms_account, parse_credit_line
from newsfeed.items import Attachment, Image

DOCUMENT_EXTENSIONS = frozenset(
    [
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "odp",
        "rtf",
        "txt",
        "csv",
        "zip",
        "rar",
        "7z",
        "mp3",
        "mp4",
        "wav",
    ]
)
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
        "figure",
        "blockquote",
        "section",
    ]
)
_CAPTION_CLASS_RE = re.compile(r"caption|chu-?thich|image-?desc|img-?desc|note", re.IGNORECASE)
_MAX_CAPTION = 300


def is_real_image(src: str) -> bool:
    path = urlsplit(src).path.lower()
    return not (
        src.startswith("data:")
        or path.endswith((".gif", "spacer.png"))
        or "/icons/" in path
        or "/sprite" in path
    )


_DOCUMENT_TYPES = {
    ext: mimetypes.guess_type(f"x.{ext}")[0] or "application/octet-stream"
    for ext in DOCUMENT_EXTENSIONS
}
"""Each document extension's media type, looked up once: ``guess_type`` per link was most of
the time an article's attachments took (every link of a body is asked)."""


def attachment_type(url: str) -> str | None:
    """Media type of a document link, or None when the URL is not a document.

    Liferay's document library puts the file name before a UUID
    (``/documents/1/0/report.pdf/0c00...``), so each of the last three path segments is
    looked at.
    """
    path = urlsplit(url).path
    if "." not in path and "%" not in path:  # no extension, even percent-encoded
        return None
    segments = [segment for segment in path.split("/") if segment][-3:]
    for segment in reversed(segments):
        segment = unquote(segment)
        ext = segment.rsplit(".", 1)[-1].lower() if "." in segment else ""
        if ext in _DOCUMENT_TYPES:
            return _DOCUMENT_TYPES[ext]
    return None


class Body:
    """The article body: a cleaned copy of the body element and what was taken out of it."""

    def __init__(
        self,
        element: Any,
        url: str,
        *,
        drop: Selectors = (),
        caption_in_next_paragraph: bool = False,
    ) -> None:
        """``element``: the body (left untouched); ``url``: the base for relative links;
        ``drop``: selectors of what is not body (share bars, the byline element);
        ``caption_in_next_paragraph``: a short paragraph right after a photo's own is its
        caption (``ArticleRules.caption_in_next_paragraph``)."""
        root = copy.deepcopy(element)
        self.url = url
        self._resolve = Resolver(url)
        self.credit: str | None = None
        """The closing credit line or byline taken out of the body, as an author."""
        self.next_paragraph = caption_in_next_paragraph
        # most drop queries name a class the body does not have: select does not run those
        # (each would be a scan of the body), from one reading of the copy's classes
        wrapped = Selector(root=root)
        for query in drop:
            for node in select(wrapped, query):
                remove_keeping_tail(node.root)
        for tag in ("script", "style", "noscript", "iframe"):
            for code in list(root.iter(tag)):
                remove_keeping_tail(code)
        self._take_credit_line(root)
        self.images = list(self._images(root))
        self.attachments = list(self._attachments(root))
        # the copy is given away: cleaned in place, or serialized and parsed again when that
        # parse could make another tree of it (sanitize_element)
        self.html = sanitize_element(root, url, resolve=self._resolve)
        self.text = html_to_text(self.html)

    def first_paragraph(self) -> str | None:
        for paragraph in self.text.split("\n\n"):
            if paragraph.strip():
                return paragraph.strip()
        return None

    def _take_credit_line(self, root: Any) -> None:
        """The last non-empty block, when it reads as a credit line or a byline, is the author.

        A credit line has its prefix ("Tin, ảnh: P.Y"); a byline is a short right-aligned name
        ("Phạm Linh" in ``p.texttacgia``, seen on Hanoi portals 2022).
        """
        for block in _lines_from_the_end(root):
            text = clean_text(block.text_content())
            if not text:
                continue
            credit = parse_credit_line(text) or (text if _is_byline(block, text) else None)
            if credit and not is_cms_account(credit):
                self.credit = credit
                remove_keeping_tail(block)
            return

    def _images(self, root: Any) -> Iterator[Image]:
        seen: set[str] = set()
        for img in itertools.islice(root.iter("img"), SCAN_LIMIT):
            # lazy loading: the real address in data-*, a placeholder (or nothing) in src
            src = img.get("src")
            lazy = img.get("data-src") or img.get("data-original") or img.get("data-lazy-src")
            if lazy and (not src or src.startswith("data:")):
                src = lazy
            absolute = self._resolve(src)
            if not absolute or not is_real_image(absolute) or absolute in seen:
                continue
            seen.add(absolute)
            yield Image(url=absolute, caption=_caption(img, next_paragraph=self.next_paragraph))

    def _attachments(self, root: Any) -> Iterator[Attachment]:
        seen: set[str] = set()
        for anchor in itertools.islice(root.iter("a"), SCAN_LIMIT):
            href = self._resolve(anchor.get("href"))
            kind = attachment_type(href) if href else None
            if not href or not kind or href in seen:
                continue
            seen.add(href)
            name = unquote(urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1])
            title = clean_text(anchor.text_content()) or name
            yield Attachment(url=href, title=title, type=kind)


_RIGHT_ALIGNED_RE = re.compile(r"text-align\s*:\s*right", re.IGNORECASE)
_BYLINE_CLASS_RE = re.compile(r"tac-?gia|author|byline", re.IGNORECASE)


def _is_byline(block: Any, text: str) -> bool:
    """A short right-aligned line of a name or two, with no sentence in it."""
    marked = (
        _RIGHT_ALIGNED_RE.search(block.get("style") or "")
        or (block.get("align") or "").lower() == "right"
        or _BYLINE_CLASS_RE.search(block.get("class") or "")
    )
    words = text.split()
    return bool(
        marked
        and len(text) <= 50
        and 1 <= len(words) <= 6
        and not any(ch.isdigit() for ch in text)
        and not text.rstrip("/").endswith((".", ":", "?", "!"))
        and text[0].isupper()
    )


_LINE_TAGS = ("p", "div", "h4", "h5", "h6")
_BLOCK_TAGS = tuple(sorted(_BLOCKS))


def _lines_from_the_end(root: Any) -> Iterator[Any]:
    """The body's lines, last first: its p, div and h4-h6 elements holding no block (a wrapper
    div is not a line). The credit line is the last line with text, nearly always the last or
    the one before: only those are tested for a block child, not every line of the body (a
    query testing each element's children was half the time of finding the credit)."""
    for element in reversed(list(root.iter(*_LINE_TAGS))):
        if next(element.iterchildren(*_BLOCK_TAGS), None) is None:
            yield element


def remove_keeping_tail(element: Any) -> None:
    """Remove an lxml element but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    # keep the tail text that follows the removed element
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            join_text(previous, "tail", element.tail)
        else:
            join_text(parent, "text", element.tail)
    parent.remove(element)


def _caption(img: Any, *, next_paragraph: bool = False) -> str | None:
    """The caption printed with an image, by the layouts Vietnamese CMSes use; with
    ``next_paragraph``, any short paragraph right after the image's own is its caption."""
    for ancestor in img.iterancestors():
        if ancestor.tag == "figure":
            caption = ancestor.find(".//figcaption")
            return _caption_text(caption) if caption is not None else None
        if ancestor.tag == "table":
            text = clean_text(ancestor.text_content())
            if text and len(text) <= _MAX_CAPTION and len(list(ancestor.iter("img"))) == 1:
                return text
            break
    block = img
    while block.getparent() is not None and block.tag not in {"p", "div", "td", "figure"}:
        block = block.getparent()
    # caption inside the same block after the image (img <br> <em>caption</em>)
    after = _text_after(img, block)
    if after and len(after) <= _MAX_CAPTION and _is_emphasized_after(img, block):
        return after
    sibling = block.getnext()
    while sibling is not None and not clean_text(sibling.text_content()):
        if sibling.tag == "img" or list(sibling.iter("img")):
            return None
        sibling = sibling.getnext()
    if sibling is None:
        return None
    # the caption may open a wrapper that also holds the following paragraphs (seen on
    # sotttt.hanoi.gov.vn 2022: <p><img></p><div class="...-content-detail"><div><p><i>...)
    # a caption class may sit on a wrapper around the caption paragraph
    wrapper_classes = sibling.get("class") or ""
    sibling = _leading_block(sibling)
    if list(sibling.iter("img")):
        return None
    classes = f"{wrapper_classes} {sibling.get('class') or ''}"
    text = clean_text(sibling.text_content())
    if not text or len(text) > _MAX_CAPTION:
        return None
    if _CAPTION_CLASS_RE.search(classes) or _all_emphasized(sibling):
        return text
    if next_paragraph and sibling.tag == "p" and not clean_text(_text_before(img, block)):
        return text
    return None


def _text_before(img: Any, block: Any) -> str:
    """The text of ``block`` before ``img``: a photo's own paragraph holds none."""
    parts: list[str] = [block.text or ""]
    for node in block.iterdescendants():
        if node is img:
            break
        if isinstance(node.tag, str):
            parts.append(node.text or "")
            if img not in node.iterdescendants():
                parts.append(node.tail or "")
    return clean_text(" ".join(parts))


def _leading_block(element: Any) -> Any:
    """The innermost first block of a wrapper, when no text comes before it."""
    while not clean_text(element.text):
        children = [c for c in element if isinstance(c.tag, str)]
        blocks = [c for c in children if c.tag in _BLOCKS]
        if not blocks or children[0] is not blocks[0]:
            break
        element = blocks[0]
        while element is not None and not clean_text(element.text_content()):
            element = element.getnext()
        if element is None:
            return blocks[0]
    return element


def _caption_text(element: Any) -> str | None:
    return clean_text(element.text_content()) or None


def _text_after(img: Any, block: Any) -> str:
    parts: list[str] = []
    started = False
    for node in block.iter():
        if node is img:
            started = True
            parts.append(img.tail or "")
            continue
        if started and isinstance(node.tag, str):
            parts.append(node.text or "")
            parts.append(node.tail or "")
    return clean_text(" ".join(parts))


def _is_emphasized_after(img: Any, block: Any) -> bool:
    started = False
    for node in block.iter():
        if node is img:
            started = True
            if clean_text(img.tail):
                return False
        elif started and node.tag in {"em", "i"}:
            return True
    return False


def _all_emphasized(element: Any) -> bool:
    """Every piece of text of the element sits inside <em> or <i>."""
    for text_node in element.xpath(".//text()"):
        if not clean_text(str(text_node)):
            continue
        chain = [text_node.getparent(), *text_node.getparent().iterancestors()]
        inside = chain[: chain.index(element)] if element in chain else chain
        if not any(a.tag in {"em", "i"} for a in inside):
            return False
    return True


def body_of_fragment(fragment: str, url: str) -> Body:
    """:class:`Body` of an HTML fragment (the generic fallback's cleaned container)."""
    sel = Selector(text=f"<html><body>{fragment}</body></html>")
    element = sel.xpath("//body")
    return Body(element[0].root if element else sel.root, url)


__all__ = ["DOCUMENT_EXTENSIONS", "Body", "attachment_type", "body_of_fragment", "is_real_image"]
