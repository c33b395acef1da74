"""The generic fallback for pages of sites with no profile.

Order: JSON-LD ``NewsArticle`` and Open Graph / ``article:*`` meta for title, dates and
author; common article containers for the body; trafilatura's main-text extraction when no
container matches. The same Vietnamese date, author and credit-line rules as the adapters.
"""

from __future__ import annotations

import logging

from parsel import Selector

from newsfeed.extraction.article import ArticleRules, extract_article
from newsfeed.extraction.html import sanitize_html
from newsfeed.items import Article

logger = logging.getLogger(__name__)

GENERIC_RULES = ArticleRules(
    title=(
        "h1[itemprop=headline]",
        "article h1",
        "h1.title-detail",
        "h1.detail-title",
        "h1.article-title",
        ".detail-title",
        "h1",
    ),
    published=(
        "[itemprop=datePublished]::attr(content)",
        "time[datetime]::attr(datetime)",
        ".detail-time",
        ".publish-date",
        ".date-time",
        "span.pubdate",
        ".post-date",
        ".PostDate",
    ),
    summary=(
        "[itemprop=description]",
        ".sapo",
        ".detail-sapo",
        ".article-summary",
        ".ArticleSummary",
        "h2.sapo",
    ),
    body=(
        "[itemprop=articleBody]",
        ".detail-content",
        ".article-content",
        ".ArticleContent",
        ".content-detail",
        ".journal-content-article",
        "article .content",
        "article",
    ),
    author=(".author", ".detail-author", "[rel=author]", "[itemprop=author] [itemprop=name]"),
    related=(".related a", ".tin-lien-quan a", ".related-news a"),
    # the headline and bylines sit inside <article> on many CMSes
    drop=("h1", ".share", ".social", ".tags", ".related", ".advertisement", ".ads", "time"),
)


def extract_generic(sel: Selector, url: str, *, html_text: str | None = None) -> Article:
    """An Article from any news page; ``portal`` is None."""
    article = extract_article(sel, url, GENERIC_RULES)
    if article.body_text and len(article.body_text) >= 200:
        return article
    body_html = _trafilatura_body(html_text or sel.get(), url)
    if body_html:
        from newsfeed.extraction.html import html_to_text

        clean = sanitize_html(body_html, url)
        return article.replace(body_html=clean, body_text=html_to_text(clean))
    return article


def _trafilatura_body(markup: str, url: str) -> str | None:
    import trafilatura

    try:
        result = trafilatura.extract(
            markup,
            url=url,
            output_format="html",
            include_comments=False,
            include_images=True,
            favor_precision=True,
        )
    except (ValueError, TypeError) as exc:  # trafilatura raises on some broken trees
        logger.warning("trafilatura failed on %s: %s", url, exc)
        return None
    return str(result) if result else None
