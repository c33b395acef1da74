"""The generic fallback for pages of sites with no profile.

A page of an unknown news site is read in this order, each field on its own:

- **structured data** (:mod:`newsfeed.extraction.structured`, the reader both engines share):
  JSON-LD ``NewsArticle`` / ``Article`` (also in ``@graph``, lists and the malformed JSON-LD
  Vietnamese CMSes print), Open Graph / ``article:*`` meta, itemprops;
- **the printed page near the title**: the headline element, a date-time printed beside it
  (``.time``, ``.date``, ``span.pubdate``, ``<time>``), a byline element (``.author``...);
- **the article container** (``itemprop=articleBody``, common CMS classes), else trafilatura's
  main-text extraction, then the body cleaner both engines share
  (:mod:`newsfeed.extraction.body`: credit line "Tin, ảnh: ...", captions, attachments,
  sanitizing).

Rules shared with the adapters (issue #3):

- **The site name is not an author** (:func:`newsfeed.extraction.structured.acceptable_author`).
- **A date without a time is not midnight** (:func:`newsfeed.extraction.dates.choose_published`,
  with the printed date a guess here). Provincial newspapers emit
  ``"datePublished": "2026-01-08"`` and print "08/01/2026 - 18:21" above the headline (Báo Cần
  Thơ, January 2026): the printed date-time near the title wins over a structured date-only or
  a structured midnight of the same day. The publication date is never read from body text.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from datetime import timedelta
from functools import cache
from typing import Any

from lxml import etree
from parsel import Selector

from newsfeed.extraction.body import Body, body_of_fragment, remove_keeping_tail
from newsfeed.extraction.bounds import SCAN_LIMIT
from newsfeed.extraction.dates import (
    ParsedDate,
    choose_published,
    parse_date,
    parse_iso_date,
)
from newsfeed.extraction.html import absolutize
from newsfeed.extraction.select import (
    VISIBLE_TEXT,
    css_names_needed,
    css_runnable,
    document_classes,
    may_match,
    runnable,
)
from newsfeed.extraction.structured import (
    TITLE_SEPARATORS_RE,
    StructuredData,
    acceptable_author,
    declared_author,
)
from newsfeed.extraction.text import clean_text, fold
from newsfeed.extraction.urls import canonical_url, host_of, make_guid
from newsfeed.items import Article, Link
from newsfeed.timezone import LOCAL_TZ

__all__ = ["FIELDS", "extract_generic"]

logger = logging.getLogger(__name__)

# --- selectors: tuples of fallbacks, structured data first --------------------------------------
# A query testing classes starts with [@class] (or the attributes it tests): an element without
# them cannot match, and the test for the attribute is a fraction of a dozen contains() on an
# empty string, for every element of the page (these queries took 40% less time with it).

_TITLE_NODES = (
    "//h1[@itemprop='headline']",
    "//*[@itemprop='headline'][not(self::meta)]",
    "//h1",
    "//*[@class][self::h2 or self::div or self::p]"
    "[contains(concat(' ', normalize-space(@class), ' '), ' title-detail ')"
    " or contains(@class, 'detail-title') or contains(@class, 'article-title')"
    " or contains(@class, 'title_detail') or contains(@class, 'post-title')"
    " or contains(@class, 'entry-title') or contains(@class, 'cms-title')"
    " or contains(@class, 'article__title')]",
)
_BODY_CONTAINERS = (
    "[itemprop=articleBody]",
    ".fck_detail",
    ".detail-content.afcbc-body",
    "[data-role=content]",
    "#entry-body",
    ".singular-content",
    ".cms-body",
    ".zce-content-body",
    ".article__body",
    ".article-body",
    ".article-content",
    ".detail-content",
    ".content-detail",
    ".detail__content",
    ".detail-body",
    ".news-content",
    ".news-body",
    ".post-content",
    ".entry-content",
    ".td-post-content",
    "#newscontents .content-fck",
    ".content-fck",
    "#newscontents",
    ".ArticleContent",
    ".journal-content-article",
    ".body-content",
    ".noidung",
    ".content-news",
    "#content-detail",
    # Drupal 8+ and 7 body fields, EasyDNNnews (DotNetNuke), Joomla's article view
    ".field--name-body",
    ".field-name-body .field-item",
    ".field-name-body",
    ".edn_articleContent",
    ".item-page .article-body",
)
_SUMMARY_NODES = (
    "//*[@itemprop='description'][not(self::meta)]",
    "//*[@class][contains(concat(' ', normalize-space(@class), ' '), ' sapo ')]",
    "//*[@class][contains(@class, 'detail-sapo') or contains(@class, 'article-sapo')"
    " or contains(@class, 'article__sapo') or contains(@class, 'singular-sapo')"
    " or contains(@class, 'news-sapo') or contains(@class, 'cms-desc')"
    " or contains(@class, 'ArticleSummary') or contains(@class, 'article-summary')"
    " or contains(@class, 'tomtat') or contains(@class, 'tom-tat') or contains(@class, 'tom_tat')]",
    "//p[contains(concat(' ', normalize-space(@class), ' '), ' description ')]",
    "//*[@class][contains(concat(' ', normalize-space(@class), ' '), ' lead ')]",
)
_DATE_NODES = (
    "//*[@itemprop='datePublished'][not(self::meta)]",
    "//time",
    "//*[@data-role='publishdate']",
    "//*[@class or @id][not(self::html or self::body)][contains(@class, 'date')"
    " or contains(@class, 'time')"
    " or contains(@class, 'publish') or contains(@class, 'Date') or contains(@class, 'Time')"
    " or contains(@class, 'ngay-dang') or contains(@class, 'ngaydang')"
    " or contains(@class, 'ngay_dang')"
    " or contains(@id, 'date') or contains(@id, 'time')]",
)
_AUTHOR_NODES = (
    "//*[@itemprop='author'][not(self::meta)]",
    "//a[@rel='author']",
    "//*[@class][not(self::html or self::body or self::meta)][contains(@class, 'author')"
    " or contains(@class, 'byline') or contains(@class, 'tac-gia') or contains(@class, 'tacgia')"
    " or contains(@class, 'Author') or contains(@class, 'writer')]",
)
# Boxes of the page's own "related / other news" list, by class or by their heading.
_RELATED_BOXES = (
    "//*[@class or @type][contains(@class, 'related') or contains(@class, 'relate')"
    " or contains(@class, 'lien-quan') or contains(@class, 'lienquan')"
    " or contains(@class, 'tin-khac') or contains(@class, 'tinkhac')"
    " or contains(@class, 'other') or contains(@class, 'cung-chuyen-muc')"
    " or @type='RelatedNewsBox']",
)
_RELATED_HEADING_RE = re.compile(
    r"^(?:tin|bài|các tin|các bài)\s+(?:liên quan|khác|cùng chuyên mục|đã đưa)|^đọc thêm|^xem thêm"
    r"|^đọc tiếp|^có thể bạn quan tâm",
    re.IGNORECASE,
)
_SIDEBAR_RE = re.compile(r"sidebar|col-?right|aside|footer|\bnav\b|menu", re.IGNORECASE)
_MOST_READ_RE = re.compile(r"most|popular|doc-?nhieu|xem-?nhieu|hot-?news", re.IGNORECASE)
_MIN_LINK_WORDS = 4
_UTC0 = timedelta(0)


# Class or id words of elements that are no part of the body text (matched per word of the
# class, so "share" hits "box-share" and "sharebox" but "shared" words in prose cannot occur).
_NOT_BODY_RE = re.compile(
    r"share|social|sharing|related|relate\b|lien-?quan|tin-?khac|other-?news|breadcrumb"
    r"|comment|binh-?luan|rating|vote|advert|quang-?cao|banner|newsletter|subscribe|toolbar"
    r"|sidebar|author|byline|tac-?gia|pubdate|publish|datetime|print|\btags?\b|keyword"
    r"|\bads?\b|\badv\b|\bqc\b|\bdate\b|\btime\b|\bsapo\b|\bmeta\b|\bnav\b|\bmenu\b",
    re.IGNORECASE,
)
# Boxes that hold other articles' dates, bylines and links, or the site's own chrome.
_NOT_ARTICLE_RE = re.compile(
    r"related|relate\b|lien-?quan|tin-?khac|other|sidebar|\bnav\b|menu|footer|comment"
    r"|binh-?luan|most|popular|xem-?nhieu|doc-?nhieu|widget|\btop-?bar\b|header-top|\bweather"
    r"|box-?news|list-?news|news-?list|category|cate-?list|hot-?news",
    re.IGNORECASE,
)
_CAPTION_RE = re.compile(r"caption|chu-?thich", re.IGNORECASE)
_CHROME_TAGS = frozenset({"nav", "footer", "aside"})
_MAX_DATE_TEXT = 120
_MAX_AUTHOR_TEXT = 80
_MAX_AUTHOR_WORDS = 8
_MAX_STEPS = 4
_MIN_BODY_CHARS = 150
_BYLINE_LABEL_RE = re.compile(
    r"^(?:tác giả|bài viết|người viết|viết bởi|đăng bởi|người đăng|bởi|by|phóng viên|pv)\s*:?\s+",
    re.IGNORECASE,
)


# --- queries ------------------------------------------------------------------------------------


@cache
def _compiled(query: str, css: bool = False) -> etree.XPath:
    """``query`` (XPath, or CSS when ``css``) compiled once: parsel compiles the string again
    on every call, a fifth of a fallback extraction's time, and wraps every match. Run as
    :func:`~newsfeed.extraction.select.select` runs a query (the same nodes, sooner)."""
    return etree.XPath(css_runnable(query) if css else runnable(query), smart_strings=False)


def _elements(sel: Selector, query: str, *, css: bool = False) -> list[Any]:
    """The elements ``query`` matches in ``sel``'s page, in document order."""
    found = _compiled(query, css)(sel.root)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


