"""Platform rules beyond the article fields: listing parsing, pagination (GET links, ASP.NET
postbacks, the vnPortal POST APIs) and article ids (the seed article: tests/crawl/test_seed.py).

Pure functions over the fixture pages the project wrote (tests/fixtures/<portal>/, listings in
``listings/`` with their reviewed ``<name>.json``); no network.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from scrapy.http import FormRequest, Request, TextResponse
from scrapy.responsetypes import responsetypes

from newsfeed.items import Listing
from newsfeed.platforms import get_platform
from newsfeed.platforms.sharepoint import SharePointPlatform
from newsfeed.platforms.vnportal import VnPortal2Platform, VnPortalPlatform
from newsfeed.portals import Registry

FIXTURES = Path(__file__).parents[1] / "fixtures"
PORTALS = ("bac_lieu", "dien_bien", "quang_ninh", "son_la", "hanoi")
PLATFORM_OF = {"bac_lieu": "sharepoint", "dien_bien": "sharepoint", "quang_ninh": "sharepoint"}
PLATFORM_OF |= {"son_la": "vnportal", "hanoi": "vnportal2"}


def load(path: Path, request: Request | None = None) -> TextResponse:
    """A response as Scrapy builds it (class from the Content-Type: JSON answers are not
    HTML), optionally answering ``request`` so the request's meta travels."""
    meta = json.loads(path.with_suffix(".meta.json").read_text(encoding="utf-8"))
    headers = {"Content-Type": meta["content_type"]} if meta["content_type"] else {}
    body = path.read_bytes()
    cls = responsetypes.from_args(headers=headers, url=meta["url"], body=body)
    response = cls(url=meta["url"], body=body, headers=headers, request=request)
    assert isinstance(response, TextResponse)
    return response


def form_fields(request: Request) -> list[tuple[str, str]]:
    return parse_qsl(request.body.decode("ascii"), keep_blank_values=True)


LISTINGS = sorted(FIXTURES.glob("*/listings/*.html"))


@pytest.mark.parametrize("path", LISTINGS, ids=lambda p: f"{p.parents[1].name}/{p.stem}")
def test_listing_matches_reviewed_json(path: Path) -> None:
    """Every listing fixture through the platform its portal's profile names."""
    portal = Registry().get(path.parents[1].name)
    response = load(path)
    platform = get_platform(portal.platform)
    listing = platform.parse_listing(response.selector, response.url)
    # as the spider reads it: a profile's article_url shape (id-less URLs) filters the items
    listing = Listing(
        items=tuple(
            i for i in listing.items if portal.takes_article(i.url, platform.is_article_url(i.url))
        ),
        next_page=listing.next_page,
    )
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    got = [
        {"url": i.url, "title": i.title, "published_raw": i.published_raw} for i in listing.items
    ]
    assert [i["url"] for i in got] == [i["url"] for i in expected["items"]], "listing urls"
    assert got == expected["items"], "listing titles / printed dates"
    assert listing.next_page == expected["next_page"], "next page link"
    assert listing.items, "a listing fixture lists articles"
    assert Registry().for_url(response.url) == portal, "the page is on the portal's host"


def test_listing_fixtures_agree_with_profiles() -> None:
    """The fixtures are filed under real portal keys whose profiles name these platforms (the
    seed page is of the old Bạc Liêu portal, merged into Cà Mau but still its own CMS)."""
    registry = Registry()
    for key in ("bac_lieu", "dien_bien", "quang_ninh", "son_la", "hanoi"):
        assert registry.get(key).platform == PLATFORM_OF.get(key, registry.get(key).platform)
    assert registry.get("bac_lieu").province == "Cà Mau"


# --- SharePoint ------------------------------------------------------------------------------


