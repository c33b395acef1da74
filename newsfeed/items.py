"""The Article contract (DESIGN.md §3): the item in pipelines, the JSON of `extract`, a store row;
and the small records beside it (listing items, what the spider tells the store).

Every field states its normalization contract. Extraction fills what the page gives; the
pipelines (normalize, validate, dedupe, store) rely on these contracts and nothing else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """An image of the article body or its lead image."""

    url: str
    """Absolute http(s) URL."""
    caption: str | None = None
    """The caption as printed under the image (NFC, whitespace collapsed), or None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """One entry of the page's own "related / other news" list."""

    url: str
    """Absolute canonical URL."""
    title: str
    """Link text (NFC, whitespace collapsed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A linked document (PDF, DOC, XLS, ZIP, audio, ...)."""

    url: str
    """Absolute URL."""
    title: str
    """Link text, or the file name when the link has no text."""
    type: str
    """Media type guessed from the file extension, e.g. ``application/pdf``."""


_FIELDS: dict[type, frozenset[str]] = {}
"""Per class, the field names ``from_dict`` keeps (``dataclasses.fields`` is slow to ask)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """One article as extracted from one page."""

    url: str
    """The URL fetched."""
    canonical_url: str
    """Normalized identity URL: https, lower-case host without ``www.``, no fragment, no
    tracking / session / Liferay ``p_p_*`` parameters, sorted query."""
    guid: str
    """Stable feed id (a ``tag:`` URI): from the portal's own article id where the platform has
    one, else from the canonical URL. Never from content or time."""
    portal: str | None
    """Portal key, or None when the page was extracted generically."""
    categories: tuple[str, ...] = ()
    """Category keys the article was listed under on this portal (for a single page, the
    category whose label the page prints, when it matches one of the portal's)."""
    section: str | None = None
    """The category label as the page prints it (breadcrumb, section header), e.g.
    "HOẠT ĐỘNG LÃNH ĐẠO"; None when the page prints none."""
    title: str
    """NFC, whitespace collapsed."""
    summary: str | None = None
    """The lead (sapo), NFC, whitespace collapsed."""
    published: str | None = None
    """ISO 8601 with offset, portal local time (+07:00) unless the page states its own offset
    (kept). A date with no time on the page is kept as midnight of that day only when nothing
    better exists (see ``published_raw``). Never before 1990 nor in the future: such a date
    gives way to the listing's, or to none (``date_source`` ``rejected``)."""
    published_raw: str | None = None
    """The string the date came from, as printed (with ``date_source`` ``rejected``: the
    impossible date the page printed)."""
    date_source: str | None = None
    """Where the date came from: ``meta``, ``jsonld``, ``article``, ``listing`` or ``url``;
    ``rejected`` when the page's only date was impossible and ``published`` is null."""
    updated: str | None = None
    """ISO 8601, only when the page states a modification."""
    author: str | None = None
    """Person or credit line as printed ("T.T - H.T" from "Tin, ảnh: T.T - H.T"); never a CMS
    account such as "admin admin"."""
    body_html: str = ""
    """Sanitized HTML: no script, style, iframe or event handlers; absolute links."""
    body_text: str = ""
    """Plain text of the body: NFC, paragraphs separated by blank lines, no author line."""
    images: tuple[Image, ...] = ()
    """Body images in page order, absolute URLs, with captions."""
    related_links: tuple[Link, ...] = ()
    """The page's own related list, absolute, canonical, deduplicated, page order."""
    attachments: tuple[Attachment, ...] = ()
    """Linked documents in page order."""
    language: str = "vi"
    """BCP 47 language tag."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the contract (lists, not tuples)."""
        data = dataclasses.asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = _FIELDS.get(cls)
        if known is None:
            known = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls))
        values = {k: v for k, v in data.items() if k in known}
        values["categories"] = tuple(values.get("categories") or ())
        values["images"] = tuple(Image(**i) for i in values.get("images") or ())
        values["related_links"] = tuple(Link(**i) for i in values.get("related_links") or ())
        values["attachments"] = tuple(Attachment(**i) for i in values.get("attachments") or ())
        return cls(**values)

    def replace(self, **changes: Any) -> Article:
        """A copy with some fields changed (dataclasses.replace, typed for callers)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingItem:
    """One article link found on a category listing page."""

    url: str
    """Absolute URL of the article page."""
    title: str | None = None
    published_raw: str | None = None
    """The date string printed on the listing, if any (a fallback for the article's)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Listing:
    """What a listing page holds: its article links and the next page, if any."""

    items: tuple[ListingItem, ...] = ()
    next_page: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryLink:
    """The spider to the store: an article already stored (or fetched this run) seen under
    more categories."""

    guid: str
    portal: str
    categories: tuple[str, ...]
    listing: ListingItem | None = None
    """What those categories' listing showed of it (title, date), to notice a change later."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchFailure:
    """The spider to the store: an article page that could not be fetched (or read), remembered
    so a gone page is not asked again for a while and a failed one is retried."""

    url: str
    portal: str
    status: str
    """The HTTP status (``"404"``), the error's name, ``extraction_error`` or ``soft_<kind>``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredCategory:
    """The spider to the store: where a label-only category was found in the portal's menu
    (``url``), or that the URL found before is gone (``url`` None: look again next run)."""

    portal: str
    category: str
    url: str | None


REQUIRED_FIELDS = ("title", "published", "body_text")
"""Fields whose absence the report counts in ``fields_missing`` and the checks watch."""

__all__ = [
    "REQUIRED_FIELDS",
    "Article",
    "Attachment",
    "CategoryLink",
    "DiscoveredCategory",
    "FetchFailure",
    "Image",
    "Link",
    "Listing",
    "ListingItem",
]