_LINK = etree.XPath(".//a[@href]")
_IDS = etree.XPath("//@id", smart_strings=False)


def _names_in(sel: Selector) -> frozenset[str]:
    """Every class (``.name``) and id (``#name``) the page uses: one scan of the document,
    so that a container query naming one it does not use is not run (each is a scan)."""
    # the class attributes as select's prefilter read them (one scan of them per page)
    names = {"." + token for token in document_classes(sel).split()}
    names.update("#" + str(value).strip() for value in _IDS(sel.root))
    return frozenset(names)


# --- JSON-LD ------------------------------------------------------------------------------------

# --- the page around the title ------------------------------------------------------------------


class _Layout:
    """Where the article sits in the page: its title node and body container, and which nodes
    are near the title (the header / byline area) rather than in boxes of other articles."""

    def __init__(self, sel: Selector, data: StructuredData) -> None:
        self.sel = sel
        self.data = data
        self._boxes: dict[Any, bool] = {}
        self.title_node = self._title_node()
        self.body_node = self._body_node()
        anchor = self.title_node if self.title_node is not None else self.body_node
        self._anchor_path = list(anchor.iterancestors()) if anchor is not None else []

    def _title_node(self) -> Any | None:
        structured = [_strip_site(t, self.data) for t in self.data.titles()]
        keys = {fold(t) for t in structured}
        eligible: list[Any] = []
        for query in _TITLE_NODES:
            for node in self.elements(query):
                text = _text(node)
                if (
                    not text
                    or self.data.is_site(text)
                    or (_LINK(node) and (fold(text) not in keys))
                ):
                    # a logo, or a breadcrumb h1 of links (Báo Cần Thơ's .titlecate)
                    continue
                if fold(text) in keys:
                    return node
                if not self._in_chrome(node):
                    eligible.append(node)
        if not eligible:
            return None
        if not structured:
            return eligible[0]
        # the printed headline that best matches the declared one; a social variant of the
        # title (og:title edited for sharing) still overlaps the printed one
        best = max(eligible, key=lambda n: _f1(_text(n), structured[0]))
        return best if _f1(_text(best), structured[0]) >= 0.5 else None

    def _body_node(self) -> Any | None:
        present = _names_in(self.sel)
        for query in _BODY_CONTAINERS:
            needed = css_names_needed(query)
            if needed is not None and not needed <= present:
                continue  # a class or id the page has nowhere: the query cannot match
            matches = _elements(self.sel, query, css=True)
            matches = [m for m in matches if not self._in_chrome(m, self.title_node)]
            if not matches:
                continue
            best = max(matches, key=lambda m: len(_text(m)))
            if len(_text(best)) >= _MIN_BODY_CHARS:
                return best
        return None

    def near_title(self, element: Any) -> int | None:
        """Levels from the title up to the common ancestor with ``element``, when the element
        sits in the article's header area; None when it is in another box or too far."""
        if not self._anchor_path:
            return None
        path = set(self._anchor_path)
        for ancestor in element.iterancestors():
            if ancestor in path:
                level = self._anchor_path.index(ancestor) + 1
                if ancestor.tag in {"body", "html"} or level > _MAX_STEPS:
                    return None
                return level
            if self._other_box(ancestor):
                return None
        return None

    def elements(self, query: str) -> list[Any]:
        """:func:`_elements`, not run when no class on the page holds what the query needs
        (:func:`~newsfeed.extraction.select.may_match`)."""
        return _elements(self.sel, query) if may_match(self.sel, query) else []

    def _other_box(self, element: Any) -> bool:
        """:func:`_is_other_box`, remembered: the candidates of a page share their ancestors,
        and each was tested again for every candidate (a fifth of a fallback's time)."""
        box = self._boxes.get(element)
        if box is None:
            box = self._boxes[element] = _is_other_box(element)
        return box

    def _in_chrome(self, element: Any, article: Any | None = None) -> bool:
        """True inside the site's navigation, footer, sidebars or boxes of other articles. An
        ancestor that also holds ``article`` (the title) is the article's column, whatever its
        class: VnExpress calls its main column "sidebar-1" (2026)."""
        exempt = set(article.iterancestors()) if article is not None else set()
        for ancestor in element.iterancestors():
            if ancestor in exempt:
                continue
            if ancestor.tag == "header" and ancestor.find(".//h1") is None:
                return True
            if self._other_box(ancestor):
                return True
        return False

    def in_body(self, element: Any) -> bool:
        body = self.body_node
        return body is not None and (element is body or body in set(element.iterancestors()))

    def after_body(self, element: Any) -> bool:
        if self.body_node is None:
            return False
        return _doc_index(element) > _doc_index(self.body_node) and not self.in_body(element)


