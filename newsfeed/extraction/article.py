"""Rule-driven article extraction: ``(html, url, rules) -> Article``, pure, no I/O.

A platform adapter supplies :class:`ArticleRules` (selectors, tried in order); this module holds
what every platform shares: the date precedence, credit lines, captions, attachments, related
links, sanitizing and the structured-data fallbacks (JSON-LD, Open Graph / ``article:*`` meta).
"""

from __future__ import annotations

import copy
import json
import mimetypes
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree, html
from parsel import Selector

from newsfeed.extraction.dates import ParsedDate, date_from_url, parse_date, parse_iso_date
from newsfeed.extraction.html import absolutize, html_to_text, sanitize_html
from newsfeed.extraction.select import Selectors, first, first_text, node_text, select
from newsfeed.extraction.text import clean_text, is_cms_account, normalize_author, parse_credit_line
from newsfeed.extraction.urls import canonical_url, make_guid
from newsfeed.items import Article, Attachment, Image, Link

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


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleRules:
    """Where a platform keeps each field. Every selector is a tuple of fallbacks."""

    title: Selectors
    published: Selectors
    """Elements whose text holds the publication date (never body text)."""
    body: Selectors
    summary: Selectors = ()
    author: Selectors = ()
    """Elements whose text is the author; removed from the body."""
    related: Selectors = ()
    """The ``<a>`` elements of the page's own related list."""
    updated: Selectors = ()
    drop: Selectors = ()
    """Elements removed from the body (share bars, print links, ads)."""
    section: Selectors = ()
    """The category label the page prints (breadcrumb), e.g. "HOẠT ĐỘNG LÃNH ĐẠO"."""
    lead_image: Selectors = ()
    """An ``<img>`` outside the body that illustrates the article (e.g. beside the sapo)."""
    lead_is_first_paragraph: bool = False
    """The platform prints no sapo element: the lead is the body's first paragraph."""
    midnight_is_date_only: bool = False
    """The platform prints "12:00 AM" for items entered with a date only (old Liferay)."""
    caption_in_next_paragraph: bool = False
    """A photo's caption is the short paragraph after the photo's own, plain or emphasized
    (Lạc Việt SharePoint: ``<p class="MsoNormal"><span><img>`` then ``<p><span>caption``)."""


def extract_article(
    sel: Selector,
    url: str,
    rules: ArticleRules,
    *,
    portal: str | None = None,
    article_id: str | None = None,
    host_aliases: Iterable[str] = (),
    primary_host: str | None = None,
    listing_published_raw: str | None = None,
    site_names: Iterable[str] = (),
    categories: tuple[str, ...] = (),
    article_id_of: Callable[[str], str | None] | None = None,
) -> Article:
    """Extract one Article. Absent optional fields are None or empty, never an exception."""
    canonical = canonical_url(url, aliases=host_aliases, primary_host=primary_host)
    meta = _Meta(sel)
    # relative links resolve against <base href> when the page declares one (Báo Cần Thơ does)
    base_href = sel.xpath("//head/base/@href").get()
    base = absolutize(base_href, url) if base_href else None
    base = base or url
    title = first_text(sel, rules.title) or meta.title() or ""

    body_node = first(sel, rules.body)
    body = _Body(body_node[0].root, base, rules) if body_node else None

    published, date_source = _published(sel, url, rules, meta, listing_published_raw)
    updated = _updated(sel, rules, meta)

    author = _author(sel, rules, body, meta, site_names)
    summary = first_text(sel, rules.summary)
    if summary is None and rules.lead_is_first_paragraph and body is not None:
        summary = body.first_paragraph()
    if summary is None and body is None:
        summary = meta.description()

    images: list[Image] = []
    for img in first(sel, rules.lead_image)[:1]:
        src = absolutize(img.attrib.get("src"), base)
        if src and _is_real_image(src):
            images.append(Image(url=src, caption=None))
    if body is not None:
        images.extend(i for i in body.images if i.url not in {x.url for x in images})

    return Article(
        url=url,
        canonical_url=canonical,
        guid=make_guid(portal, article_id=article_id, canonical=canonical),
        portal=portal,
        categories=categories,
        section=first_text(sel, rules.section),
        title=title,
        summary=summary,
        published=published.iso() if published else None,
        published_raw=published.raw if published else None,
        date_source=date_source,
        updated=updated.iso() if updated else None,
        author=author,
        body_html=body.html if body else "",
        body_text=body.text if body else "",
        images=tuple(images),
        related_links=tuple(
            _related(
                sel,
                rules,
                base,
                canonical=canonical,
                aliases=host_aliases,
                primary_host=primary_host,
                article_id_of=article_id_of,
            )
        ),
        attachments=tuple(body.attachments) if body else (),
        language=_language(sel),
    )


