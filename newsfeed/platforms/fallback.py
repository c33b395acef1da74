"""Per-field fallback: what a platform's rules miss, the generic extractor may still find.

Templates drift one block at a time: a theme update renames the date's class and leaves the
body alone. So an article whose platform rules found no title, date, body, author, lead or
related list keeps the generic extractor's value for that field, and the crawl counts which
fields came from the fallback (``fields_from_fallback`` in the report; ``selectors_drifting``
when more than a fifth of a portal's articles needed it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

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


@dataclass
class FallbackOdds:
    """Per portal and field, whether the fallback is still worth asking this run.

    Many portals print no byline, and some no lead or related list: the generic byline
    search then runs on every article (a fifth of a crawl's CPU on such a portal) and finds
    nothing every time. After ``misses`` articles in a row where the fallback found nothing
    for a field, it is asked for that field on every ``probe_every``-th article only, until it
    finds something again (then on every article). A field the fallback does fill (a drifted
    date selector) is never skipped; one it fills rarely may be missed on the articles in
    between, which is what the saving costs. Kept for one crawl (one spider)."""

    misses: int = 20
    probe_every: int = 10
    _missed: dict[tuple[str, str], int] = field(default_factory=dict)
    _skipped: dict[tuple[str, str], int] = field(default_factory=dict)

    def worth_asking(self, portal: str, name: str) -> bool:
        key = (portal, name)
        if self._missed.get(key, 0) < self.misses:
            return True
        skipped = self._skipped.get(key, 0) + 1
        if skipped >= self.probe_every:
            self._skipped[key] = 0
            return True
        self._skipped[key] = skipped
        return False

    def record(self, portal: str, name: str, *, found: bool) -> None:
        key = (portal, name)
        self._missed[key] = 0 if found else self._missed.get(key, 0) + 1


def with_fallback(
    article: Article,
    sel: Selector,
    url: str,
    *,
    not_authors: Collection[str] | Callable[[], Collection[str]] = (),
    odds: FallbackOdds | None = None,
    portal: str = "",
) -> tuple[Article, tuple[str, ...]]:
    """``article`` with the fields its rules missed filled from the generic extractor, and
    the names of the fields filled. The generic extractor only runs when a field is missing.

    ``not_authors``: names that are never the author (the page's uploader account, see
    :attr:`newsfeed.extraction.article.ArticleRules.uploader`): a page without a printed
    byline has no author, not the uploader the generic byline search finds. A callable is
    asked for them only when the generic extractor found an author (the uploader's element is
    looked up on every page otherwise, for nothing: most articles never get that far).

    Only the missing fields are extracted: an article without a byline (most of them) costs
    the byline search and the body cleaning, not a whole second extraction. ``odds``: the
    crawl's record of what the fallback found on ``portal`` (:class:`FallbackOdds`): the
    fields it keeps missing there are asked on some articles only."""
    missing = [name for name in FALLBACK_FIELDS if not getattr(article, name)]
    if odds is not None:
        missing = [name for name in missing if odds.worth_asking(portal, name)]
    if not missing:
        return article, ()
    generic = extract_generic(sel, url, fields=missing)
    changes: dict[str, object] = {}
    filled: list[str] = []
    for name in missing:
        found = bool(getattr(generic, name))
        if found and name == "author":
            refused = not_authors() if callable(not_authors) else not_authors
            found = generic.author not in refused
        if odds is not None:
            odds.record(portal, name, found=found)
        if found:
            filled.append(name)
            changes.update({key: getattr(generic, key) for key in MOVES[name]})
    if not filled:
        return article, ()
    return article.replace(**changes), tuple(filled)


__all__ = ["FALLBACK_FIELDS", "MOVES", "FallbackOdds", "with_fallback"]
