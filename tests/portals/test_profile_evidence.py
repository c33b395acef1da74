"""Profiles against the public evidence they cite (``[evidence]``, from
``../shared/evidence/profile-audit.md``): every profile names a registered platform, and that
platform takes every article URL the evidence shows for an article (with the CMS's id, or the
canonical path as identity when the URL has none) and no listing URL the evidence shows.

The evidence gives some URLs with the slug elided (``<slug>``, ``<url-title>``, ``<id>``): the
test fills in an invented slug, which is all the URL rules may depend on.
"""

from __future__ import annotations

import re

import pytest

from newsfeed.extraction.urls import canonical_url, make_guid
from newsfeed.platforms import PLATFORMS, get_platform
from newsfeed.portals import PORTAL_STATUSES, Portal, Registry

PORTALS = list(Registry())
WITH_EVIDENCE = [p for p in PORTALS if p.evidence is not None]
_FILL = {
    "<slug>": "hoi-nghi-tong-ket-cong-tac-nam-2025",
    "<url-title>": "hoi-nghi-tong-ket-cong-tac-nam-2025",
    "<id>": "12345",
    "<cat>": "tin-tuc",
    "<Category>": "News",
    "<x>": "stnmt",
}
_PLACEHOLDER = re.compile(r"<[^>]+>")


def filled(url: str) -> str:
    for placeholder, value in _FILL.items():
        url = url.replace(placeholder, value)
    assert not _PLACEHOLDER.search(url), f"unknown placeholder in {url}"
    return url


@pytest.mark.parametrize("portal", PORTALS, ids=lambda p: p.key)
def test_profile_platform_exists(portal: Portal) -> None:
    assert portal.platform in PLATFORMS, (
        f"{portal.key}: platform {portal.platform!r} is not registered "
        f"(known: {', '.join(sorted(PLATFORMS))})"
    )
    assert portal.status in PORTAL_STATUSES


@pytest.mark.parametrize("portal", WITH_EVIDENCE, ids=lambda p: p.key)
def test_evidence_article_urls_are_articles(portal: Portal) -> None:
    assert portal.evidence is not None
    platform = get_platform(portal.platform)
    for raw in portal.evidence.article_urls:
        url = filled(raw)
        assert portal.takes_article(url, platform.is_article_url(url)), (
            f"{portal.key}: platform {portal.platform!r} does not take {url} for an article; "
            "fix its article-URL rule or the profile's platform"
        )
        canonical = canonical_url(url)
        article_id = platform.article_id(url)
        guid = make_guid(portal.key, article_id=article_id, canonical=canonical)
        assert guid.startswith(f"tag:newsfeed,2025:{portal.key}/")
        if article_id is None:
            # no id in the URL: the canonical path is the identity
            assert guid.startswith(f"tag:newsfeed,2025:{portal.key}/u/"), guid


@pytest.mark.parametrize("portal", WITH_EVIDENCE, ids=lambda p: p.key)
def test_evidence_listing_urls_are_not_articles(portal: Portal) -> None:
    assert portal.evidence is not None
    platform = get_platform(portal.platform)
    for url in portal.evidence.listing_urls:
        url = filled(url)
        assert not portal.takes_article(url, platform.is_article_url(url)), (
            f"{portal.key}: {url} is a category page in the evidence, but {portal.platform!r} "
            "takes it for an article"
        )


@pytest.mark.parametrize("portal", WITH_EVIDENCE, ids=lambda p: p.key)
def test_evidence_is_cited_in_the_comment(portal: Portal) -> None:
    """The profile's comment says where its platform and URLs come from."""
    from newsfeed.portals import PROFILES_DIR

    assert portal.evidence is not None
    text = (PROFILES_DIR / f"{portal.key}.toml").read_text(encoding="utf-8")
    comment = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for source in portal.evidence.sources:
        cited = source if source.startswith("#") else re.split(r"[/:@ ]", source)[-1]
        cited = cited.split(" ")[0]
        assert cited in comment, f"{portal.key}: the comment does not cite {source}"
    if "(was " in comment:
        # a corrected row: the audit and the evidence's date are named
        assert "[audit 2026-12]" in comment, f"{portal.key}: cite the audit"
        assert portal.evidence.date[:4] in comment, f"{portal.key}: say when the evidence dates"
    if portal.platform == "generic":
        assert "unknown" in comment.lower(), f"{portal.key}: say what is known and unknown"


def test_statuses_are_honest() -> None:
    statuses = {p.key: p.status for p in PORTALS}
    # checked against saved pages of the shared corpus
    assert statuses["sotttt_hanoi"] == statuses["bao_can_tho"] == "verified"
    # platform shown by public code (a 2018 app of the vendor, a 2026 crawler)
    assert statuses["bac_lieu"] == statuses["ho_chi_minh"] == "evidence"
    # nothing beyond a guess
    assert statuses["quang_tri"] == statuses["tay_ninh"] == "unknown"
    verified = [p.key for p in PORTALS if p.verified]
    assert sorted(verified) == ["bao_can_tho", "sotttt_hanoi"], (
        "only a profile checked against saved pages of that portal gets a verified date"
    )


def test_article_url_shape_of_a_profile() -> None:
    from newsfeed.portals import ProfileError, portal_from_dict

    base = {
        "key": "x",
        "name": "X",
        "province": "Huế",
        "base_url": "https://x.gov.vn",
        "platform": "generic",
        "categories": [{"key": "a", "name": "A", "url": "https://x.gov.vn/a", "topic": "news"}],
    }
    with pytest.raises(ProfileError, match="article_url is not a regular expression"):
        portal_from_dict({**base, "article_url": "("})
    portal = portal_from_dict({**base, "article_url": r"\.html$"})
    assert portal.takes_article("https://x.gov.vn/tin-tuc/mot-bai-viet-dai.html", True)
    assert not portal.takes_article("https://x.gov.vn/tin-tuc/tin-tu-cac-so-nganh-dia-phuong", True)
    assert not portal.takes_article("https://x.gov.vn/a.html", False), "the platform's rule too"
    quang_ngai = Registry().get("quang_ngai")
    assert quang_ngai.article_url is not None and quang_ngai.platform == "generic"
