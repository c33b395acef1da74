"""Per-field fallback to the generic extractor, and the checks that watch it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsfeed.monitor.checks import check_platform_mismatch, check_selectors_drifting
from newsfeed.platforms import fallback, get_platform
from newsfeed.platforms.extract import response_for
from newsfeed.platforms.fallback import FallbackOdds, with_fallback
from newsfeed.portals import Registry
from tests.monitor.test_checks import entry, run

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_fields_the_platform_misses_come_from_the_generic_extractor() -> None:
    # a Liferay 6.2 article read with rules that do not fit it (vnPortal's)
    page = FIXTURES / "sotttt_hanoi" / "byline_and_uploader.html"
    url = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/4409341-slug.html"
    response = response_for(page.read_bytes(), url)
    portal = Registry().get("sotttt_hanoi")
    platform = get_platform("vnportal")
    article = platform.extract(response.selector, url, portal)
    assert not article.body_text, "the vnPortal body rules find nothing on a Liferay page"
    saved, filled = with_fallback(article, response.selector, url)
    assert "body_text" in filled and saved.body_text and saved.body_html
    assert saved.title and saved.published
    assert saved.guid == article.guid, "identity stays the platform's"
    right = get_platform("liferay62").extract(response.selector, url, portal)
    assert saved.body_text[:200] == right.body_text[:200]


def test_nothing_is_filled_when_the_rules_found_every_field() -> None:
    page = FIXTURES / "sotttt_hanoi" / "byline_and_uploader.html"
    url = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/4409341-slug.html"
    response = response_for(page.read_bytes(), url)
    article = get_platform("liferay62").extract(response.selector, url, None)
    complete = article.replace(
        author=article.author or "A", summary=article.summary or "S", related_links=()
    )
    _, filled = with_fallback(complete, response.selector, url)
    assert "title" not in filled and "body_text" not in filled and "published" not in filled


def test_selectors_drifting_fires_above_a_fifth_of_the_articles() -> None:
    drifting = run(
        entry(articles_new=10),
        stats={"articles_with_fallback": 3, "fields_from_fallback/published": 3},
    )
    found = check_selectors_drifting(drifting)
    assert [c.name for c in found] == ["selectors_drifting"]
    assert "3 of 10" in found[0].message and "published×3" in found[0].message
    steady = run(entry(articles_new=10), stats={"articles_with_fallback": 2})
    assert check_selectors_drifting(steady) == []


def test_platform_mismatch_says_what_the_profile_should_say() -> None:
    mismatch = run(
        platform="vnportal",
        stats={"platform_mismatch/liferay62": 2, "platform_detected/liferay62": 2},
    )
    found = check_platform_mismatch(mismatch)
    assert [(c.name, c.status) for c in found] == [("platform_mismatch", "warning")]
    assert 'profile says platform = "vnportal"' in found[0].message
    assert 'set platform = "liferay62"' in found[0].message
    assert check_platform_mismatch(run(platform="liferay62")) == []


def test_a_field_the_fallback_keeps_missing_is_asked_on_some_articles_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A portal without bylines: after 20 articles where the fallback found no author, it is
    asked on every 10th; a body it keeps finding is asked on every article; other portals and
    an author found again go back to every article."""
    page = FIXTURES / "sotttt_hanoi" / "byline_and_uploader.html"
    url = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/4409341-slug.html"
    response = response_for(page.read_bytes(), url)
    # vnPortal's rules on a Liferay page: no body; no author (the uploader is refused)
    article = get_platform("vnportal").extract(response.selector, url, None)
    article = article.replace(author=None, summary="S", related_links=())
    asked: list[tuple[str, ...]] = []
    real = fallback.extract_generic

    def recording(sel: Any, page_url: str, *, fields: Any) -> Any:
        asked.append(tuple(fields))
        found = real(sel, page_url, fields=fields)
        return found.replace(author=None)  # this portal prints no byline

    monkeypatch.setattr(fallback, "extract_generic", recording)
    odds = FallbackOdds()
    for _ in range(60):
        saved, filled = with_fallback(article, response.selector, url, odds=odds, portal="a")
        assert "body_text" in filled and saved.body_text
    assert sum("author" in fields for fields in asked) == 20 + 4
    assert all("body_text" in fields for fields in asked) and len(asked) == 60

    asked.clear()
    with_fallback(article, response.selector, url, odds=odds, portal="b")
    assert "author" in asked[-1], "another portal starts afresh"
    monkeypatch.setattr(fallback, "extract_generic", real)  # a byline found again
    for _ in range(10):
        with_fallback(article.replace(author=None), response.selector, url, odds=odds, portal="a")
    assert odds.worth_asking("a", "author") and odds.worth_asking("a", "author")