def test_tandan_listing_pages_by_get_link() -> None:
    response = load(FIXTURES / "dien_bien" / "listings" / "hoat_dong_lanh_dao_p2.html")
    platform = SharePointPlatform()
    listing = platform.parse_listing(response.selector, response.url)
    request = platform.next_request(response, listing)
    assert request is not None and request.method == "GET"
    assert request.url.endswith("/portal/Pages/Hoat-dong-lanh-dao-UBND-tinh.aspx?PageIndex=3")
    # the sidebar's document link is not an article
    assert not any(item.url.endswith(".pdf") for item in listing.items)


def test_trang_listing_pages_by_aspnet_postback() -> None:
    response = load(FIXTURES / "quang_ninh" / "listings" / "tin_tuc_su_kien_p1.html")
    platform = SharePointPlatform()
    listing = platform.parse_listing(response.selector, response.url)
    assert listing.next_page is None, "the pager has no GET link"
    # menu and sidebar link to ChiTietTinTuc pages too; only div.noi-dung-trang lists
    assert [platform.article_id(i.url) for i in listing.items] == ["168533", "168521", "168512"]

    request = platform.next_request(response, listing)
    assert request is not None
    assert request.method == "POST"
    assert request.url == "https://www.quangninh.gov.vn/Trang/tin-tuc-su-kien.aspx"
    assert request.headers[b"Content-Type"] == b"application/x-www-form-urlencoded"
    fields = dict(form_fields(request))
    assert fields["__EVENTTARGET"] == (
        "ctl00$ctl42$g_3f1c8a54_0b6e_4a3d_9c7b_2e5d1f0a9b11$ctl00$rptPaging$ctl01$lbPage"
    ), "the link numbered 2"
    assert fields["__EVENTARGUMENT"] == ""
    served = response.xpath("//input[@name='__VIEWSTATE']/@value").get()
    assert fields["__VIEWSTATE"] == served
    assert fields["__VIEWSTATEGENERATOR"] == "BAB98CB3"
    assert fields["__EVENTVALIDATION"].startswith("/wEdAA")
    assert "ctl00$ctl30$btnSearch" not in fields, "a script postback clicks no button"
    assert request.meta["newsfeed_page"] == 2

    # the answer (same page) asked for page 3 next: the link numbered 3
    page2 = load(FIXTURES / "quang_ninh" / "listings" / "tin_tuc_su_kien_p1.html", request)
    following = platform.next_request(page2, listing)
    assert following is not None
    assert dict(form_fields(following))["__EVENTTARGET"].endswith("$rptPaging$ctl02$lbPage")
    assert following.meta["newsfeed_page"] == 3


def test_postback_stops_without_articles() -> None:
    response = load(FIXTURES / "quang_ninh" / "listings" / "tin_tuc_su_kien_p1.html")
    assert SharePointPlatform().next_request(response, Listing()) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=168512&title=x.html", "168512"),
        ("https://quangninh.gov.vn/trang/chitiettintuc.aspx?title=x.html&NID=168512", "168512"),
        (
            "https://www.quangninh.gov.vn/So/soxaydung/Trang/ChiTietTinTuc.aspx?nid=5479",
            "so/soxaydung/5479",  # a sub-site numbers its news apart
        ),
        ("https://web01.haiduong.gov.vn/Trang/ChiTietTinTuc.aspx?nid=13066&title=a.html", "13066"),
        (
            "https://www.baclieu.gov.vn/gioithieu/lists/posts/post.aspx?Source=%2fgioithieu"
            "&Category=3&ID=8461&Mode=2",
            "gioithieu/lists/posts/8461",
        ),
        (
            "http://baclieu.gov.vn/gioithieu/Lists/Posts/Post.aspx?ID=8461&Mode=2",
            "gioithieu/lists/posts/8461",
        ),
        (
            # the 2018 item link (nguyenhoangphuc96/SureNews DetailActivity.java)
            "http://baclieu.gov.vn/tintuc/lists/posts/post.aspx?Source=%2ftintuc"
            "&Category=Tin+t%E1%BB%A9c+%E2%80%93+S%E1%BB%B1+ki%E1%BB%87n&ItemID=8861&Mode=1",
            "tintuc/lists/posts/8861",
        ),
        (
            # Mode=2 without an id: the category's listing
            "http://baclieu.gov.vn/tintuc/lists/posts/post.aspx?Source=%2ftintuc"
            "&Category=Tin+t%E1%BB%A9c+%E2%80%93+S%E1%BB%B1+ki%E1%BB%87n&Mode=2",
            None,
        ),
        (
            "https://vinhphuc.gov.vn/ct/cms/tintuc/Lists/KinhTe/View_Detail.aspx?ItemID=1234",
            "ct/cms/tintuc/lists/kinhte/1234",
        ),
        ("https://www.dienbien.gov.vn/portal/Pages/Tin-tuc-su-kien.aspx", None),
        ("https://www.dienbien.gov.vn/portal/Pages/Tin-tuc-su-kien.aspx?PageIndex=2", None),
    ],
)
def test_sharepoint_article_id(url: str, expected: str | None) -> None:
    assert SharePointPlatform().article_id(url) == expected