def _text(element: Any) -> str:
    return clean_text(" ".join(VISIBLE_TEXT(element)))


def _classes(element: Any) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _is_other_box(element: Any) -> bool:
    return element.tag in _CHROME_TAGS or bool(_NOT_ARTICLE_RE.search(_classes(element)))


def _doc_index(element: Any) -> int:
    return int(element.sourceline or 0) * 10_000 + len(list(element.iterancestors()))


def _strip_site(title: str, data: StructuredData) -> str:
    """A title without its " - Site name" / " | Site" suffix (or prefix)."""
    parts = TITLE_SEPARATORS_RE.split(title)
    while len(parts) > 1 and data.is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and data.is_site(parts[0]):
        parts.pop(0)
    if len(parts) == len(TITLE_SEPARATORS_RE.split(title)):
        return title
    return _rejoin(title, parts)


def _rejoin(title: str, parts: list[str]) -> str:
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return clean_text(title[start:end]) if start >= 0 and end > start else " ".join(parts)


_WORD_RE = re.compile(r"\w+")


def _tokens(text: str) -> list[str]:
    return _WORD_RE.findall(clean_text(text).casefold())


def _f1(a: str, b: str) -> float:
    from collections import Counter

    ta, tb = Counter(_tokens(a)), Counter(_tokens(b))
    common = sum((ta & tb).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ta.values()), common / sum(tb.values())
    return 2 * precision * recall / (precision + recall)


