"""Platform adapters: one module per CMS family, knowing its listing and article markup.

A portal profile names its platform by key; :func:`get_platform` returns the adapter.
"""

from __future__ import annotations

from newsfeed.platforms.baocantho import BaoCanThoPlatform
from newsfeed.platforms.base import Platform
from newsfeed.platforms.dotnetnuke import DotNetNukePlatform
from newsfeed.platforms.drupal import DrupalPlatform
from newsfeed.platforms.generic import GenericPlatform
from newsfeed.platforms.liferay import Liferay7Platform, Liferay62Platform
from newsfeed.platforms.newspaper import NewspaperCmsPlatform
from newsfeed.platforms.sharepoint import SharePointPlatform
from newsfeed.platforms.vnportal import VnPortal2Platform, VnPortalPlatform

PLATFORMS: dict[str, Platform] = {
    platform.key: platform
    for platform in (
        Liferay62Platform(),
        Liferay7Platform(),
        BaoCanThoPlatform(),
        DotNetNukePlatform(),
        DrupalPlatform(),
        GenericPlatform(),
        NewspaperCmsPlatform(),
        SharePointPlatform(),
        VnPortalPlatform(),
        VnPortal2Platform(),
    )
}


def get_platform(key: str) -> Platform:
    try:
        return PLATFORMS[key]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise KeyError(f"unknown platform {key!r} (known: {known})") from None


__all__ = ["PLATFORMS", "Platform", "get_platform"]
