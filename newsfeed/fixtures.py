"""``newsfeed fixture record``: one real page saved as a test fixture, for review.

The first run with internet is where a profile written from public evidence meets its portal.
Recording a page turns what that run saw into a tested case in the layout the fixture tests read
(``tests/fixtures/<portal>/``): the raw bytes as served (``<name>.html``), their metadata
(``<name>.meta.json``: url, fetched_at, content_type, ``"synthetic": false``) and what the
portal's platform extracts from them (``<name>.json``) -- an expectation to review and correct
by hand before committing, never one to trust as recorded. A listing page goes under
``listings/`` with the listing's items and next page instead.

The page comes from the network (``urllib``, the project's User-Agent) or, with ``replay``, from
a WARC that ``newsfeed crawl --record`` wrote, so a page is recorded exactly as the crawl saw it.
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsfeed import USER_AGENT
from newsfeed.files import atomic_write
from newsfeed.platforms import get_platform
from newsfeed.platforms.extract import extract_page, response_for
from newsfeed.portals import Portal, Registry
from newsfeed.timezone import LOCAL_TZ

FETCH_TIMEOUT = 30
_NAME_RE = re.compile(r"[^a-z0-9]+")


class FixtureError(RuntimeError):
    """A page that cannot be recorded (fetch failed, not in the WARC, files exist)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    url: str
    """The URL that answered (after redirects, or as recorded in the WARC)."""
    body: bytes
    content_type: str | None
    fetched_at: str
    """ISO 8601 in portal time: the response's Date header, else now."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    page: Path
    meta: Path
    expected: Path
    missing: tuple[str, ...]
    """Required article fields the platform did not find (a listing: no items), to look at."""


def fetch(url: str, *, replay: Path | None = None) -> Fetched:
    """The page at ``url``, live or from the WARC ``replay``."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise FixtureError(f"not an http(s) URL: {url}")
    if replay is not None:
        from newsfeed.crawl.warc import ReplayIndex

        recorded = ReplayIndex(replay).lookup(url)
        if recorded is None:
            raise FixtureError(f"{url} is not in {replay}")
        if recorded.status != 200:
            raise FixtureError(f"{url} was recorded with HTTP {recorded.status}")
        headers = {k.lower(): v for k, v in recorded.headers}
        return Fetched(
            url=recorded.url,
            body=recorded.body,
            content_type=headers.get("content-type"),
            fetched_at=_when(headers.get("date")),
        )
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            return Fetched(
                url=response.geturl(),
                body=response.read(),
                content_type=response.headers.get("Content-Type"),
                fetched_at=_when(response.headers.get("Date")),
            )
    except urllib.error.HTTPError as exc:
        raise FixtureError(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FixtureError(f"cannot fetch {url}: {reason}") from None


def record_fixture(
    portal: Portal,
    url: str,
    *,
    root: Path,
    name: str | None = None,
    replay: Path | None = None,
    listing: bool = False,
    force: bool = False,
) -> Recorded:
    """Fetch ``url`` and write its fixture under ``root/<portal key>/`` (``listings/`` for a
    listing page); refuses to overwrite a fixture unless ``force``."""
    fetched = fetch(url, replay=replay)
    folder = root / portal.key / ("listings" if listing else "")
    stem = name or fixture_name(fetched.url)
    if not re.fullmatch(r"[a-z0-9_]+", stem):
        raise FixtureError(f"fixture name {stem!r} is not ASCII snake_case")
    page, meta, expected = (
        folder / f"{stem}{suffix}" for suffix in (".html", ".meta.json", ".json")
    )
    existing = [p for p in (page, meta, expected) if p.exists()]
    if existing and not force:
        raise FixtureError(f"{existing[0]} exists (pass --force to record over it)")
    if listing:
        data, missing = _listing_json(portal, fetched)
    else:
        data, missing = _article_json(portal, fetched)
    metadata: dict[str, Any] = {
        "url": fetched.url,
        "fetched_at": fetched.fetched_at,
        "content_type": fetched.content_type,
        "note": (
            f"Recorded from {'the WARC ' + replay.name if replay else 'the live site'} by "
            "`newsfeed fixture record`; the expected JSON is what the platform extracted: "
            "review every field against the page, then say here what the fixture exercises."
        ),
        "synthetic": False,
        "reviewed": False,
    }
    if listing:
        metadata["kind"] = "listing"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(page, fetched.body)
    atomic_write(meta, _json(metadata))
    atomic_write(expected, _json(data))
    return Recorded(page=page, meta=meta, expected=expected, missing=missing)


def fixture_name(url: str) -> str:
    """A file stem from the URL's last path segment (and query), ASCII snake_case."""
    parts = urlsplit(url)
    segment = [s for s in parts.path.split("/") if s][-1:] or ["index"]
    raw = segment[0].rsplit(".", 1)[0] if "." in segment[0] else segment[0]
    if parts.query:
        raw += "_" + parts.query
    ascii_text = unicodedata.normalize("NFKD", raw.replace("đ", "d").replace("Đ", "D"))
    stem = _NAME_RE.sub("_", ascii_text.encode("ascii", "ignore").decode().lower()).strip("_")
    return stem[:60].rstrip("_") or "page"


def _article_json(portal: Portal, fetched: Fetched) -> tuple[dict[str, Any], tuple[str, ...]]:
    from newsfeed.items import REQUIRED_FIELDS

    article = extract_page(
        fetched.body,
        fetched.url,
        portal=portal,
        registry=Registry([portal]),
        content_type=fetched.content_type,
    )
    data = article.to_dict()
    data.pop("body_html", None)  # checked by rules, not by value
    return data, tuple(name for name in REQUIRED_FIELDS if not getattr(article, name))


def _listing_json(portal: Portal, fetched: Fetched) -> tuple[dict[str, Any], tuple[str, ...]]:
    response = response_for(fetched.body, fetched.url, fetched.content_type)
    listing = get_platform(portal.platform).parse_listing(response.selector, fetched.url)
    data = {
        "items": [
            {"url": i.url, "title": i.title, "published_raw": i.published_raw}
            for i in listing.items
        ],
        "next_page": listing.next_page,
    }
    return data, () if listing.items else ("items",)


def _when(date_header: str | None) -> str:
    when: datetime | None = None
    if date_header:
        try:
            when = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            when = None
    when = when or datetime.now(UTC)
    return when.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


__all__ = ["Fetched", "FixtureError", "Recorded", "fetch", "fixture_name", "record_fixture"]