# --- fields -------------------------------------------------------------------------------------


def _title(layout: _Layout, data: StructuredData) -> str:
    if layout.title_node is not None:
        return _text(layout.title_node)
    for title in data.titles():
        stripped = _strip_site(title, data)
        if stripped:
            return stripped
    return ""


def _printed_dates(layout: _Layout) -> list[tuple[int, ParsedDate]]:
    """Dates printed in the title's area, with their distance from the title; never from the
    body, nor from boxes of other articles."""
    found: list[tuple[int, int, ParsedDate]] = []
    seen: set[Any] = set()
    for query in _DATE_NODES:
        for element in layout.elements(query):
            if element in seen or layout.in_body(element):
                continue
            seen.add(element)
            steps = layout.near_title(element)
            if steps is None:
                continue
            parsed = _date_of(element)
            if parsed is None:
                continue
            found.append((steps + (2 if layout.after_body(element) else 0), len(found), parsed))
    found.sort(key=lambda item: (item[0], not item[2].has_time, item[1]))
    return [(steps, parsed) for steps, _, parsed in found]


def _date_of(element: Any) -> ParsedDate | None:
    attribute = element.get("datetime") or (
        element.get("content") if element.get("itemprop") == "datePublished" else None
    )
    parsed = parse_iso_date(attribute) if attribute else None
    text = _text(element)
    if (parsed is None or not parsed.has_time) and text and len(text) <= _MAX_DATE_TEXT:
        printed = parse_date(text)
        parsed = printed if printed is not None and (parsed is None or printed.has_time) else parsed
    if parsed is not None and not parsed.has_time:
        # a date and its time printed in two sibling spans: read the parent's line
        parent = element.getparent()
        line = _text(parent) if parent is not None else ""
        if line and len(line) <= _MAX_DATE_TEXT:
            whole = parse_date(line)
            if whole is not None and whole.has_time and whole.value.date() == parsed.value.date():
                return whole
    return parsed


