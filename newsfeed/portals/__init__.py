"""Portal profiles: one TOML file per portal under ``profiles/``, named by its key.

A profile is data: the site, its categories and any overrides of its platform's rules. The
platform (CMS family) is code in :mod:`newsfeed.platforms`. Adding a portal of a known platform
is adding one short TOML file::

    key = "sotttt_hanoi"
    name = "Sở Thông tin và Truyền thông Hà Nội"
    province = "Hà Nội"
    base_url = "https://sotttt.hanoi.gov.vn"
    platform = "liferay62"
    verified = "2022-08-27"

    [[categories]]
    key = "tin_tuc_su_kien"
    name = "Tin tức sự kiện"
    url = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien"
    topic = "news"

Every category maps to one topic of the shared taxonomy (:mod:`newsfeed.portals.topics`). Where
the URL of a category is not known from evidence, the profile does not guess it: it names the
category by the label(s) the portal's menu prints, and the crawl finds the link in the
navigation at run time (:func:`newsfeed.portals.discovery.find_category_url`)::

    [[categories]]
    key = "hoat_dong_lanh_dao"
    name = "Hoạt động lãnh đạo"
    labels = ["Hoạt động lãnh đạo", "Tin hoạt động lãnh đạo"]
    topic = "leadership"

Where one portal prints a field elsewhere than its platform's other sites, the profile says
where in ``[overrides]``, without Python: each key is a field of the platform's article rules
(:data:`SELECTOR_FIELDS`), each value a list of CSS or XPath selectors tried before the
platform's own. An unknown key or a selector that does not parse fails the profile's load::

    [overrides]
    title = ["h2.tieu-de-tin"]
    drop = [".chia-se", "//div[@id='print']"]
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from cssselect import SelectorError
from parsel import Selector

from newsfeed.extraction.article import ArticleRules
from newsfeed.extraction.select import select
from newsfeed.portals.topics import TOPICS

logger = logging.getLogger(__name__)

PROFILES_DIR = Path(__file__).with_name("profiles")
"""The bundled profiles; a user's own folder (setting ``profiles_dir``) is read after it."""
USER_PROFILES_DIR = Path("profiles")
"""The default user profiles folder, read when it exists (setting ``profiles_dir``)."""
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# feeds/topics/<topic>.* and feeds/<portal>/all.* are the builder's own feeds
RESERVED_PORTAL_KEYS = frozenset({"topics"})
RESERVED_CATEGORY_KEYS = frozenset({"all"})


SELECTOR_FIELDS = tuple(f.name for f in fields(ArticleRules) if f.type == "Selectors")
"""The article-rule fields a profile's ``[overrides]`` may prepend selectors to."""
PLATFORM_OPTIONS = {
    "newszone": "vnportal2: the NewsZone listing API's zone tokens (PageSize, Catname, ...)",
}
"""Tables in ``[overrides]`` that are a platform's own options, not selectors."""


PLATFORM_KEYS = (
    "baocantho",
    "dotnetnuke",
    "drupal",
    "generic",
    "liferay62",
    "liferay7",
    "newspaper_cms",
    "sharepoint",
    "vnportal",
    "vnportal2",
)
"""The platform adapters' keys (:data:`newsfeed.platforms.PLATFORMS`, a layer above: its test
keeps the two equal), so a profile naming another platform fails at load, not at crawl."""
_LOCAL_HOSTS = frozenset({"localhost", "::1", "[::1]"})


class ProfileError(ValueError):
    """A profile file that cannot be used, with the file and the reason."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    """One category (chuyên mục) of a portal, crawled as one feed."""

    key: str
    """ASCII snake_case, unique within the portal; the feed's file name."""
    name: str
    """The label as the portal prints it."""
    topic: str
    """Key in the shared topic taxonomy (:data:`newsfeed.portals.topics.TOPICS`)."""
    url: str | None = None
    """The first listing page; None when not known from evidence (found via ``labels``)."""
    labels: tuple[str, ...] = ()
    """Link texts that name the category in the portal's navigation, best first; how the
    crawl finds ``url`` when it is None (matched ignoring case and diacritics)."""

    @property
    def needs_discovery(self) -> bool:
        """True when the listing URL must be found in the portal's navigation first."""
        return self.url is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """What public code and pages show of a portal: not saved pages of it (that is
    ``verified``), but enough to choose its platform and to test its URL shapes."""

    date: str
    """When the evidence dates from, as the audit gives it ("2026-07", "2018-06")."""
    sources: tuple[str, ...]
    """Where it comes from: ``owner/repo@commit:path`` or ``#<id>`` of the public code index."""
    platform_shown: bool
    """True when the evidence shows the platform family; False when only URL shapes are known
    (the profile then says ``platform = "generic"``)."""
    article_urls: tuple[str, ...] = ()
    """Article URLs as the evidence shows them: the platform must take each for an article."""
    listing_urls: tuple[str, ...] = ()
    """Category (listing) URLs as the evidence shows them: never taken for an article."""


