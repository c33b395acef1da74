"""The news lists of any listing or home page, read from the page's structure alone.

No CMS names its classes the same way, but every news list looks alike: repeated sibling blocks
of one headline link (a sentence, not a label), often with a date, a thumbnail and a lead, whose
URLs have an article's shape (an id, or a long slug). Menus, footers, breadcrumbs and tag clouds
are short labels in boilerplate regions (``nav``/``footer``/``aside``, ARIA roles, menu/footer/
sidebar classes); "most read" and other-category boxes announce themselves by their heading.
So a page is read as:

1. **candidate links**: same-site links outside boilerplate regions whose URL scores as an
   article (:func:`article_url_score`: numeric id, long slug, date path, page extension;
   category, tag, search and paging URLs score low) or whose text is a headline;
2. **items**: for each candidate, the largest element around it that links to no other
   candidate (the card: image link, headline link, date, lead);
3. **lists**: items grouped by their parent; a group is a news list when its items read as
   headlines (several words, article URLs) -- two or more items, or one featured card with a
   heading tag, a thumbnail or a lead -- and its box heading is not "Tin xem nhiều", "Liên kết
   website", "Tin cùng chuyên mục"...;
4. **dates**: a ``<time>``, an element classed date/time/ngày, else a printed date in the card;
5. **next page**: ``rel=next``, a pager link labelled "Trang sau" / "Tiếp" / "»", or the link
   to page N+1 in the page's own URL scheme (``page=N``, ``/page/N/``, ``trangN.html``, ``-pN``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector

from newsfeed.extraction.html import absolutize
from newsfeed.extraction.select import declared_base, link_title
from newsfeed.extraction.text import clean_text, fold
from newsfeed.extraction.urls import host_of
from newsfeed.items import Listing, ListingItem

# --- boilerplate regions ----------------------------------------------------------------------

_BOILER_TAGS = frozenset({"nav", "footer", "aside", "select", "option", "button"})
_BOILER_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "search"}
)
# parts of a class or id word (split at - and _) that name a region that is not a news list
_BOILER_PARTS = frozenset(
    {
        "menu",
        "menus",
        "mainmenu",
        "topmenu",
        "megamenu",
        "submenu",
        "nav",
        "navbar",
        "navigation",
        "footer",
        "breadcrumb",
        "breadcrumbs",
        "sidebar",
        "widget",
        "tagcloud",
        "tags",
        "tag",
        "keywords",
        "keyword",
        "banner",
        "banners",
        "quangcao",
        "advertisement",
        "ads",
        "social",
        "share",
        "copyright",
        "pagination",
        "pager",
        "paging",
        "phantrang",
        "search",
        "login",
        "popular",
        "mostview",
        "mostviewed",
        "mostread",
        "xemnhieu",
        "docnhieu",
        "lienket",
        "weblink",
        "weblinks",
        "sitemap",
        "aside",
        "topbar",
        "colright",
        "rightcol",
        "colleft",
        "leftcol",
    }
)
_BOILER_PAIRS = frozenset(
    {
        ("xem", "nhieu"),
        ("doc", "nhieu"),
        ("lien", "ket"),
        ("most", "read"),
        ("most", "view"),
        ("most", "viewed"),
        ("col", "right"),
        ("right", "col"),
        ("right", "column"),
        ("column", "right"),
        ("col", "left"),
        ("left", "col"),
        ("bread", "crumb"),
        ("tin", "khac"),
        ("cung", "chuyen"),
        ("chuyen", "muc"),
    }
)
_BOILER_WORDS = frozenset({"header", "right", "left", "top", "bottom"})
_STATE_PREFIXES = ("has-", "has_", "with-", "no-", "one-", "two-")
"""Layout states, not regions: ``has-left-menu`` is the column beside a menu (Phú Thọ's
Drupal theme), ``one-sidebar`` a page with one."""
_STYLE_WORDS = frozenset(
    {"nav", "nav-tabs", "nav-stacked", "nav-pills", "nav-list", "nav-justified"}
)
"""Bootstrap's ``nav`` component classes: a style any list may wear (Joomla prints a category's
"more articles" as ``ol.nav.nav-tabs.nav-stacked``); a menu also says ``menu``/``navbar``, or is
a ``<nav>``."""
"""Whole class words only: ``header`` is the site header, ``item-header`` a card's title."""