def _published(
    layout: _Layout, data: StructuredData, url: str
) -> tuple[ParsedDate | None, str | None]:
    """Structured data first, the date printed near the title over a structured midnight or
    date-only (:func:`~newsfeed.extraction.dates.choose_published`, the printed date guessed)."""
    printed = next((p for _, p in _printed_dates(layout)), None)
    return choose_published(printed, data.published(), url, printed_trusted=False)


def _byline_nodes(layout: _Layout) -> Iterator[Any]:
    """Byline elements of the article, outer before inner (a wrapper whose text is not a name
    is followed by the name element inside it)."""
    seen: set[Any] = set()
    for query in _AUTHOR_NODES:
        for element in layout.elements(query):
            if element in seen or re.search("comment|binh-?luan", _classes(element), re.I):
                continue
            if layout.in_body(element) or layout.near_title(element) is not None:
                seen.add(element)
                yield element


_BYLINE_NOISE_RE = re.compile(
    r"\(?\S+@\S+\)?|\bGMT\s*[+-]?\s*\d*|\b(?:theo dõi|follow|xem thêm|liên hệ|cập nhật|lúc|ngày)\b"
    r"|(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)\s*,?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}\s*[:h]\s*\d{2}(?:\s*(?:am|pm|sa|ch))?",
    re.IGNORECASE,
)


def _clean_byline(text: str) -> str | None:
    """The name in a byline box: without labels ("Tác giả:"), e-mail, dates, times, buttons
    ("Theo dõi") or separators."""
    text = clean_text(_BYLINE_NOISE_RE.sub(" | ", clean_text(text)))
    if not text or len(text) > _MAX_AUTHOR_TEXT * 2:
        return None
    parts = [p.strip(" ,-–") for p in re.split(r"\s*[|•·]\s*", text)]
    names = [p for p in parts if p and not re.search(r"\d", p)]
    if not names:
        return None
    name = _BYLINE_LABEL_RE.sub("", names[0]).strip(" :-–")
    return name or None


def _printed_author(layout: _Layout, data: StructuredData, title: str) -> str | None:
    """The name in a byline element of the article (near the title or in the body)."""
    for element in _byline_nodes(layout):
        name = acceptable_author(_clean_byline(_text(element)), data, title)
        if name:
            return name
    return None


def _summary(layout: _Layout, data: StructuredData, title: str) -> tuple[str | None, Any | None]:
    for query in _SUMMARY_NODES:
        for element in layout.elements(query):
            if not (layout.in_body(element) or layout.near_title(element) is not None):
                continue
            text = _text(element)
            if text and fold(text) != fold(title) and len(text) >= 20:
                return text, element
    description = data.description()
    if description and fold(description) != fold(title) and not data.is_site(description):
        return description, None
    return None, None


_MAX_LEAD_CHARS = 600


def _bold_lead(body: Any, title: str) -> str | None:
    """The body's first paragraph when all its text is bold (``<p><strong>...</strong></p>``),
    the way most Vietnamese CMSes print the sapo without a class for it."""
    for block in body.iter("p", "div", "h2", "h3"):
        if any(isinstance(c.tag, str) and c.tag in {"p", "div"} for c in block):
            continue
        text = _text(block)
        if not text:
            if block.find(".//img") is not None:
                return None
            continue
        bold = clean_text(" ".join(" ".join(b.itertext()) for b in block.iter("strong", "b")))
        if (
            bold == text
            and fold(text) != fold(title)
            and 20 <= len(text) <= _MAX_LEAD_CHARS
            and len(text.split()) >= 8
        ):
            return text
        return None
    return None