PORTAL_STATUSES = ("verified", "evidence", "unknown")
"""How much a profile rests on: saved pages, public evidence, or nothing yet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Portal:
    """A portal profile."""

    key: str
    """ASCII snake_case without diacritics; the profile's file name."""
    name: str
    province: str
    """The post-2025 provincial unit the portal belongs to."""
    base_url: str
    platform: str
    """Key of a platform adapter in :mod:`newsfeed.platforms`."""
    categories: tuple[Category, ...]
    language: str = "vi"
    verified: str | None = None
    """Date (ISO) the markup was last checked against real pages, or None if never."""
    host_aliases: tuple[str, ...] = ()
    """Other hosts serving the same articles (old domains, subsites); same guid on all."""
    max_pages: int = 3
    """Listing pages per category per run, at most; a run stops earlier at known articles."""
    overrides: Mapping[str, Any] | None = None
    """The platform options of ``[overrides]`` (:data:`PLATFORM_OPTIONS`), passed to the
    platform adapter's listing requests."""
    selectors: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """The selector overrides of ``[overrides]``: article-rule field -> selectors tried before
    the platform's own (:meth:`newsfeed.platforms.base.Platform.rules_for`)."""
    evidence: Evidence | None = None
    """Public evidence behind the profile (``[evidence]``), or None."""
    article_url: re.Pattern[str] | None = None
    """The article-URL shape the evidence shows (profile key ``article_url``, a regular
    expression searched in the URL), for a portal whose URLs carry no id: a listing link that
    does not match is not an article, though the platform's own rule would take it."""
    parent: str | None = None
    """The key of the portal this site belongs to (a commune or department under its
    province's portal, found by ``newsfeed discover``); index.html and the OPML group it there."""

    def takes_article(self, url: str, platform_says: bool) -> bool:
        """Whether a listing link is an article: the platform's rule and the profile's shape."""
        return platform_says and (self.article_url is None or bool(self.article_url.search(url)))

    @property
    def status(self) -> str:
        """``verified`` (checked against saved pages), ``evidence`` (platform shown by public
        code or pages), else ``unknown`` (the first live run must tell)."""
        if self.verified:
            return "verified"
        if self.evidence is not None and self.evidence.platform_shown:
            return "evidence"
        return "unknown"

    @property
    def hosts(self) -> frozenset[str]:
        """Every host name the portal answers on, without ``www.``."""
        from newsfeed.extraction.urls import host_of

        return frozenset({host_of(self.base_url), *(h.lower() for h in self.host_aliases)})

    def category(self, key: str) -> Category:
        for category in self.categories:
            if category.key == key:
                return category
        raise KeyError(f"portal {self.key!r} has no category {key!r}")

    def category_names(self, keys: Iterable[str]) -> tuple[str, ...]:
        """The portal's names of category ``keys`` (what a feed reader shows as the item's
        categories); a key the profile no longer has is named by its topic's label, else
        itself, so an old article keeps a readable category."""
        from newsfeed.portals.topics import TOPICS, topic_label

        names = {c.key: c.name for c in self.categories}
        return tuple(
            dict.fromkeys(
                names.get(key) or (topic_label(key)[0] if key in TOPICS else key) for key in keys
            )
        )

    def category_for_label(self, label: str) -> Category | None:
        """The category whose name or one of whose labels reads as ``label`` (case and
        diacritics aside): an article page's breadcrumb names its category this way."""
        from newsfeed.extraction.text import fold

        wanted = fold(label)
        for category in self.categories:
            if any(fold(name) == wanted for name in (category.name, *category.labels)):
                return category
        return None

    def to_dict(self) -> dict[str, Any]:
        """The shape of ``newsfeed portals --json``."""
        return {
            "key": self.key,
            "name": self.name,
            "province": self.province,
            "base_url": self.base_url,
            "platform": self.platform,
            "language": self.language,
            "verified": self.verified,
            "status": self.status,
            "parent": self.parent,
            "evidence": None
            if self.evidence is None
            else {
                "date": self.evidence.date,
                "sources": list(self.evidence.sources),
                "platform_shown": self.evidence.platform_shown,
                "article_urls": list(self.evidence.article_urls),
                "listing_urls": list(self.evidence.listing_urls),
            },
            "categories": [
                {
                    "key": c.key,
                    "name": c.name,
                    "url": c.url,
                    "labels": list(c.labels),
                    "topic": c.topic,
                }
                for c in self.categories
            ],
        }


