"""Rule-driven article extraction: ``(html, url, rules) -> Article``, pure, no I/O.

A platform adapter supplies :class:`ArticleRules` (selectors, tried in order); this module
applies them, falling back on what both engines share: the page's structured data
(:mod:`~newsfeed.extraction.structured`), the body cleaner (:mod:`~newsfeed.extraction.body`:
credit lines, captions, attachments, sanitizing) and the date precedence
(:func:`~newsfeed.extraction.dates.choose_published`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from parsel import Selector

from newsfeed.extraction.body import Body, is_real_image
from newsfeed.extraction.bounds import SCAN_LIMIT
from newsfeed.extraction.dates import ParsedDate, choose_published, parse_date
from newsfeed.extraction.html import absolutize
from newsfeed.extraction.select import (
    Selectors,
    declared_base,
    declared_language,
    first,
    first_text,
    node_text,
    select,
)
from newsfeed.extraction.structured import StructuredData, declared_author
from newsfeed.extraction.text import clean_text, normalize_author
from newsfeed.extraction.urls import canonical_url, make_guid
from newsfeed.items import Article, Image, Link


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
    uploader: Selectors = ()
    """Elements naming the account that uploaded the page, never the author (Liferay's
    ``p.view-content-author``): removed from the body, and refused as a fallback author."""
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


def uploader_names(sel: Selector, rules: ArticleRules) -> frozenset[str]:
    """The names the page's uploader elements print (:attr:`ArticleRules.uploader`)."""
    return frozenset(
        name
        for query in rules.uploader
        for node in select(sel, query)
        if (name := normalize_author(node_text(node)))
    )


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
    if type(sel) is not Selector and sel.type == "html":
        # parsel's own Selector around the same tree: each match is wrapped in one of the
        # kind queried, and a Scrapy Selector (what a response gives) costs more to make
        sel = Selector(root=sel.root, type="html")
    canonical = canonical_url(url, aliases=host_aliases, primary_host=primary_host)
    data = StructuredData(sel, url, site_names=site_names)
    # relative links resolve against <base href> when the page declares one (Báo Cần Thơ does)
    base_href = declared_base(sel)
    base = absolutize(base_href, url) if base_href else None
    base = base or url
    title = first_text(sel, rules.title) or data.declared_title() or ""

    body_node = first(sel, rules.body)
    body = (
        Body(
            body_node[0].root,
            base,
            drop=(*rules.drop, *rules.author, *rules.uploader),
            caption_in_next_paragraph=rules.caption_in_next_paragraph,
        )
        if body_node
        else None
    )

    published, date_source = _published(sel, url, rules, data, listing_published_raw)
    updated = _updated(sel, rules, data)

    author = _author(sel, rules, body, data, title)
    summary = first_text(sel, rules.summary)
    if summary is None and rules.lead_is_first_paragraph and body is not None:
        summary = body.first_paragraph()
    if summary is None and body is None:
        summary = data.description()

    images: list[Image] = []
    for img in first(sel, rules.lead_image)[:1]:
        src = absolutize(img.attrib.get("src"), base)
        if src and is_real_image(src):
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
    data: StructuredData,
    listing_raw: str | None,
) -> tuple[ParsedDate | None, str | None]:
    """The article's own printed date first; structured data, the listing, the URL after
    (:func:`~newsfeed.extraction.dates.choose_published`, the selectors' date trusted).

    Only the first element the date selectors find is read: other dates on the page (side
    lists, "Các tin khác") are other articles' dates.
    """
    printed: ParsedDate | None = None
    for node in first(sel, rules.published)[:3]:
        text = node_text(node) if not isinstance(node.root, str) else node.get()
        printed = parse_date(text, midnight_is_date_only=rules.midnight_is_date_only)
        if printed is not None:
            break
    listed = parse_date(listing_raw, midnight_is_date_only=rules.midnight_is_date_only)
    declared = [*data.published(), (listed, "listing")]
    return choose_published(printed, declared, url, printed_trusted=True)


def _updated(sel: Selector, rules: ArticleRules, data: StructuredData) -> ParsedDate | None:
    text = first_text(sel, rules.updated)
    parsed = parse_date(text) if text else None
    return parsed or data.modified()


def _author(
    sel: Selector,
    rules: ArticleRules,
    body: Body | None,
    data: StructuredData,
    title: str,
) -> str | None:
    """The byline element, else the body's closing credit line, else a declared person."""
    for query in rules.author:
        for node in select(sel, query):
            author = normalize_author(node_text(node))
            if author:
                return author
    if body is not None and body.credit:
        return body.credit
    return declared_author(data, title)


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
        for anchor in select(sel, query)[:SCAN_LIMIT]:
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
    lang = (declared_language(sel) or "vi").strip().replace("_", "-")
    return lang.split("-")[0].lower() or "vi"


__all__ = ["ArticleRules", "extract_article"]
