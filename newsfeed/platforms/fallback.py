"""Per-field fallback: what a platform's rules miss, the generic extractor may still find.

Templates drift one block at a time: a theme update renames the date's class and leaves the
body alone. So an article whose platform rules found no title, date, body, author, lead or
related list keeps the generic extractor's value for that field, and the crawl counts which
fields came from the fallback (``fields_from_fallback`` in the report; ``selectors_drifting``
when more than a fifth of a portal's articles needed it).
"""

from __future__ import annotations

from collections.abc import Collection

from parsel import Selector

from newsfeed.extraction.generic import FIELDS, extract_generic
from newsfeed.items import Article

FALLBACK_FIELDS = FIELDS
"""The fields a platform's article may take from the generic extractor, by report name."""

# what moves with each field: a date with its raw string and source, a body with its HTML,
# images and attachments
MOVES = {
    "title": ("title",),
    "published": ("published", "published_raw", "date_source"),
    "body_text": ("body_text", "body_html", "images", "attachments"),
    "author": ("author",),
    "summary": ("summary",),
    "related_links": ("related_links",),
}


def with_fallback(
    article: Article, sel: Selector, url: str, *, not_authors: Collection[str] = ()
) -> tuple[Article, tuple[str, ...]]:
    """``article`` with the fields its rules missed filled from the generic extractor, and
    the names of the fields filled. The generic extractor only runs when a field is missing.

    ``not_authors``: names that are never the author (the page's uploader account, see
    :attr:`newsfeed.extraction.article.ArticleRules.uploader`): a page without a printed
    byline has no author, not the uploader the generic byline search finds.

    Only the missing fields are extracted: an article without a byline (most of them) costs
    the byline search and the body cleaning, not a whole second extraction."""
    missing = [name for name in FALLBACK_FIELDS if not getattr(article, name)]
    if not missing:
        return article, ()
    generic = extract_generic(sel, url, fields=missing)
    changes: dict[str, object] = {}
    filled: list[str] = []
    for name in missing:
        if name == "author" and generic.author in not_authors:
            continue
        if getattr(generic, name):
            filled.append(name)
            changes.update({field: getattr(generic, field) for field in MOVES[name]})
    if not filled:
        return article, ()
    return article.replace(**changes), tuple(filled)


__all__ = ["FALLBACK_FIELDS", "MOVES", "with_fallback"]