# --- vnPortal classic ------------------------------------------------------------------------


def test_vnportal_classic_get_pager() -> None:
    response = load(FIXTURES / "son_la" / "listings" / "tin_chinh_tri_p2.html")
    platform = VnPortalPlatform()
    listing = platform.parse_listing(response.selector, response.url)
    request = platform.next_request(response, listing)
    assert request is not None and request.method == "GET"
    assert request.url == "https://sonla.gov.vn/tin-chinh-tri?page=3"
    # the 'Tin mới' sidebar is another module
    assert all("/tin-chinh-tri/" in item.url for item in listing.items)


def test_vnportal_classic_path_pager() -> None:
    html = b"""<html><body><div class="ArticleInMenu">
      <a href="/chinh-tri/tin-a-123456">A</a></div>
      <div class="pager"><a href="/chinh-tri/page/2">2</a><a href="/chinh-tri/page/3">3</a></div>
      </body></html>"""
    response = TextResponse("https://caobang.gov.vn/chinh-tri", body=html, encoding="utf-8")
    listing = VnPortalPlatform().parse_listing(response.selector, response.url)
    assert listing.next_page == "https://caobang.gov.vn/chinh-tri/page/2"


def test_vnportal_classic_module_post_and_fragment_answer() -> None:
    response = load(FIXTURES / "son_la" / "listings" / "tin_chinh_tri_p1_ajax_pager.html")
    platform = VnPortalPlatform()
    listing = platform.parse_listing(response.selector, response.url)
    assert listing.next_page is None
    request = platform.next_request(response, listing)
    assert isinstance(request, FormRequest) and request.method == "POST"
    assert request.url == (
        "https://sonla.gov.vn/DesktopModule/UIArticleInMenu/ArticleInMenuPagination.aspx/LoadArticle"
    )
    fields = dict(form_fields(request))
    assert fields["article_category_id"] == "1027"
    assert fields["site_id"] == "2"
    assert fields["page"] == "2"
    assert fields["page_size"] == "15"

    # the answer is JSON {"d": "<fragment>"}: a TextResponse, not HTML; page 3 comes next
    answer = load(FIXTURES / "son_la" / "listings" / "load_article_p2_answer.html", request)
    assert answer.selector.type == "json"
    page2 = platform.parse_listing(answer.selector, answer.url)
    assert [platform.article_id(i.url) for i in page2.items] == ["639201", "640115"]
    following = platform.next_request(answer, page2)
    assert following is not None
    assert dict(form_fields(following))["page"] == "3"
    assert dict(form_fields(following))["article_category_id"] == "1027"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://sonla.gov.vn/tin-chinh-tri/hoi-nghi-lan-thu-22-641852", "641852"),
        ("https://sonla.gov.vn/doanh-nghiep/huong-dan-642310.html", "642310"),
        ("https://caobang.gov.vn/kinh-te/tin-a-98765?utm_source=x", "98765"),
        ("https://sonla.gov.vn/tin-chinh-tri", None),
        ("https://sonla.gov.vn/tin-chinh-tri?page=2", None),
        ("https://hanoi.gov.vn/a/b-4241024173012345.htm", None),
    ],
)
def test_vnportal_classic_article_id(url: str, expected: str | None) -> None:
    assert VnPortalPlatform().article_id(url) == expected