def portal_from_dict(data: Mapping[str, Any], *, source: str = "<data>") -> Portal:
    """Build a Portal from profile data, with errors that name the file and the field."""

    def need(mapping: Mapping[str, Any], name: str, where: str) -> Any:
        if name not in mapping or mapping[name] in ("", None):
            raise ProfileError(f"{source}: {where}missing required field {name!r}")
        return mapping[name]

    key = str(need(data, "key", ""))
    if not _KEY_RE.match(key):
        raise ProfileError(f"{source}: key {key!r} is not ASCII snake_case")
    if key in RESERVED_PORTAL_KEYS:
        raise ProfileError(f"{source}: key {key!r} is reserved for the feeds folder")
    raw_categories = data.get("categories") or []
    if not raw_categories:
        raise ProfileError(f"{source}: no [[categories]]")
    categories = []
    for i, raw in enumerate(raw_categories):
        where = f"categories[{i}]: "
        ckey = str(need(raw, "key", where))
        if not _KEY_RE.match(ckey):
            raise ProfileError(f"{source}: {where}key {ckey!r} is not ASCII snake_case")
        if ckey in RESERVED_CATEGORY_KEYS:
            raise ProfileError(f"{source}: {where}key {ckey!r} is reserved (the portal's feed)")
        categories.append(_category_from_dict(raw, ckey, source=source, where=where))
    keys = [c.key for c in categories]
    if len(set(keys)) != len(keys):
        raise ProfileError(f"{source}: duplicate category keys in {keys}")
    verified = data.get("verified")
    selectors, options = _overrides_from_dict(data.get("overrides"), source=source)
    platform = str(need(data, "platform", ""))
    if platform not in PLATFORM_KEYS:
        raise ProfileError(
            f"{source}: unknown platform {platform!r} (known: {', '.join(PLATFORM_KEYS)})"
        )
    parent = data.get("parent")
    if parent is not None and (not isinstance(parent, str) or not _KEY_RE.match(parent)):
        raise ProfileError(f"{source}: parent must be the key of a portal, not {parent!r}")
    if parent == key:
        raise ProfileError(f"{source}: parent {parent!r} is the portal itself")
    return Portal(
        key=key,
        name=str(need(data, "name", "")),
        province=str(need(data, "province", "")),
        base_url=_base_url(str(need(data, "base_url", "")), source=source),
        platform=platform,
        parent=parent,
        categories=tuple(categories),
        language=str(data.get("language", "vi")),
        verified=None if verified is None else str(verified),
        host_aliases=tuple(data.get("host_aliases", ())),
        max_pages=int(data.get("max_pages", 3)),
        overrides=options or None,
        selectors=MappingProxyType(selectors),
        article_url=_pattern(data.get("article_url"), source=source),
        evidence=_evidence_from_dict(data["evidence"], source=source)
        if "evidence" in data
        else None,
    )


def _base_url(raw: str, *, source: str) -> str:
    """An http(s) URL with a host, without its trailing slash."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProfileError(f"{source}: base_url {raw!r} is not an http(s) URL")
    return raw.strip().rstrip("/")


def is_local_url(url: str) -> bool:
    """True for a URL of this machine (127.0.0.0/8, localhost, ::1): a test or mirror site,
    the only place a profile's plain ``http://`` is expected."""
    host = (urlsplit(url).hostname or "").lower()
    return host in _LOCAL_HOSTS or host.startswith("127.")