# A box heading that announces other things than the page's own news (compared folded).
_OTHER_BOX_RE = re.compile(
    r"xem nhieu|doc nhieu|nhieu nguoi|duoc quan tam|pho bien|most (?:read|view)|popular"
    r"|lien ket|website|cung chuyen muc|chuyen muc khac|tin khac|cac tin khac|bai khac"
    r"|tin lien quan|bai viet lien quan|^tags?\b|tu khoa|^video|thu vien|^anh\b|hinh anh"
    r"|^su kien\b|dong su kien|lich cong tac|^quang cao|thong ke truy cap|ho tro truc tuyen"
    r"|^(?:van ban|thu tuc)"
)

# --- article URLs -----------------------------------------------------------------------------

_FILE_EXT = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|7z|jpe?g|png|gif|webp|svg|mp3|mp4|avi|flv|exe|xml|rss)$",
    re.I,
)
_NOT_ARTICLE_PARTS = frozenset(
    {
        "tag",
        "tags",
        "tu-khoa",
        "tukhoa",
        "search",
        "tim-kiem",
        "timkiem",
        "category",
        "categories",
        "chuyen-muc",
        "chuyenmuc",
        "danh-muc",
        "author",
        "tac-gia",
        "login",
        "dang-nhap",
        "lien-he",
        "contact",
        "sitemap",
        "rss",
        "feed",
        "page",
        "trang-chu",
        "home",
        "gioi-thieu",
        "so-do-site",
        "hoi-dap",
        "van-ban",
        "thu-tuc-hanh-chinh",
        "lich-cong-tac",
        "media",
        "video",
        "videos",
        "photo",
        "photos",
        "album",
    }
)
_ID_IN_SEGMENT = re.compile(r"(?:^|[-_.])(?:[a-z]{0,4})?(\d{3,})(?:\.[a-z]{2,5})?$", re.I)
_ID_PARAMS = re.compile(
    r"^(?:id|itemid|nid|newsid|articleid|postid|p|cid|tid|news|article"
    r"|id_?(?:tin|bai|baiviet|tintuc|news|article|post|content|item)"
    r"|(?:tin|bai|baiviet|tintuc|news|article|post|content|item)_?id)$",
    re.I,
)
_ID_VALUE = re.compile(r"^\d+(?::[\w-]*)?$")
"""An id parameter's value: ``1532``, or Joomla's ``1532:alias``."""
_NOT_ARTICLE_VIEWS = re.compile(
    r"^(?:category|categories|section|featured|archive|tag|search)$", re.I
)
"""``view=`` / ``layout=`` values of a list page (``option=com_content&view=category&id=12``)."""
_ID_PAIR = re.compile(r"/(?:articleid|itemid|newsid|nid|postid)/\d+(?=/|\.aspx|$)", re.I)
"""DNN's friendly URLs turn ``?ArticleID=123`` into the path pair ``/ArticleID/123/``."""
_ID_ALIAS = re.compile(r"^\d{2,}-[a-z0-9]", re.I)
"""Joomla's ``<id>-<alias>`` segment (``/index.php/tin-tuc/1532-hoi-nghi-tong-ket``)."""
_PAGE_PARAMS = re.compile(
    r"^(?:page|p|pg|trang|pageindex|paged|pagenum|pagenumber|currentpage|curpage|start|.*_cur)$",
    re.I,
)
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}/[01]?\d/(?:[0-3]?\d/)?")
_PAGE_EXT = re.compile(r"\.(?:html?|aspx?|php|jsp|shtml)$", re.I)
_WORDS = re.compile(r"\w+")
# boxes beside a category's own list: the site's highlights and latest news (compared folded)
_LISTING_SIDE_BOX_RE = re.compile(r"tieu diem|tin moi nhat|tin moi cap nhat|tin nong")


