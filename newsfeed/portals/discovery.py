"""Finding a category's listing URL in a portal's navigation, by the label the menu prints.

A profile that does not know a category's URL names it by label(s) instead ("Hoạt động lãnh
đạo", "Tin hoạt động lãnh đạo"). The crawl fetches the portal's home page and asks
:func:`find_category_url` for the link; it remembers what it found and reports a category it
cannot find. Pure functions of a parsed page: no I/O.

Matching ignores case, diacritics (``đ`` is ``d``) and punctuation, so "CHỈ ĐẠO - ĐIỀU HÀNH",
"Chỉ đạo, điều hành" and "chi dao dieu hanh" are one label. Menus of the portal families
differ (Liferay ``nav#navigation``, SharePoint ``.ms-core-listmenu-root`` and vendor mega
menus, vnPortal ``ul.menu`` trees), so any ``<a>`` counts, and these rank the candidates,
strongest first:

1. the link stays on the portal's host (``www.`` or not): menus and footers also link the
   national portals, whose "Chỉ đạo điều hành" is not the province's;
2. the link text (or its ``title``) *is* a label, not merely contains it ("Thông tin chỉ đạo
   điều hành" only contains "Chỉ đạo điều hành");
3. an earlier label of the profile's list beats a later one;
4. the link sits in a navigation container (``nav``, ``header``, a menu by class or id);
5. the first such link in the page.

A link that merely contains a label counts only when its text is short (a menu entry, not a
headline that happens to say "hoạt động lãnh đạo"). ``javascript:``, ``mailto:``, ``tel:`` and
bare ``#`` links are ignored, as are links back to the page itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from parsel import Selector

from newsfeed.extraction.text import fold
from newsfeed.extraction.urls import host_of

# a menu entry holds the label and a few more words ("Hoạt động lãnh đạo tỉnh"); a headline
# containing the label is longer than this
_MAX_EXTRA_WORDS = 4
_IGNORED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:")
_NAV_XPATH = (
    "ancestor::*[self::nav or self::header or @role='navigation'"
    " or contains(translate(@class,'MENUNAVG','menunavg'),'menu')"
    " or contains(translate(@class,'MENUNAVG','menunavg'),'nav')"
    " or contains(translate(@id,'MENUNAVG','menunavg'),'menu')"
    " or contains(translate(@id,'MENUNAVG','menunavg'),'nav')]"
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize_label(text: str) -> str:
    """``text`` for matching: lower case, no diacritics, words separated by one space."""
    return _NON_WORD.sub(" ", fold(text)).strip()


@dataclass(frozen=True, slots=True)
class _Candidate:
    url: str
    same_host: bool
    exact: bool
    label_rank: int
    in_nav: bool
    position: int

    def sort_key(self) -> tuple[bool, bool, int, bool, int]:
        return (not self.same_host, not self.exact, self.label_rank, not self.in_nav, self.position)


def find_category_url(sel: Selector, page_url: str, labels: Sequence[str]) -> str | None:
    """The absolute URL of the link best matching one of ``labels`` on the page, or None.

    ``sel`` is the parsed page (usually the portal's home page) fetched from ``page_url``;
    ``labels`` are the profile's labels of one category, best first. See the module docstring
    for how candidates rank.
    """
    wanted = [w for w in (normalize_label(label) for label in labels) if w]
    if not wanted:
        return None
    base = urljoin(page_url, sel.xpath("//base/@href").get(default="").strip())
    page_host = host_of(page_url)
    page_itself = urldefrag(page_url)[0].rstrip("/")
    best: _Candidate | None = None
    for position, anchor in enumerate(sel.xpath("//a[@href]")):
        href = (anchor.attrib.get("href") or "").strip()
        if not href or href.startswith("#") or href.lower().startswith(_IGNORED_SCHEMES):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme not in ("http", "https") or url.rstrip("/") == page_itself:
            continue
        texts = {
            normalize_label(" ".join(anchor.xpath(".//text()").getall())),
            normalize_label(anchor.attrib.get("title") or ""),
        } - {""}
        match = _best_match(texts, wanted)
        if match is None:
            continue
        exact, label_rank = match
        candidate = _Candidate(
            url=url,
            same_host=host_of(url) == page_host,
            exact=exact,
            label_rank=label_rank,
            in_nav=bool(anchor.xpath(_NAV_XPATH)),
            position=position,
        )
        if best is None or candidate.sort_key() < best.sort_key():
            best = candidate
    return best.url if best else None


MENU_LINKS_SHOWN = 25
"""At most this many menu entries are named in the report of a category not found."""


def menu_link_texts(sel: Selector, limit: int = MENU_LINKS_SHOWN) -> list[str]:
    """The texts of the page's navigation links (all links when it has no menu), in order,
    once each: what the report shows next to the labels tried, so a profile can be fixed."""
    anchors = sel.xpath(f"//a[@href][{_NAV_XPATH}]") or sel.xpath("//a[@href]")
    seen: list[str] = []
    for anchor in anchors:
        text = " ".join(" ".join(anchor.xpath(".//text()").getall()).split())
        if text and text not in seen:
            seen.append(text)
            if len(seen) >= limit:
                break
    return seen


def _best_match(texts: set[str], wanted: Sequence[str]) -> tuple[bool, int] | None:
    """(exact, label index) of the best label any of ``texts`` matches, or None."""
    found: tuple[bool, int] | None = None
    for rank, label in enumerate(wanted):
        for text in texts:
            if text == label:
                match = (True, rank)
            elif _contains_words(text, label):
                match = (False, rank)
            else:
                continue
            if found is None or (not match[0], match[1]) < (not found[0], found[1]):
                found = match
    return found


def _contains_words(text: str, label: str) -> bool:
    """``label`` appears in ``text`` as whole words, and ``text`` is short like a menu entry."""
    text_words, label_words = text.split(), label.split()
    if len(text_words) > len(label_words) + _MAX_EXTRA_WORDS:
        return False
    return f" {label} " in f" {text} "


__all__ = ["find_category_url", "menu_link_texts", "normalize_label"]