_SHORT_HEADINGS = (
    "//*[self::h2 or self::h3 or self::h4 or self::div or self::span or self::strong"
    " or self::b or self::td or self::th or self::p]"
    "[string-length(normalize-space()) < 40]"
)


def _related_boxes(layout: _Layout) -> Iterator[Any]:
    for query in _RELATED_BOXES:
        yield from layout.elements(query)
    for heading in _elements(layout.sel, _SHORT_HEADINGS):
        if _RELATED_HEADING_RE.match(_text(heading)):
            # the box: the nearest ancestor holding links (a table layout prints the heading
            # in a row of its own, the links in the rows below)
            node = heading.getparent()
            for _ in range(3):
                if node is None or node.tag in {"body", "html"}:
                    break
                if node.find(".//a") is not None:
                    yield node
                    break
                node = node.getparent()


def _related(layout: _Layout, url: str, canonical: str) -> list[Link]:
    """Links of the page's related / other-news boxes (not the sidebar's), same host, in
    page order; an article's own link and duplicates are dropped."""
    links: list[Link] = []
    seen = {canonical}
    host = host_of(url)
    article_columns: set[Any] = set()
    for node in (layout.title_node, layout.body_node):
        if node is not None:
            article_columns.update(node.iterancestors())
    boxes = [
        box
        for box in dict.fromkeys(_related_boxes(layout))
        if not _MOST_READ_RE.search(_classes(box))
        and not any(
            (a.tag in _CHROME_TAGS or _SIDEBAR_RE.search(_classes(a)))
            # the main column of some sites is called "sidebar-1" (VnExpress, 2026)
            and a not in article_columns
            for a in box.iterancestors()
        )
    ]
    boxes = [box for box in boxes if not _in_side_column(box, layout)]
    anchors = [a for box in boxes for a in box.iter("a")]
    anchors.sort(key=_doc_position(layout))
    for anchor in anchors[:SCAN_LIMIT]:
        href = absolutize(anchor.get("href"), url)
        title = _text(anchor) or clean_text(anchor.get("title"))
        if not href or not title or host_of(href) != host:
            continue
        if len(title.split()) < _MIN_LINK_WORDS:
            continue
        target = canonical_url(href)
        if target not in seen:
            seen.add(target)
            links.append(Link(url=target, title=title))
    return links


_SIDE_BOX_RE = re.compile(
    r"xem nhieu|doc nhieu|lien ket|tu khoa|^tags?$|van ban|thong ke|quang cao|tien ich|tham do"
    r"|lich cong tac|hoi dap"
)
_SIDE_COLUMN_LINKS = 6


def _in_side_column(box: Any, layout: _Layout) -> bool:
    """True for a box in a column beside the article's: the branch of the page holding it
    (below the box's nearest common ancestor with the headline) also holds a sidebar's other
    widgets ("Tin xem nhiều", "Liên kết website", tags...) and their links. DNN's right pane,
    a table layout's right cell, a theme's unnamed column: no class says "sidebar"."""
    anchor = layout.title_node if layout.title_node is not None else layout.body_node
    if anchor is None:
        return False
    article_path = {anchor, *anchor.iterancestors()}
    branch = box
    for ancestor in box.iterancestors():
        if ancestor in article_path:
            break
        branch = ancestor
    else:
        return False
    if branch is box or len(branch.findall(".//a")) - len(box.findall(".//a")) < _SIDE_COLUMN_LINKS:
        return False
    for element in branch.iter("h2", "h3", "h4", "h5", "strong", "b", "span", "div", "td"):
        text = _text(element)
        if text and len(text) < 40 and _SIDE_BOX_RE.search(fold(text)):
            return True
    return False


def _doc_position(layout: _Layout) -> Any:
    order = {element: i for i, element in enumerate(layout.sel.root.iter())}
    return lambda element: order.get(element, 0)


# --- body ---------------------------------------------------------------------------------------