def _overrides_from_dict(
    raw: Any, *, source: str
) -> tuple[dict[str, tuple[str, ...]], dict[str, Any]]:
    """``[overrides]`` as (selector overrides, platform options), every key checked."""
    if raw is None:
        return {}, {}
    where = f"{source}: [overrides]: "
    if not isinstance(raw, Mapping):
        raise ProfileError(f"{where}must be a table")
    selectors: dict[str, tuple[str, ...]] = {}
    options: dict[str, Any] = {}
    probe = Selector(text="<html><body></body></html>")
    for key, value in raw.items():
        if key in PLATFORM_OPTIONS:
            if not isinstance(value, Mapping):
                raise ProfileError(f"{where}{key} must be a table ({PLATFORM_OPTIONS[key]})")
            options[key] = dict(value)
            continue
        if key not in SELECTOR_FIELDS:
            known = ", ".join((*SELECTOR_FIELDS, *PLATFORM_OPTIONS))
            raise ProfileError(f"{where}unknown key {key!r} (known: {known})")
        if isinstance(value, str) or not isinstance(value, list) or not value:
            raise ProfileError(f"{where}{key} must be a list of CSS or XPath selectors")
        for query in value:
            if not isinstance(query, str) or not query.strip():
                raise ProfileError(f"{where}{key}: {query!r} is not a selector")
            try:
                select(probe, query.strip())
            except (SelectorError, ValueError) as exc:  # bad CSS; bad XPath (lxml's, via parsel)
                raise ProfileError(
                    f"{where}{key}: {query!r} is neither valid CSS nor valid XPath ({exc})"
                ) from None
        selectors[key] = tuple(q.strip() for q in value)
    return selectors, options


