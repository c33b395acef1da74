"""The generic platform's listing and the platform fingerprint, on pages written in the shapes
of CMSes the project has no adapter for (``tests/sites/<shape>/``: each a small site, its pages
and the links expected of them), and on the saved real pages of the shared corpus when present.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newsfeed.cli import main
from newsfeed.platforms import get_platform
from newsfeed.platforms.extract import extract_listing, response_for
from newsfeed.platforms.fingerprint import fingerprint
from newsfeed.platforms.news_lists import article_url_score, page_of

SHAPES = Path(__file__).parents[1] / "sites"
CORPUS = Path(os.environ.get("NEWSFEED_CORPUS", Path(__file__).parents[2] / "../shared/corpus"))


def _expected() -> list[Path]:
    return sorted(SHAPES.glob("*/*.expected.json"))


def _page(expected: Path) -> Path:
    return expected.with_name(expected.name.replace(".expected.json", ".html"))


@pytest.mark.parametrize("expected_path", _expected(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_listing_finds_the_news_list_and_nothing_else(expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    got = extract_listing(_page(expected_path).read_bytes(), expected["url"])
    got_urls = [i["url"] for i in got["items"]]
    want_urls = [i["url"] for i in expected["items"]]
    extra = [u for u in got_urls if u not in want_urls]
    missed = [u for u in want_urls if u not in got_urls]
    assert not extra, f"links that are not the page's news items (menu, sidebar?): {extra}"
    assert not missed, f"news items not found: {missed}"
    assert got_urls == want_urls, "items out of page order"
    dates = {i["url"]: i["published_raw"] for i in got["items"]}
    for item in expected["items"]:
        if "published_raw" in item:
            assert dates[item["url"]] == item["published_raw"], f"date of {item['url']}"
    titles = {i["url"]: i["title"] for i in got["items"]}
    for item in expected["items"]:
        if "title" in item:
            assert titles[item["url"]] == item["title"], f"title of {item['url']}"
    assert got["next_page"] == expected["next_page"]
    assert got["platform"]["detected"] == expected["family"]


@pytest.mark.parametrize("expected_path", _expected(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fingerprint_names_the_family(expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    found = fingerprint(_page(expected_path).read_text(encoding="utf-8"), expected["url"])
    assert found.family == expected["family"], found.scores
    assert bool(found.evidence) is (found.family != "unknown")


@pytest.mark.parametrize(
    ("fixture", "family"),
    [
        ("sotttt_hanoi/byline_and_uploader.html", "liferay62"),
        ("da_nang/asset_publisher_full_content.html", "liferay7"),
        ("dien_bien/tandan_article_byline_caption.html", "sharepoint"),
        ("son_la/listings/tin_chinh_tri_p2.html", "vnportal"),
        ("hanoi/vnportal2_article_figure_caption.html", "vnportal2"),
        ("hue/listings/tin_tuc_su_kien.html", "dotnetnuke"),
        ("phu_tho/listings/cac_le_hoi_p2.html", "drupal"),
        ("bao_gia_lai/listings/chinh_tri_p1.html", "newspaper_cms"),
        ("generic/provincial_wordpress_graph.html", "wordpress"),
        ("generic/national_vnexpress_style.html", "unknown"),
    ],
)
def test_fingerprint_of_the_adapters_fixtures(fixture: str, family: str) -> None:
    page = Path(__file__).parents[1] / "fixtures" / fixture
    found = fingerprint(page.read_text(encoding="utf-8"))
    assert found.family == family, found.scores


def test_unknown_names_no_family_and_no_evidence() -> None:
    found = fingerprint("<html><body><p>Xin chào</p></body></html>", "https://x.example.vn/")
    assert (found.family, found.evidence) == ("unknown", ())


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("https://angiang.gov.vn/vi/nu-nong-dan-xuat-sac-vung-bay-nui-an-giang", True),
        ("https://langson.gov.vn/tin-moi/khai-truong-benh-vien-tnh-lang-son.html", True),
        ("https://dongnai.gov.vn/vi/news/tin-hoat-dong/hoi-nghi-tong-ket-48904.html", True),
        ("https://baclieu.gov.vn/tintuc/lists/posts/post.aspx?ItemID=8861&Mode=1", True),
        ("https://angiang.gov.vn/vi/dau-tu-cong", False),
        ("https://x.example.vn/chuyen-muc/tin-tuc-su-kien/", False),
        ("https://x.example.vn/tag/chuyen-doi-so/", False),
        ("https://x.example.vn/tin-tuc?page=2", False),
        ("https://x.example.vn/uploads/2026/quyet-dinh-so-12-ve-viec-ban-hanh.pdf", False),
        ("https://x.example.vn/", False),
    ],
)
def test_article_urls_with_and_without_an_id(url: str, article: bool) -> None:
    assert (article_url_score(url) >= 2) is article
    assert get_platform("generic").is_article_url(url) is article


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://x.vn/tin-tuc/page/3/", 3),
        ("https://x.vn/tin-tuc/trang2.html", 2),
        ("https://x.vn/tin-tuc?page=4", 4),
        ("https://x.vn/tin-tuc-p5.html", 5),
        ("https://x.vn/tin-tuc", 1),
    ],
)
def test_page_numbers_in_every_url_scheme(url: str, page: int) -> None:
    assert page_of(url)[0] == page


def test_extract_listing_command_prints_platform_items_and_next_page(
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = SHAPES / "wordpress" / "listing.html"
    url = "https://tanphu.example.vn/chuyen-muc/tin-tuc-su-kien/"
    assert main(["extract", "--listing", str(page), "--url", url]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["platform"]["used"] == "generic"
    assert printed["platform"]["detected"] == "wordpress"
    assert printed["items"][0] == {
        "url": "https://tanphu.example.vn/xa-tan-phu-ra-quan-ve-sinh-moi-truong-huong-ung-ngay-chu-nhat-xanh/",
        "title": "Xã Tân Phú ra quân vệ sinh môi trường hưởng ứng Ngày Chủ nhật xanh",
        "published_raw": "11/01/2026",
    }
    assert printed["next_page"].endswith("/page/2/")


def test_extract_needs_a_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract"]) == 2
    assert "needs one FILE_OR_URL" in capsys.readouterr().err


def _corpus_listing(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"shared corpus page {name} absent (set NEWSFEED_CORPUS)")
    return path


@pytest.mark.parametrize(
    ("name", "url", "platform"),
    [
        ("baocantho/category.html", "https://baocantho.com.vn/thoi-su/", "baocantho"),
        (
            "liferay-sotttt-hanoi/source/vi/tin-tuc-su-kien.html",
            "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien",
            "liferay62",
        ),
        (
            "liferay-sotttt-hanoi/source/vi/cong-nghe-thong-tin.html",
            "https://sotttt.hanoi.gov.vn/vi/cong-nghe-thong-tin",
            "liferay62",
        ),
    ],
)
def test_generic_listing_on_real_pages_finds_what_the_adapter_finds(
    name: str, url: str, platform: str
) -> None:
    response = response_for(_corpus_listing(name).read_bytes(), url)
    adapter = {i.url for i in get_platform(platform).parse_listing(response.selector, url).items}
    generic = {i.url for i in get_platform("generic").parse_listing(response.selector, url).items}
    recall = len(adapter & generic) / len(adapter)
    precision = len(adapter & generic) / max(1, len(generic))
    assert recall >= 0.9, sorted(adapter - generic)
    assert precision >= 0.8, sorted(generic - adapter)