def _clean_container(
    layout: _Layout, title: str, summary_node: Any | None, summary: str | None
) -> str:
    """The body container's HTML without headline, sapo, byline, date, share bars, related
    boxes; an element holding most of the text is kept whatever its class."""
    assert layout.body_node is not None
    root = copy.deepcopy(layout.body_node)
    total = len(_text(root)) or 1
    title_key, summary_key = fold(title), fold(summary or "")
    removed_summary = summary_node is None
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        classes = _classes(element)
        text = _text(element)
        drop = element.tag in {"h1", "script", "style", "form", "noscript", "button"}
        drop = (
            drop or element.tag in _CHROME_TAGS or "relate" in (element.get("type") or "").lower()
        )
        if not drop and classes.strip() and _NOT_BODY_RE.search(classes):
            drop = len(text) < 0.5 * total
        if not drop and text and element.tag in {"p", "h2", "h3", "div", "span", "strong"}:
            key = fold(text)
            drop = key == title_key or (
                not removed_summary and bool(summary_key) and key == summary_key
            )
        if drop:
            if fold(text) == summary_key:
                removed_summary = True
            remove_keeping_tail(element)
        elif _CAPTION_RE.search(classes) and element.tag != "figcaption":
            # <div class="PhotoCMS_Caption"><p>text</p></div> (VCCorp-built CMSes): the shared
            # caption rule reads the class of the block after the image, so the inner <p> goes
            for child in list(element):
                if isinstance(child.tag, str) and child.tag in {"p", "div"}:
                    child.drop_tag()
    for image in root.iter("img"):
        # lazy loading: a data: placeholder in src, the picture in data-src
        lazy = image.get("data-src") or image.get("data-original") or image.get("data-lazy-src")
        if lazy and (not image.get("src") or image.get("src", "").startswith("data:")):
            image.set("src", lazy)
    return etree.tostring(root, encoding="unicode", method="html")


def _trafilatura_body(markup: str, url: str) -> str | None:
    import trafilatura

    try:
        result = trafilatura.extract(
            markup,
            url=url,
            output_format="html",
            include_comments=False,
            include_images=True,
            include_tables=True,
            favor_recall=True,
            with_metadata=False,
        )
    except (ValueError, TypeError, AttributeError) as exc:  # raised on some broken trees
        logger.warning("trafilatura failed on %s: %s", url, exc)
        return None
    return str(result) if result else None


def _trafilatura_text(markup: str, url: str) -> str | None:
    import trafilatura

    try:
        result = trafilatura.extract(
            markup, url=url, output_format="txt", include_comments=False, with_metadata=False
        )
    except (ValueError, TypeError, AttributeError) as exc:
        logger.warning("trafilatura failed on %s: %s", url, exc)
        return None
    return str(result) if result else None


def _container_of(sel: Selector, main_text: str) -> Any | None:
    """The smallest page element holding most of the text trafilatura took as the article."""
    wanted = {fold(line) for line in main_text.splitlines() if len(line.strip()) >= 30}
    if not wanted:
        return None
    blocks = [
        element
        for element in sel.root.iter("p", "div", "li", "td", "h2", "h3", "blockquote")
        if not any(isinstance(c.tag, str) and c.tag in {"p", "div"} for c in element)
        and fold(_text(element)) in wanted
    ]
    if not blocks:
        return None
    total = sum(len(_text(b)) for b in blocks)
    for ancestor in blocks[0].iterancestors():
        held = {id(b) for b in ancestor.iter() if b in blocks}
        share = sum(len(_text(b)) for b in blocks if id(b) in held)
        if share >= 0.8 * total:
            return None if ancestor.tag in {"body", "html"} else ancestor
    return None


def _strip_lines(markup: str, drop: Iterable[str]) -> str:
    """Trafilatura's output without the blocks that repeat the headline, sapo or byline."""
    keys = {fold(d) for d in drop if d}
    root = etree.HTML(markup) if markup.strip() else None
    if root is None:
        return markup
    for element in list(root.iter("p", "h1", "h2", "h3", "div")):
        if element.getparent() is not None and fold(_text(element)) in keys:
            remove_keeping_tail(element)
    body = root.find("body")
    return etree.tostring(body if body is not None else root, encoding="unicode", method="html")


