"""What one stored article may hold: a hostile or broken page must not fill the store or feeds.

A page that passed the download bounds (``DOWNLOAD_MAXSIZE``) can still carry a body or a title
no article has, or a hundred thousand links. :func:`apply_bounds` decides, as a pure function:

- a body or a title over its bound: the article is not stored at all (``too_large``): cutting
  it would store a wrong article without saying so;
- images, related links and attachments over theirs: the first ones are kept and the cut is
  counted (``images_truncated``, ``links_truncated``, ``attachments_truncated``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsfeed.items import Article

__all__ = ["SCAN_LIMIT", "Bounds", "apply_bounds"]

SCAN_LIMIT = 1_000
"""Extraction reads at most this many candidates of one list (related links, images,
attachments): real pages have tens, a page with a hundred thousand is broken or hostile and would
cost minutes. More than :class:`Bounds` keeps anyway, so the cut is still counted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bounds:
    """The bounds; the crawl reads them from ``NEWSFEED_MAX_*`` settings (crawl/settings.py)."""

    max_body_chars: int = 400_000
    """``body_html`` and ``body_text``, each, in characters."""
    max_title_chars: int = 1_000
    max_links: int = 200
    """``related_links`` kept per article."""
    max_images: int = 200
    max_attachments: int = 100

    @classmethod
    def from_settings(cls, settings: Any) -> Bounds:
        """From a Scrapy ``Settings`` (``NEWSFEED_MAX_BODY_CHARS`` and friends)."""
        get = settings.getint
        defaults = cls()
        return cls(
            max_body_chars=get("NEWSFEED_MAX_BODY_CHARS", defaults.max_body_chars),
            max_title_chars=get("NEWSFEED_MAX_TITLE_CHARS", defaults.max_title_chars),
            max_links=get("NEWSFEED_MAX_LINKS", defaults.max_links),
            max_images=get("NEWSFEED_MAX_IMAGES", defaults.max_images),
            max_attachments=get("NEWSFEED_MAX_ATTACHMENTS", defaults.max_attachments),
        )


def apply_bounds(article: Article, bounds: Bounds) -> tuple[Article | None, tuple[str, ...]]:
    """The article within ``bounds`` (None: not to be stored) and the faults to count."""
    if (
        len(article.body_html) > bounds.max_body_chars
        or len(article.body_text) > bounds.max_body_chars
        or len(article.title) > bounds.max_title_chars
    ):
        return None, ("too_large",)
    faults: list[str] = []
    changes: dict[str, object] = {}
    for field, limit, fault in (
        ("images", bounds.max_images, "images_truncated"),
        ("related_links", bounds.max_links, "links_truncated"),
        ("attachments", bounds.max_attachments, "attachments_truncated"),
    ):
        values = getattr(article, field)
        if len(values) > limit:
            changes[field] = values[:limit]
            faults.append(fault)
    return (article.replace(**changes) if changes else article), tuple(faults)