# --- vnPortal 2023 template ------------------------------------------------------------------


def test_vnportal2_category_page_then_newszone_posts() -> None:
    response = load(FIXTURES / "hanoi" / "listings" / "tin_tuc_su_kien_noi_bat.html")
    platform = VnPortal2Platform()
    listing = platform.parse_listing(response.selector, response.url)
    assert listing.next_page is None
    request = platform.next_request(response, listing)
    assert isinstance(request, FormRequest) and request.method == "POST"
    assert request.url == "https://hanoi.gov.vn/api/NewsZone/NewsZone"
    assert request.headers[b"X-Requested-With"] == b"XMLHttpRequest"
    fields = form_fields(request)
    assert dict(fields) | {"DataIds[]": ""} == {
        "PageIndex": "1",
        "PageSize": "Qm9wZ3hSZXM=",
        "Catname": "k2Hc9Zp1v0R+aTq8LwXy4eNmBdS7uF3o",
        "LanguageId": "a1FvX2pLq3c=",
        "Site": "Zt8yW0rPq1s=",
        "DataIds[]": "",
    }
    assert [v for k, v in fields if k == "DataIds[]"] == ["4241024173012345"], "featured ids"

    answer = load(FIXTURES / "hanoi" / "listings" / "newszone_p1_answer.html", request)
    page1 = platform.parse_listing(answer.selector, answer.url)
    assert [platform.article_id(i.url) for i in page1.items] == [
        "4241018141527203",
        "4241017090044318",
    ]
    following = platform.next_request(answer, page1)
    assert following is not None
    again = form_fields(following)
    assert dict(again)["PageIndex"] == "2"
    assert dict(again)["Catname"] == "k2Hc9Zp1v0R+aTq8LwXy4eNmBdS7uF3o", "tokens kept in meta"
    assert [v for k, v in again if k == "DataIds[]"] == ["4241024173012345"]
    assert platform.next_request(answer, Listing()) is None, "an empty page ends the category"


def test_vnportal2_start_request() -> None:
    platform = VnPortal2Platform()
    plain = platform.start_request("https://hanoi.gov.vn/tin-tuc-su-kien-noi-bat")
    assert plain.method == "GET" and plain.url == "https://hanoi.gov.vn/tin-tuc-su-kien-noi-bat"
    zone = {"PageSize": "p", "Catname": "c", "LanguageId": "l", "Site": "s"}
    direct = platform.start_request(
        "https://hanoi.gov.vn/tin-tuc-su-kien-noi-bat", overrides={"newszone": zone}
    )
    assert direct.method == "POST" and direct.url == "https://hanoi.gov.vn/api/NewsZone/NewsZone"
    assert dict(form_fields(direct)) == {"PageIndex": "0", **zone}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hanoi.gov.vn/tin-tuc/ha-noi-khoi-cong-4241024173012345.htm", "4241024173012345"),
        ("https://hanoi.gov.vn/chi-dao/ke-hoach-424100109001517.htm", "424100109001517"),
        ("https://hanoi.gov.vn/tin-tuc-su-kien-noi-bat", None),
        ("https://sonla.gov.vn/tin-chinh-tri/hoi-nghi-641852", None),
    ],
)
def test_vnportal2_article_id(url: str, expected: str | None) -> None:
    assert VnPortal2Platform().article_id(url) == expected