def _published(
    sel: Selector,
    url: str,
    rules: ArticleRules,
    meta: _Meta,
    listing_raw: str | None,
) -> tuple[ParsedDate | None, str | None]:
    """The article's own printed date first; structured data, the listing, the URL after.

    Only the first element the date selectors find is read: other dates on the page (side
    lists, "Các tin khác") are other articles' dates. A date-only printed date takes its time
    from a candidate of the same day that has one; otherwise it stays a date without a time.
    """
    printed: ParsedDate | None = None
    for node in first(sel, rules.published)[:3]:
        text = node_text(node) if not isinstance(node.root, str) else node.get()
        printed = parse_date(text, midnight_is_date_only=rules.midnight_is_date_only)
        if printed is not None:
            break
    others = [
        (meta.published(), "meta"),
        (meta.jsonld_date("datePublished"), "jsonld"),
        (parse_date(listing_raw, midnight_is_date_only=rules.midnight_is_date_only), "listing"),
    ]
    timed = [(d, s) for d, s in others if d is not None and d.has_time]
    if printed is not None:
        if printed.has_time:
            return printed, "article"
        for parsed, source in timed:
            if parsed.value.date() == printed.value.date():
                return parsed, source
        return printed, "article"
    if timed:
        return timed[0]
    dated = [(d, s) for d, s in others if d is not None]
    if dated:
        return dated[0]
    from_url = date_from_url(url)
    return (from_url, "url") if from_url else (None, None)


def _updated(sel: Selector, rules: ArticleRules, meta: _Meta) -> ParsedDate | None:
    text = first_text(sel, rules.updated)
    parsed = parse_date(text) if text else None
    return parsed or meta.modified() or meta.jsonld_date("dateModified")


def _author(
    sel: Selector,
    rules: ArticleRules,
    body: _Body | None,
    meta: _Meta,
    site_names: Iterable[str],
) -> str | None:
    names = {clean_text(n).casefold() for n in (*site_names, meta.site_name() or "") if n}
    for query in rules.author:
        for node in select(sel, query):
            author = normalize_author(node_text(node))
            if author:
                return author
    if body is not None and body.credit:
        return body.credit
    for candidate in meta.authors():
        author = normalize_author(candidate)
        if author and author.casefold() not in names:
            return author
    return None


def _related(
    sel: Selector,
    rules: ArticleRules,
    url: str,
    *,
    canonical: str,
    aliases: Iterable[str],
    primary_host: str | None,
    article_id_of: Callable[[str], str | None] | None = None,
) -> Iterator[Link]:
    """The related list, deduplicated by the CMS's article id where it has one (IIS serves
    ``Lists/Posts/Post.aspx?ID=1`` and ``lists/posts/post.aspx?ID=1`` alike), else by URL."""
    identify = article_id_of or (lambda _url: None)
    seen = {identify(canonical) or canonical}
    for query in rules.related:
        for anchor in select(sel, query):
            href = absolutize(anchor.attrib.get("href"), url)
            title = node_text(anchor) or clean_text(anchor.attrib.get("title"))
            if not href or not title:
                continue
            target = canonical_url(href, aliases=aliases, primary_host=primary_host)
            key = identify(target) or target
            if key not in seen:
                seen.add(key)
                yield Link(url=target, title=title)
        if len(seen) > 1:
            return


def _language(sel: Selector) -> str:
    lang = (
        sel.xpath("/html/@lang").get()
        or sel.css('meta[http-equiv="content-language"]::attr(content)').get()
    )
    lang = (lang or "vi").strip().replace("_", "-")
    return lang.split("-")[0].lower() or "vi"


def _is_real_image(src: str) -> bool:
    path = urlsplit(src).path.lower()
    return not (
        src.startswith("data:")
        or path.endswith((".gif", "spacer.png"))
        or "/icons/" in path
        or "/sprite" in path
    )