def _slug_words(segment: str) -> int:
    stem = _PAGE_EXT.sub("", segment)
    return len([w for w in re.split(r"[-_+]+", stem) if w and not w.isdigit()])


def article_url_score(url: str) -> int:
    """How much ``url`` looks like an article page (>= 2: an article; <= 0: not one).

    An article URL carries the CMS's id (``-12345.html``, ``?ItemID=8861``, ``/content/id/1``)
    or a long slug of the title (``/vi/nu-nong-dan-xuat-sac-vung-bay-nui-an-giang``,
    ``/tin-moi/khai-truong-benh-vien.html``); category, tag, search, author and paging URLs
    carry short labels or say what they are."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if _FILE_EXT.search(path):
        return -5
    segments = [s for s in path.split("/") if s]
    lowered = [s.lower() for s in segments]
    query = parse_qsl(parts.query)
    score = 0
    if any(s in _NOT_ARTICLE_PARTS for s in lowered[:-1]) or (
        lowered and _PAGE_EXT.sub("", lowered[-1]) in _NOT_ARTICLE_PARTS
    ):
        score -= 6
    if any(_PAGE_PARAMS.match(k) and not _ID_PARAMS.match(k) for k, _ in query):
        score -= 2
    if any(k.lower() in {"view", "layout"} and _NOT_ARTICLE_VIEWS.match(v) for k, v in query):
        score -= 6
    if any(_ID_PARAMS.match(k) and _ID_VALUE.match(v) for k, v in query) or _ID_PAIR.search(path):
        score += 3
    last = segments[-1] if segments else ""
    if last and (_ID_IN_SEGMENT.search(last) or _ID_ALIAS.match(last)):
        score += 2 + (_slug_words(last) >= 2)
    elif last and last.isdigit() and len(last) >= 3:
        score += 2
    words = _slug_words(last) if last else 0
    if words >= 5:
        score += 3
    elif words >= 3:
        score += 1
    if _PAGE_EXT.search(last) and words >= 2:
        score += 1
    if _DATE_PATH.search(path + "/"):
        score += 1
    if (not segments and not query) or (not query and is_home_page(url)):
        score -= 3
    return score


# --- the page ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    url: str
    anchor: Any
    element: Any
    title: str | None
    words: int
    url_score: int


def _class_words(element: Any) -> Iterator[str]:
    for attribute in ("class", "id"):
        value = element.get(attribute)
        if value:
            yield from value.lower().split()


def is_boilerplate(element: Any) -> bool:
    """True for a region that holds no news list of the page: navigation, footer, sidebar,
    breadcrumb, tag cloud, pager, banners, "most read" (by tag, ARIA role, class or id). The
    page itself is none: Drupal 7 classes ``<body>`` "one-sidebar sidebar-first"."""
    if element.tag in {"body", "html"}:
        return False
    if element.tag in _BOILER_TAGS:
        return True
    if (element.get("role") or "").lower() in _BOILER_ROLES:
        return True
    for word in _class_words(element):
        if word in _STYLE_WORDS or word.startswith(_STATE_PREFIXES):
            continue
        if word in _BOILER_WORDS:
            return True
        parts = [p for p in re.split(r"[-_]+", word) if p]
        if any(p in _BOILER_PARTS for p in parts):
            return True
        if any(pair in _BOILER_PAIRS for pair in pairwise(parts)):
            return True
        if word.startswith(("header-", "header_", "footer", "menu", "nav")):
            return True
    return False


def _is_site_header(element: Any) -> bool:
    """A ``<header>`` of the site (logo, menu), not a card's or the article's header."""
    if any(a.tag in {"article", "main", "section", "li"} for a in element.iterancestors()):
        return False
    return next(element.iter("h1", "h2", "h3", "h4"), None) is None


def _in_boilerplate(element: Any, cache: dict[Any, bool], main: frozenset[Any]) -> bool:
    chain = []
    node = element
    while node is not None and isinstance(node.tag, str):
        if node in cache:
            result = cache[node]
            break
        chain.append(node)
        if node.tag == "header" and _is_site_header(node):
            result = True
            break
        if node not in main and is_boilerplate(node):
            result = True
            break
        node = node.getparent()
    else:
        result = False
    for visited in chain:
        cache[visited] = result
    return result


def _main_column(sel: Selector) -> frozenset[Any]:
    """The page's main region (``<main>``, ``role=main``) and the elements around it: whatever
    their class or id says (Joomla's Protostar wraps the whole page in ``div#top``), they are
    not a menu, a footer or a sidebar."""
    held: set[Any] = set()
    for node in sel.xpath("//main | //*[@role='main']"):
        held.add(node.root)
        held.update(node.root.iterancestors())
    return frozenset(held)


def _same_site(host: str, site: str) -> bool:
    return host == site or host.endswith("." + site) or site.endswith("." + host)


def _candidates(sel: Selector, url: str) -> list[_Item]:
    base = absolutize(declared_base(sel), url) or url
    site = host_of(url)
    own = url.split("#", 1)[0].rstrip("/")
    cache: dict[Any, bool] = {}
    main = _main_column(sel)
    found: list[_Item] = []
    for anchor in sel.xpath("//body//a[@href]"):
        href = absolutize(anchor.attrib.get("href"), base)
        if not href or not href.startswith(("http://", "https://")):
            continue
        href = href.split("#", 1)[0]
        if not _same_site(host_of(href), site) or href.rstrip("/") == own:
            continue
        if _in_boilerplate(anchor.root, cache, main):
            continue
        title = link_title(anchor)
        words = len(_WORDS.findall(title or ""))
        score = article_url_score(href)
        if score >= 2 or (score >= 0 and words >= 6):
            found.append(
                _Item(
                    url=href,
                    anchor=anchor.root,
                    element=anchor.root,
                    title=title,
                    words=words,
                    url_score=score,
                )
            )
    return found


def boilerplate_only_urls(sel: Selector, url: str) -> set[str]:
    """The URLs the page links to only from menus, footers, sidebars, tag clouds and pagers
    (:func:`is_boilerplate` regions): an adapter's item selector that also matches a sidebar's
    rows ("Tin xem nhiều" in Drupal's ``views-row`` markup) drops these."""
    base = absolutize(declared_base(sel), url) or url
    cache: dict[Any, bool] = {}
    main = _main_column(sel)
    inside: set[str] = set()
    outside: set[str] = set()
    for anchor in sel.xpath("//body//a[@href]"):
        href = absolutize(anchor.attrib.get("href"), base)
        if not href:
            continue
        href = href.split("#", 1)[0]
        (inside if _in_boilerplate(anchor.root, cache, main) else outside).add(href)
    return inside - outside


def _item_elements(items: list[_Item]) -> None:
    """Each item's card: the largest ancestor of its link that links to no other candidate."""
    urls_below: dict[Any, set[str]] = {}
    for item in items:
        for ancestor in item.anchor.iterancestors():
            urls_below.setdefault(ancestor, set()).add(item.url)
    for item in items:
        element = item.anchor
        for ancestor in item.anchor.iterancestors():
            if ancestor.tag in {"body", "html", "form"} or urls_below[ancestor] != {item.url}:
                break
            element = ancestor
        item.element = element


def _is_heading(element: Any) -> bool:
    if element.tag in {"h1", "h2", "h3", "h4", "h5", "strong", "b"}:
        return True
    classes = (element.get("class") or "").lower()
    return any(
        word in classes for word in ("title", "heading", "header", "caption", "tieude", "tieu-de")
    )


def _heading_text(element: Any) -> str | None:
    text = clean_text(" ".join(element.itertext()))
    return text if text and len(text.split()) <= 10 and not element.findall(".//img") else None


def _box_heading(first: Any) -> Any | None:
    """The heading of the box a list sits in: the nearest heading-like element before its first
    item (a preceding sibling of the item -- a table's heading row -- or of one of the list's
    3 nearest ancestors)."""
    node = first
    for _ in range(5):
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str):
                continue
            if _is_heading(sibling) and _heading_text(sibling):
                return sibling
            inner = [e for e in sibling.iter() if isinstance(e.tag, str) and _is_heading(e)]
            if inner and len(list(sibling.iter("a"))) <= 1 and _heading_text(inner[0]):
                return sibling
            if len(sibling.findall(".//a")) > 1:
                # another list comes before: the box heading is not in this box
                return None
        node = node.getparent()
        if node is None or node.tag in {"body", "form"}:
            return None
    return None


def is_home_page(url: str) -> bool:
    """The site's (or a language's) front page: ``/``, ``/vi``, ``/index.html``, ``/trang-chu``."""
    path = urlsplit(url).path.strip("/").lower()
    return path in {"", "vi", "en", "vi-vn", "home", "trang-chu", "trangchu", "portal"} or bool(
        re.fullmatch(r"(?:[\w-]+/)?(?:index|default|home|trang-chu)\.(?:html?|aspx?|php|jsp)", path)
    )


def _other_box(heading: Any, url: str, home: bool) -> bool:
    """A box of other things: "most read", links, tags, video (on any page); on a category
    page also a box headed by a link to another category, or the site's highlights."""
    text = _heading_text(heading) or ""
    folded = fold(text)
    if _OTHER_BOX_RE.search(folded):
        return True
    if home:
        return False
    if _LISTING_SIDE_BOX_RE.search(folded):
        return True
    own = _same_page_key(url)
    links = [*heading.iter("a"), *(a for a in heading.iterancestors() if a.tag == "a")]
    for link in links:
        href = absolutize(link.get("href"), url)
        label = fold(" ".join(link.itertext()))
        if (
            href
            and href.startswith("http")
            and label
            and label in folded
            and len(label) * 2 >= len(folded)
            and _same_page_key(href) != own
        ):
            return True
    return False


def _same_page_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{host_of(url)}{parts.path.rstrip('/').lower()}?{parts.query}"


def _is_featured(item: _Item) -> bool:
    element = item.element
    has_heading = any(
        a.tag in {"h1", "h2", "h3", "h4"} for a in item.anchor.iterancestors() if a is not element
    ) or (item.anchor.getparent() is not None and item.anchor.getparent().tag in {"h2", "h3", "h4"})
    has_image = bool(element.findall(".//img"))
    text = clean_text(" ".join(element.itertext()))
    has_lead = len(text.split()) >= item.words + 12
    return (
        item.words >= _HEADLINE_WORDS
        and item.url_score >= 2
        and (has_heading or has_image or has_lead)
    )


_HEADLINE_WORDS = 7
"""Vietnamese headlines run 10-25 syllables; category and menu labels 1-6."""


def _is_news_list(items: list[_Item]) -> bool:
    if len(items) == 1:
        return _is_featured(items[0])
    headlines = [i for i in items if i.words >= _HEADLINE_WORDS]
    articles = [i for i in items if i.url_score >= 2]
    return len(headlines) * 2 >= len(items) and len(articles) * 2 >= len(items)


_DATE_CLASS_XPATH = (
    ".//*[contains(translate(@class,'DATEIMPNGY','dateimpngy'),'date')"
    " or contains(translate(@class,'TIME','time'),'time')"
    " or contains(@class,'ngay') or contains(@class,'publish') or contains(@class,'Ngay')]"
)
_DATE_IN_TEXT = re.compile(
    r"(?:\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?\s*[,|-]?\s*)?"
    r"(?:(?:thứ\s+\w+|chủ nhật)\s*,?\s*)?(?:ngày\s+)?\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
    r"(?:\s*[-|,]?\s*\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?",
    re.I,
)


def _item_date(element: Any) -> str | None:
    node = Selector(root=element)
    for time_node in node.xpath(".//time"):
        text = clean_text(" ".join(time_node.xpath(".//text()").getall()))
        return text or clean_text(time_node.attrib.get("datetime")) or None
    for dated in node.xpath(_DATE_CLASS_XPATH):
        text = clean_text(" ".join(dated.xpath(".//text()").getall()))
        match = _DATE_IN_TEXT.search(text)
        if match:
            return clean_text(match.group(0))
        title = clean_text(dated.attrib.get("title"))
        if title and _DATE_IN_TEXT.search(title):
            return title
    for text in element.itertext():
        match = _DATE_IN_TEXT.search(text)
        if match:
            return clean_text(match.group(0))
    return None


def _better_title(item: _Item, others: list[_Item]) -> str | None:
    """The headline of a card: the link to its URL in a heading, else the longest text among
    the links to it (an image link's alt text, a "Xem tiếp" link and the headline link all
    point to the article); never a "Xem thêm: <the headline cut short>..." link's."""
    links = [i for i in (item, *others) if i.title]
    headed = [
        i
        for i in links
        if any(a.tag in _HEADING_TAGS for a in (i.anchor, *i.anchor.iterancestors()))
    ]
    plain = [i for i in links if not _READ_MORE_RE.match(fold(i.title or ""))]
    titles = [i.title for i in (headed or plain or links) if i.title]
    return max(titles, key=len) if titles else None


_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5"})
_READ_MORE_RE = re.compile(r"(?:xem|doc) (?:them|tiep|chi tiet)|chi tiet\b|read more", re.I)


def news_list_items(sel: Selector, url: str) -> tuple[ListingItem, ...]:
    """The article links of the page's own news lists, in page order, one per article URL."""
    candidates = _candidates(sel, url)
    if not candidates:
        return ()
    # several links to one article (image, headline, "Xem tiếp") make one card
    by_url: dict[str, list[_Item]] = {}
    for item in candidates:
        by_url.setdefault(item.url, []).append(item)
    firsts = [links[0] for links in by_url.values()]
    for item in firsts:
        best = max(by_url[item.url], key=lambda i: i.words)
        item.title, item.words = _better_title(item, by_url[item.url]), best.words
    _item_elements(candidates)
    for item in firsts:
        # the card around every link to the article: their common ancestor's card
        elements = {i.element for i in by_url[item.url]}
        if len(elements) > 1:
            ancestors = [set(e.iterancestors()) | {e} for e in elements]
            common = set.intersection(*ancestors)
            item.element = next(a for a in item.anchor.iterancestors() if a in common)
    groups: dict[Any, list[_Item]] = {}
    for item in firsts:
        parent = item.element.getparent()
        groups.setdefault(parent if parent is not None else item.element, []).append(item)
    home = is_home_page(url)
    kept: set[str] = set()
    for members in groups.values():
        if not _is_news_list(members):
            continue
        heading = _box_heading(members[0].element)
        if heading is not None and _other_box(heading, url, home):
            continue
        kept.update(i.url for i in members)
    result: list[ListingItem] = []
    for item in firsts:
        if item.url in kept:
            result.append(
                ListingItem(
                    url=item.url,
                    title=item.title,
                    published_raw=_item_date(item.element),
                )
            )
    return tuple(result)


# --- next page --------------------------------------------------------------------------------

NEXT_LABELS = frozenset(
    {
        "trang sau",
        "trang tiếp",
        "tiếp",
        "tiếp theo",
        "sau",
        "next",
        "»",
        "›",
        ">",
        ">>",
        "→",
        "xem tiếp",
        "trang kế",
        "kế tiếp",
    }
)
_PATH_PAGE_RES = (
    # DNN's path pairs: /PgrID/513/PageID/2, /currentpage/2 (anywhere in the path)
    re.compile(r"(?:/pgrid/\d+)?/(?:pageid|currentpage|pageindex)/(\d+)(?=/|\.aspx|$)", re.I),
    re.compile(r"/page/(\d+)/?$", re.I),
    re.compile(r"/trang[-_]?(\d+)(?:\.html?)?/?$", re.I),
    re.compile(r"[-_/]p(\d+)(?:\.html?)?/?$", re.I),
    re.compile(r"/(\d{1,3})/?$"),
)


def page_of(url: str) -> tuple[int, str]:
    """The listing page ``url`` shows and its URL with that number blanked (its scheme), 1
    and the URL itself when it carries no page number."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if _PAGE_PARAMS.match(key) and value.isdigit():
            rest = sorted((k, v) for k, v in parse_qsl(parts.query) if k != key)
            return int(value), f"{parts.path}?{key}=#&{rest}"
    for pattern in _PATH_PAGE_RES:
        match = pattern.search(parts.path)
        if match:
            scheme = parts.path[: match.start(1)] + "#" + parts.path[match.end(1) :]
            return int(match.group(1)), f"{scheme}?{sorted(parse_qsl(parts.query))}"
    return 1, f"{parts.path.rstrip('/')}?{sorted(parse_qsl(parts.query))}"


def _base_scheme(url: str) -> str:
    """The path a page-2 URL extends from page 1: ``/tin-tuc`` for ``/tin-tuc/page/2/``."""
    parts = urlsplit(url)
    path = parts.path
    for pattern in _PATH_PAGE_RES[:4]:
        match = pattern.search(path)
        if match:
            path = path[: match.start()]
            break
    return _PAGE_EXT.sub("", path.rstrip("/"))


def find_next_page(sel: Selector, url: str) -> str | None:
    """The URL of the next listing page, or None (also when the pager is an ASP.NET
    postback: the platform posts the form back, see
    :func:`newsfeed.platforms.generic.postback_request`)."""
    base = absolutize(declared_base(sel), url) or url
    for declared in sel.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href").getall():
        absolute = absolutize(declared, base)
        if absolute and absolute.startswith("http"):
            return absolute
    current, scheme = page_of(url)
    wanted = current + 1
    labelled: str | None = None
    numbered: str | None = None
    for anchor in sel.xpath("//a[@href]"):
        href = absolutize(anchor.attrib.get("href"), base)
        if not href or not href.startswith("http") or host_of(href) != host_of(url):
            continue
        text = " ".join(anchor.xpath(".//text()").getall())
        label = clean_text(text or anchor.attrib.get("title")).casefold()
        classes = (anchor.attrib.get("class") or "").lower()
        number, other_scheme = page_of(href)
        same_scheme = other_scheme == scheme or (
            current == 1 and _base_scheme(href) == _base_scheme(url)
        )
        if number == wanted and same_scheme:
            if label == str(wanted):
                numbered = numbered or href
            elif label in NEXT_LABELS or "next" in classes:
                labelled = labelled or href
            else:
                numbered = numbered or href
        elif (
            (label in NEXT_LABELS or "next" in classes.split())
            and labelled is None
            and number > current
            and same_scheme
        ):
            labelled = href
    return labelled or numbered


def listing_of(sel: Selector, url: str) -> Listing:
    """What a listing or home page of any CMS lists, and its next page."""
    return Listing(items=news_list_items(sel, url), next_page=find_next_page(sel, url))


__all__ = [
    "NEXT_LABELS",
    "article_url_score",
    "boilerplate_only_urls",
    "find_next_page",
    "is_boilerplate",
    "listing_of",
    "news_list_items",
    "page_of",
]
