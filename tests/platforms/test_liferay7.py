"""Liferay 7.x / DXP listings: asset publisher abstracts, instance-scoped pagination, and the
JSON listing resource of Bắc Ninh's own portlet. Pages written for the tests."""

from __future__ import annotations

import json

from scrapy.http import HtmlResponse, Request, TextResponse

from newsfeed.platforms import get_platform
from newsfeed.platforms.liferay import Liferay7Platform

_AP = "_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_Ab3kQ9zXyT1m_"

LISTING = f"""<html><body><nav id="navigation"><a href="/web/dng/-/menu-item">Menu</a></nav>
<div class="portlet-asset-publisher" id="p_p_id{_AP}"><div class="asset-abstract">
 <h4 class="asset-title"><a href="/web/dng/-/khanh-thanh-cau-moi">Khánh thành cầu mới</a></h4>
 <div class="asset-summary">Sáng 12-1 ...</div>
 <div class="asset-metadata"><span class="metadata-publish-date">12/01/2026 10:05</span></div>
</div><div class="asset-abstract">
 <h4 class="asset-title"><a href="/web/dng/-/hop-bao-quy-iv">Họp báo quý IV</a></h4>
 <div class="asset-metadata"><span class="metadata-publish-date">11/01/2026 15:00</span></div>
</div>
<ul class="pagination"><li><a href="/tin-tuc-su-kien?p_p_id=x&{_AP}cur=1">1</a></li>
<li><a href="/tin-tuc-su-kien?p_p_id=x&{_AP}cur=2">2</a></li></ul>
</div></body></html>"""


def _html(url: str, body: str, request: Request | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)


def test_registered() -> None:
    assert isinstance(get_platform("liferay7"), Liferay7Platform)


def test_asset_publisher_listing_and_instance_scoped_next_page() -> None:
    platform = Liferay7Platform()
    url = "https://danang.gov.vn/tin-tuc-su-kien"
    listing = platform.parse_listing(_html(url, LISTING).selector, url)
    assert [(i.url, i.title, i.published_raw) for i in listing.items] == [
        ("https://danang.gov.vn/web/dng/-/khanh-thanh-cau-moi", "Khánh thành cầu mới",
         "12/01/2026 10:05"),
        ("https://danang.gov.vn/web/dng/-/hop-bao-quy-iv", "Họp báo quý IV", "11/01/2026 15:00"),
    ]  # fmt: skip
    assert listing.next_page == f"https://danang.gov.vn/tin-tuc-su-kien?p_p_id=x&{_AP}cur=2"
    page2 = listing.next_page
    assert platform.next_page(_html(page2, LISTING).selector, page2) is None


def test_article_ids() -> None:
    platform = Liferay7Platform()
    assert platform.article_id("https://danang.gov.vn/web/dng/-/Hop-Bao?x=1") == "hop-bao"
    assert platform.article_id("https://example.gov.vn/-/tin-moi") == "tin-moi"
    assert platform.article_id("https://example.gov.vn/w/tin-moi") == "tin-moi"
    assert platform.article_id("https://example.gov.vn/tin/-/view_content/123-abc") == "123"
    url = "https://bacninh.gov.vn/chinh-tri?p_p_id=newsbycategory_WAR_bacninhportlet"
    assert platform.article_id(url + "&_newsbycategory_WAR_bacninhportlet_articleId=42") == "42"
    assert platform.article_id("https://bacninh.gov.vn/chinh-tri") is None


def test_bac_ninh_json_listing_pages() -> None:
    platform = Liferay7Platform()
    resource = (
        "https://bacninh.gov.vn/chinh-tri?p_p_id=newsbycategory_WAR_bacninhportlet"
        "&p_p_lifecycle=2&p_p_resource_id=loadPage"
    )
    category = _html(
        "https://bacninh.gov.vn/chinh-tri",
        f'<html><body><div id="list"></div><script>var loadPageURL = "{resource}";</script>'
        "</body></html>",
    )
    empty = platform.parse_listing(category.selector, category.url)
    assert empty.items == ()
    first = platform.next_request(category, empty)
    assert first is not None and "pageNum=1" in first.url and "recordPerPage=20" in first.url
    assert first.url.startswith(resource + "&")

    answer = {
        "totalPageNum": 2,
        "items": [
            {
                "id": 7,
                "title": " Khởi công  tuyến đường ",
                "urlDetail": "/chinh-tri?p_p_id=newsbycategory_WAR_bacninhportlet"
                "&_newsbycategory_WAR_bacninhportlet_articleId=7",
                "createdDate": "14/01/2026 09:30",
            },
            {"id": 8, "title": "Không có đường dẫn", "urlDetail": ""},
        ],
    }
    response = TextResponse(
        first.url,
        body=json.dumps(answer).encode(),
        encoding="utf-8",
        headers={"Content-Type": "application/json"},
        request=first,
    )
    listing = platform.parse_listing(response.selector, response.url)
    assert [(i.url, i.title, i.published_raw) for i in listing.items] == [
        (
            "https://bacninh.gov.vn/chinh-tri?p_p_id=newsbycategory_WAR_bacninhportlet"
            "&_newsbycategory_WAR_bacninhportlet_articleId=7",
            "Khởi công tuyến đường",
            "14/01/2026 09:30",
        )
    ]
    second = platform.next_request(response, listing)
    assert second is not None and "pageNum=2" in second.url and "pageNum=1" not in second.url
    last = TextResponse(
        second.url, body=json.dumps(answer).encode(), encoding="utf-8", request=second
    )
    assert platform.next_request(last, platform.parse_listing(last.selector, last.url)) is None