def _pattern(raw: Any, *, source: str) -> re.Pattern[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise ProfileError(f"{source}: article_url must be a regular expression string")
    try:
        return re.compile(raw)
    except re.error as exc:
        raise ProfileError(f"{source}: article_url is not a regular expression: {exc}") from None


def _evidence_from_dict(raw: Any, *, source: str) -> Evidence:
    where = f"{source}: [evidence]: "
    if not isinstance(raw, Mapping):
        raise ProfileError(f"{where}must be a table")
    date = raw.get("date")
    if not isinstance(date, str) or not re.fullmatch(r"\d{4}(-\d{2}){0,2}", date):
        raise ProfileError(f"{where}date must be YYYY, YYYY-MM or YYYY-MM-DD, not {date!r}")
    lists: dict[str, tuple[str, ...]] = {}
    for name in ("sources", "article_urls", "listing_urls"):
        value = raw.get(name, [])
        if isinstance(value, str) or not all(isinstance(x, str) and x.strip() for x in value):
            raise ProfileError(f"{where}{name} must be a list of non-empty strings")
        lists[name] = tuple(x.strip() for x in value)
    if not lists["sources"]:
        raise ProfileError(f"{where}needs sources")
    shown = raw.get("platform_shown")
    if not isinstance(shown, bool):
        raise ProfileError(f"{where}platform_shown must be true or false")
    return Evidence(date=date, platform_shown=shown, **lists)


def _category_from_dict(raw: Mapping[str, Any], key: str, *, source: str, where: str) -> Category:
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProfileError(f"{source}: {where}missing required field 'name'")
    topic = raw.get("topic")
    if not isinstance(topic, str) or not topic:
        raise ProfileError(f"{source}: {where}missing required field 'topic'")
    if topic not in TOPICS:
        known = ", ".join(TOPICS)
        raise ProfileError(f"{source}: {where}unknown topic {topic!r} (known: {known})")
    url = raw.get("url")
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise ProfileError(f"{source}: {where}url must be a non-empty string")
    labels = raw.get("labels", ())
    if isinstance(labels, str) or not all(isinstance(x, str) and x.strip() for x in labels):
        raise ProfileError(f"{source}: {where}labels must be a list of non-empty strings")
    if url is None and not labels:
        raise ProfileError(f"{source}: {where}needs a 'url' or 'labels' to find its listing")
    return Category(
        key=key,
        name=name.strip(),
        topic=topic,
        url=url.strip() if url else None,
        labels=tuple(x.strip() for x in labels),
    )


def load_profile(path: Path) -> Portal:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    portal = portal_from_dict(data, source=str(path))
    if portal.key != path.stem:
        raise ProfileError(f"{path}: key {portal.key!r} does not match the file name")
    return portal


@cache
def _builtin_portals() -> dict[str, Portal]:
    return {p.key: p for p in (load_profile(f) for f in sorted(PROFILES_DIR.glob("*.toml")))}


def user_profiles_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """The user's profiles folder: setting ``profiles_dir`` (``NEWSFEED_PROFILES_DIR``,
    newsfeed.toml), else ``./profiles`` when it exists; None when there is none. A crawl
    process started by scrapyd finds it the same way."""
    from newsfeed.config import ConfigError, load_config

    environ = os.environ if environ is None else environ
    try:
        folder = load_config(environ=environ).profiles_dir
    except ConfigError:  # the CLI reports a broken configuration; here only the folder counts
        named = environ.get("NEWSFEED_PROFILES_DIR")
        folder = Path(named) if named else USER_PROFILES_DIR
    if folder == USER_PROFILES_DIR and not folder.is_dir():
        return None
    return folder


def load_profiles(folder: Path) -> tuple[dict[str, Portal], list[ProfileError]]:
    """Every ``*.toml`` profile of ``folder``, and the problem of each one that cannot be
    used (bad TOML, a missing field, no categories, an unknown platform): a broken profile is
    skipped, never a reason for the other portals to stop working."""
    portals: dict[str, Portal] = {}
    problems: list[ProfileError] = []
    if not folder.is_dir():  # not made yet (`newsfeed probe` makes it): no profiles of one's own
        return portals, problems
    for path in sorted(folder.glob("*.toml")):
        try:
            portal = load_profile(path)
        except ProfileError as exc:
            problems.append(exc)
            continue
        except (ValueError, TypeError, AttributeError) as exc:  # a field of the wrong shape
            problems.append(ProfileError(f"{path}: {exc}"))
            continue
        portals[portal.key] = portal
    return portals, problems


_warned: set[str] = set()


class Registry:
    """The known portals: the bundled profiles, then the user's (``profiles_dir``: a key
    already bundled is replaced), or only the portals given (demo, tests).

    ``problems`` names each user profile that was skipped, with its file and the reason; each
    is also logged once per process as a warning."""

    def __init__(
        self, portals: Iterable[Portal] | None = None, *, profiles_dir: Path | None = None
    ) -> None:
        self.problems: list[str] = []
        self._by_host: dict[str, Portal] | None = None
        self.user_keys: frozenset[str] = frozenset()
        self._skipped: dict[str, str] = {}  # file stem -> why its profile was skipped
        if portals is not None:
            self._portals: dict[str, Portal] = {}
            for portal in portals:
                self.add(portal)
            return
        self._portals = dict(_builtin_portals())
        folder = profiles_dir if profiles_dir is not None else user_profiles_dir()
        if folder is None:
            return
        users, problems = load_profiles(folder)
        self._portals.update(users)
        self.user_keys = frozenset(users)
        self.problems = [str(p) for p in problems]
        for key, portal in sorted(users.items()):
            if portal.parent is not None and portal.parent not in self._portals:
                del self._portals[key]
                self.problems.append(
                    f"{folder / (key + '.toml')}: parent {portal.parent!r} is not a known portal"
                )
        for problem in self.problems:
            stem = Path(problem.split(": ", 1)[0]).stem
            self._skipped.setdefault(stem, problem)
            if problem not in _warned:
                _warned.add(problem)
                logger.warning("profile skipped: %s", problem)

    def add(self, portal: Portal) -> None:
        self._portals[portal.key] = portal
        self._by_host = None

    def get(self, key: str) -> Portal:
        try:
            return self._portals[key]
        except KeyError:
            if key in self._skipped:
                raise KeyError(f"portal {key!r} was skipped: {self._skipped[key]}") from None
            known = ", ".join(sorted(self._portals)) or "none"
            raise KeyError(f"unknown portal {key!r} (known: {known})") from None

    def __iter__(self) -> Any:
        return iter(sorted(self._portals.values(), key=lambda p: p.key))

    def __len__(self) -> int:
        return len(self._portals)

    def for_url(self, url: str) -> Portal | None:
        """The portal whose hosts include the URL's host, if any."""
        from newsfeed.extraction.urls import host_of

        if self._by_host is None:  # host -> the first portal answering on it, built once
            self._by_host = {}
            for portal in self._portals.values():
                for known in portal.hosts:
                    self._by_host.setdefault(known, portal)
        return self._by_host.get(host_of(url))