def _drop_last_block(markup: str, names: Iterable[str]) -> str:
    keys = {fold(n) for n in names if n}
    if not keys or not markup.strip():
        return markup
    root = etree.HTML(markup)
    if root is None:
        return markup
    blocks = [
        e
        for e in root.iter("p", "div", "h4", "h5", "h6", "span", "strong", "em", "b", "i")
        if _text(e)
    ]
    if blocks and fold(_text(blocks[-1]).strip(" ./-")) in keys:
        last: Any = blocks[-1]
        # drop the outermost element holding only that line
        parent = last.getparent()
        while parent is not None and parent.tag != "body" and _text(parent) == _text(last):
            last, parent = parent, parent.getparent()
        remove_keeping_tail(last)
    body = root.find("body")
    return "".join(
        etree.tostring(c, encoding="unicode", method="html")
        for c in (body if body is not None else root)
    )


# --- entry point --------------------------------------------------------------------------------

FIELDS = ("title", "published", "body_text", "author", "summary", "related_links")
"""The fields :func:`extract_generic` can be asked for alone (``fields``)."""


def extract_generic(
    sel: Selector,
    url: str,
    *,
    html_text: str | None = None,
    fields: Collection[str] | None = None,
) -> Article:
    """An Article from any news page; ``portal`` is None. Never raises for a missing field.

    ``fields``: only these of ``title``, ``summary``, ``published``, ``author``, ``body_text``
    and ``related_links`` are wanted (the per-field fallback asks for the ones a platform's
    rules missed); each comes out as it would in a full extraction, the others empty. The
    date search, the related boxes and the body cleaning, most of the work, run only when a
    wanted field needs them (the author needs the body only for a credit line)."""
    wanted = set(FIELDS if fields is None else fields)
    data = StructuredData(sel, url)
    layout = _Layout(sel, data)
    title = _title(layout, data)
    summary: str | None = None
    summary_node: Any | None = None
    if wanted & {"summary", "author", "body_text"}:
        summary, summary_node = _summary(layout, data, title)
    printed_author = declared = None
    if "author" in wanted:
        printed_author = _printed_author(layout, data, title)
        declared = declared_author(data, title)
    needs_body = bool(wanted & {"summary", "body_text"}) or (
        "author" in wanted and not printed_author
    )
    if layout.body_node is None and (needs_body or wanted & {"published", "related_links"}):
        # no known container: trafilatura finds the main text, and the page element holding
        # it becomes the container, so the same cleaning and credit-line rules apply
        main_text = _trafilatura_text(html_text or sel.get(), url)
        layout.body_node = _container_of(sel, main_text) if main_text else None
    author = printed_author
    body: Body | None = None
    if needs_body:
        if summary_node is None and layout.body_node is not None:
            # no sapo element: a first paragraph printed all in bold is the lead (it stays
            # in the body, as on the page)
            summary = _bold_lead(layout.body_node, title) or summary
        if layout.body_node is not None:
            fragment = _clean_container(layout, title, summary_node, summary)
        else:
            raw = _trafilatura_body(html_text or sel.get(), url) or ""
            fragment = _strip_lines(
                raw, [title, summary or ""] if summary_node is not None else [title]
            )
        # a bare name closing the body, printed again in the byline box, is the byline
        fragment = _drop_last_block(fragment, [printed_author or "", declared or ""])
        body = body_of_fragment(fragment, url)
        credit = acceptable_author(body.credit, data, title)
        author = printed_author or credit or declared
    published, source = _published(layout, data, url) if "published" in wanted else (None, None)
    if published is not None and published.has_time and published.value.utcoffset() == _UTC0:
        # a machine date in UTC (Drupal's <time datetime="...Z">) is shown as the local time
        # the page prints (another declared offset is kept)
        published = replace(published, value=published.value.astimezone(LOCAL_TZ))
    updated = data.modified()
    canonical = canonical_url(url)
    lang = (sel.xpath("/html/@lang").get() or "vi").strip().replace("_", "-")
    return Article(
        url=url,
        canonical_url=canonical,
        guid=make_guid(None, article_id=None, canonical=canonical),
        portal=None,
        title=title,
        summary=summary,
        published=published.iso() if published else None,
        published_raw=published.raw if published else None,
        date_source=source,
        updated=updated.iso() if updated else None,
        author=author,
        body_html=body.html if body is not None else "",
        body_text=body.text if body is not None else "",
        images=tuple(body.images) if body is not None else (),
        related_links=(
            tuple(_related(layout, url, canonical)) if "related_links" in wanted else ()
        ),
        attachments=tuple(body.attachments) if body is not None else (),
        language=lang.split("-")[0].lower() or "vi",
    )
