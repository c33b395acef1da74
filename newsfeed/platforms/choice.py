"""Which platform reads a portal's pages: the profile's, unless the pages show another family.

A profile names its platform from evidence that may be old or wrong (the audit of December
2026 contradicts 14 of 39). The pages themselves say which CMS serves them
(:mod:`newsfeed.platforms.fingerprint`), so a crawl reads them with what they show: the adapter
of the detected family, or the generic platform for a family without one (WordPress, Joomla).
Versions of one family (Liferay 6.2 / 7, vnPortal classic / new) are not switched between:
telling them apart is less sure than telling families apart, and the profile's author may have
chosen the adapter on purpose. A page that shows no family never overrides the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsel import Selector

from newsfeed.items import Listing
from newsfeed.platforms import PLATFORMS, Platform, get_platform
from newsfeed.platforms.fingerprint import UNKNOWN, Fingerprint

GENERIC = "generic"

_FAMILIES = {
    "liferay62": "liferay",
    "liferay7": "liferay",
    "vnportal": "vnpt",
    "vnportal2": "vnpt",
}


def same_family(a: str, b: str) -> bool:
    return a == b or (_FAMILIES.get(a) is not None and _FAMILIES.get(a) == _FAMILIES.get(b))


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformChoice:
    """The platform that reads a page, and what the page showed."""

    used: str
    """The platform key the page is read with."""
    profile: str | None
    """The profile's platform (None for a page of no portal)."""
    detected: Fingerprint

    @property
    def mismatch(self) -> bool:
        """True when the page shows a family the profile does not name."""
        return self.profile is not None and self.used != self.profile

    @property
    def should_say(self) -> str:
        """What the profile's ``platform`` should be, by this page."""
        return self.used


def choose_platform(profile: str | None, detected: Fingerprint) -> PlatformChoice:
    family = detected.family
    if family == UNKNOWN:
        used = profile or GENERIC
    elif profile is not None and same_family(profile, family):
        used = profile
    elif family in PLATFORMS:
        used = family
    else:
        # a family with no adapter of its own: read by the page's structure
        used = GENERIC
    if profile == GENERIC and used == GENERIC:
        used = GENERIC
    return PlatformChoice(used=used, profile=profile, detected=detected)


def read_listing(platform: Platform, sel: Selector, url: str) -> tuple[Listing, str]:
    """The page's listing by ``platform``, else by the generic platform when the platform's
    rules find no article on it; and the key of the platform that found the items."""
    listing = platform.parse_listing(sel, url)
    if listing.items or platform.key == GENERIC:
        return listing, platform.key
    fallback = get_platform(GENERIC).parse_listing(sel, url)
    if not fallback.items:
        return listing, platform.key
    return Listing(items=fallback.items, next_page=listing.next_page or fallback.next_page), GENERIC


__all__ = ["GENERIC", "PlatformChoice", "choose_platform", "read_listing", "same_family"]