def attachment_type(url: str) -> str | None:
    """Media type of a document link, or None when the URL is not a document.

    Liferay's document library puts the file name before a UUID
    (``/documents/1/0/report.pdf/0c00...``), so every path segment is looked at.
    """
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    for segment in reversed(segments[-3:]):
        ext = segment.rsplit(".", 1)[-1].lower() if "." in segment else ""
        if ext in DOCUMENT_EXTENSIONS:
            guessed = mimetypes.guess_type(f"x.{ext}")[0]
            return guessed or "application/octet-stream"
    return None


class _Body:
    """The article body: a cleaned copy of the body element and what was taken out of it."""

    def __init__(self, element: Any, url: str, rules: ArticleRules) -> None:
        root = copy.deepcopy(element)
        self.url = url
        self.credit: str | None = None
        self.next_paragraph = rules.caption_in_next_paragraph
        wrapped = Selector(root=root)
        for query in (*rules.drop, *rules.author, "script", "style", "noscript", "iframe"):
            for node in select(wrapped, query):
                remove_keeping_tail(node.root)
        self._take_credit_line(root)
        self.images = list(self._images(root))
        self.attachments = list(self._attachments(root))
        markup = etree.tostring(root, encoding="unicode", method="html")
        self.html = sanitize_html(markup, url)
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
        for block in reversed(list(_iter_blocks(root))):
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
        for img in root.iter("img"):
            # lazy loading: the real address in data-*, a placeholder (or nothing) in src
            src = img.get("src")
            lazy = img.get("data-src") or img.get("data-original") or img.get("data-lazy-src")
            if lazy and (not src or src.startswith("data:")):
                src = lazy
            absolute = absolutize(src, self.url)
            if not absolute or not _is_real_image(absolute) or absolute in seen:
                continue
            seen.add(absolute)
            yield Image(url=absolute, caption=_caption(img, next_paragraph=self.next_paragraph))

    def _attachments(self, root: Any) -> Iterator[Attachment]:
        seen: set[str] = set()
        for anchor in root.iter("a"):
            href = absolutize(anchor.get("href"), self.url)
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


def _iter_blocks(root: Any) -> Iterator[Any]:
    for element in root.iter():
        # innermost blocks only: a wrapper div is not a line
        if (
            isinstance(element.tag, str)
            and element.tag in {"p", "div", "h4", "h5", "h6"}
            and not any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in element)
        ):
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
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
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


class _Meta:
    """Structured data of a page: Open Graph / article:* meta and JSON-LD."""

    def __init__(self, sel: Selector) -> None:
        self.sel = sel
        self._jsonld: list[dict[str, Any]] | None = None

    def _meta(self, *names: str) -> str | None:
        for name in names:
            value = self.sel.xpath(
                f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content'
            ).get()
            if value and value.strip():
                return clean_text(value)
        return None

    def title(self) -> str | None:
        return self._meta("og:title", "twitter:title") or self.jsonld_str("headline")

    def description(self) -> str | None:
        return self._meta("og:description", "description")

    def site_name(self) -> str | None:
        return self._meta("og:site_name", "application-name")

    def published(self) -> ParsedDate | None:
        return parse_iso_date(
            self._meta("article:published_time", "datePublished", "og:published_time")
        )

    def modified(self) -> ParsedDate | None:
        return parse_iso_date(self._meta("article:modified_time", "dateModified"))

    def authors(self) -> list[str]:
        found = [a for a in (self._meta("author", "article:author", "dc.creator"),) if a]
        for data in self.jsonld():
            author = data.get("author")
            for entry in author if isinstance(author, list) else [author]:
                name = entry.get("name") if isinstance(entry, dict) else entry
                if isinstance(name, str):
                    found.append(name)
        return [a for a in found if not a.startswith("http")]

    def jsonld(self) -> list[dict[str, Any]]:
        if self._jsonld is None:
            self._jsonld = []
            for raw in self.sel.xpath('//script[@type="application/ld+json"]/text()').getall():
                try:
                    data = json.loads(raw)
                except ValueError:
                    continue
                for item in data if isinstance(data, list) else data.get("@graph", [data]):
                    if isinstance(item, dict):
                        self._jsonld.append(item)
        return self._jsonld

    def jsonld_str(self, key: str) -> str | None:
        for data in self.jsonld():
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return clean_text(value)
        return None

    def jsonld_date(self, key: str) -> ParsedDate | None:
        return parse_iso_date(self.jsonld_str(key))


__all__ = ["ArticleRules", "attachment_type", "extract_article", "html"]
