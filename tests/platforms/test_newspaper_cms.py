"""The ``cms-*`` / ``zce-content-body`` newspaper CMS (key ``newspaper_cms``): listing pages,
pagination and article ids, over the pages the project wrote in the family's markup
(``tests/fixtures/bao_gia_lai/``). Article fields are checked by ``test_fixtures.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from newsfeed.items import Listing
from newsfeed.platforms import get_platform
from newsfeed.platforms.newspaper import NewspaperCmsPlatform
from newsfeed.portals import Registry

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bao_gia_lai"
LISTINGS = sorted((FIXTURES / "listings").glob("*.html"))


def load(path: Path, url: str | None = None) -> HtmlResponse:
    meta = json.loads(path.with_suffix(".meta.json").read_text(encoding="utf-8"))
    return HtmlResponse(
        url=url or meta["url"],
        body=path.read_bytes(),
        headers={"Content-Type": meta["content_type"]},
    )


def parse(response: HtmlResponse) -> Listing:
    return NewspaperCmsPlatform().parse_listing(response.selector, response.url)


def test_registered_and_named_by_the_profiles() -> None:
    assert isinstance(get_platform("newspaper_cms"), NewspaperCmsPlatform)
    registry = Registry()
    for key in ("bao_gia_lai", "bao_ha_tinh"):
        assert registry.get(key).platform == "newspaper_cms", key


def test_listing_pages_exist() -> None:
    assert LISTINGS, f"no listing fixtures under {FIXTURES / 'listings'}"


@pytest.mark.parametrize("path", LISTINGS, ids=lambda p: p.stem)
def test_listing_matches_reviewed_json(path: Path) -> None:
    listing = parse(load(path))
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    got = [
        {"url": i.url, "title": i.title, "published_raw": i.published_raw} for i in listing.items
    ]
    assert [i["url"] for i in got] == [i["url"] for i in expected["items"]], "listing urls"
    assert got == expected["items"], "listing titles / printed dates"
    assert listing.next_page == expected["next_page"], "next page link"


def test_listing_keeps_to_the_main_column() -> None:
    listing = parse(load(FIXTURES / "listings" / "chinh_tri_p1.html"))
    urls = " ".join(item.url for item in listing.items)
    # header hot news, the ad slot and the "Đọc nhiều" side box list other things
    assert "deo-an-khe-post356001" not in urls
    assert "quangcao.example.vn" not in urls
    assert "gia-vang-hom-nay" not in urls
    # the image link comes first, the headline gives the title
    assert all(item.title for item in listing.items)


def test_next_page_steps_from_the_current_page() -> None:
    path = FIXTURES / "listings" / "chinh_tri_p1.html"
    on_page_2 = parse(load(path, "https://baogialai.com.vn/chinh-tri/?page=2"))
    assert on_page_2.next_page == "https://baogialai.com.vn/chinh-tri/?page=3"
    on_page_3 = parse(load(path, "https://baogialai.com.vn/chinh-tri/?page=3"))
    assert on_page_3.next_page is None


def test_next_page_falls_back_to_rel_next() -> None:
    body = (
        '<html><head><link rel="next" href="/kinh-te/?page=2"></head><body><div class="main-col">'
        '<h3 class="story__heading"><a href="/a-post1.html">A</a></h3></div></body></html>'
    )
    response = HtmlResponse(
        url="https://baogialai.com.vn/kinh-te/", body=body.encode(), encoding="utf-8"
    )
    listing = parse(response)
    assert [item.url for item in listing.items] == ["https://baogialai.com.vn/a-post1.html"]
    assert listing.next_page == "https://baogialai.com.vn/kinh-te/?page=2"
    request = NewspaperCmsPlatform().next_request(response, listing)
    assert isinstance(request, Request)
    assert request.url == "https://baogialai.com.vn/kinh-te/?page=2"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://baogialai.com.vn/tinh-uy-gia-lai-post356120.html", "356120"),
        ("https://baogialai.com.vn/tinh-uy-gia-lai-post356120.html?utm_source=zalo", "356120"),
        ("https://baohatinh.vn/nguoi-di-kham-benh-post317598.html#comments", "317598"),
        ("https://baogialai.com.vn/chinh-tri/", None),
        ("https://baogialai.com.vn/chinh-tri/?page=2", None),
        ("https://baogialai.com.vn/tu-khoa/ho-tieu-tag88.html", None),
        ("https://baogialai.com.vn/search?q=x-post12.html", None),
    ],
)
def test_article_id_is_the_trailing_post_id(url: str, expected: str | None) -> None:
    assert NewspaperCmsPlatform().article_id(url) == expected


def test_listing_ids_match_article_guids() -> None:
    """The id the listing's URL carries is the id the article page's guid is made from."""
    listing = parse(load(FIXTURES / "listings" / "chinh_tri_p1.html"))
    expected = json.loads(
        (FIXTURES / "hoi_nghi_figure_table_related.json").read_text(encoding="utf-8")
    )
    ids = [NewspaperCmsPlatform().article_id(item.url) for item in listing.items]
    assert ids == ["356120", "356098", "356040", "355987", "355930"]
    assert expected["guid"].endswith("/" + ids[0])
