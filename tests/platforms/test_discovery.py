"""Finding a category's listing URL by its label in the navigation of each portal family.

The menus below are written for these tests in the markup of each family (Liferay 6.2 theme
navigation, SharePoint 2013 list menus with a vendor mega menu, VNPT vnPortal menu trees); the
last test runs on the real Liferay home page of the shared corpus when it is present.
"""

from __future__ import annotations

import unicodedata

import pytest
from parsel import Selector

from newsfeed.portals.discovery import find_category_url, normalize_label
from tests.conftest import corpus_path

LIFERAY_HOME = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head><body>
<header id="banner"><a href="/vi/trang-chu" class="logo">Cổng thông tin điện tử</a></header>
<nav id="navigation" role="navigation"><div id="menu"><ul class="navi">
 <li class="active"><a href="/vi/trang-chu">Trang chủ</a></li>
 <li><a href="/vi/gioi-thieu">Giới thiệu</a>
  <ul class="child-menu"><li><a href="/vi/lanh-dao-tinh">Lãnh đạo tỉnh</a></li></ul></li>
 <li><a href="/vi/tin-tuc-su-kien"><span>Tin tức sự kiện</span></a>
  <ul class="child-menu">
   <li><a href="/vi/hoat-dong-lanh-dao?p_p_id=101&amp;_101_cur=1">Hoạt động lãnh đạo tỉnh</a></li>
   <li><a href="/vi/chi-dao-dieu-hanh">Chỉ đạo - Điều hành</a></li>
   <li><a href="javascript:void(0);">Văn bản</a></li>
  </ul></li>
</ul></div></nav>
<div id="main-content" role="main"><div class="portlet-asset-publisher">
 <h3 class="asset-title"><a href="/vi/tin-tuc-su-kien/-/view_content/4433517-hoat-dong-lanh-dao">
  Hoạt động lãnh đạo tỉnh tuần qua: kiểm tra tiến độ các công trình trọng điểm</a></h3>
</div></div>
<footer><a href="https://chinhphu.vn/chi-dao-dieu-hanh">Chỉ đạo điều hành</a></footer>
</body></html>"""

SHAREPOINT_HOME = """<html dir="ltr" lang="vi-VN"><head><meta charset="utf-8"></head><body>
<form method="post" action="./Default.aspx" id="aspnetForm">
<div class="tandan-megamenu"><ul class="tandan-megamenu-root">
 <li><a href="/portal/Pages/Default.aspx" title="Trang chủ">TRANG CHỦ</a></li>
 <li><a href="#">TIN TỨC - SỰ KIỆN</a>
  <ul><li><a href="/portal/Pages/Hoat-dong-lanh-dao-UBND-tinh.aspx"
       title="Hoạt động lãnh đạo UBND tỉnh"><span>Hoạt động lãnh đạo UBND tỉnh</span></a></li>
   <li><a href="/portal/Pages/Tin-tuc-su-kien.aspx">Tin tức sự kiện</a></li></ul></li>
</ul></div>
<div class="ms-core-listMenu-horizontalBox"><ul class="root ms-core-listMenu-root static">
 <li class="static"><a class="static menu-item ms-core-listMenu-item"
    href="/portal/Pages/Chi-dao-dieu-hanh.aspx"><span class="additional-background">
    <span class="menu-item-text">Chỉ đạo, điều hành</span></span></a></li>
</ul></div>
<div class="ms-webpart-zone"><a href="/portal/Pages/Thong-tin-chi-dao-dieu-hanh.aspx">Thông tin
 chỉ đạo điều hành</a></div>
</form></body></html>"""

VNPORTAL_HOME = """<html><head><meta charset="utf-8"><base href="https://www.cantho.gov.vn/">
</head><body><div class="UIMenu"><ul class="menu">
 <li class="item"><a href="/" title="Trang chủ"><img src="/Images/home.png" alt=""></a></li>
 <li class="item"><a href="tin-tuc-va-su-kien" title="Tin tức - Sự kiện">TIN TỨC - SỰ KIỆN</a>
  <ul class="sub-menu">
   <li><a href="hoat-dong-lanh-dao-thanh-pho" title="Hoạt động Lãnh đạo thành phố">
     HOẠT ĐỘNG LÃNH ĐẠO THÀNH PHỐ</a></li>
   <li><a href="chi-dao-dieu-hanh-trung-uong-dia-phuong">
     Chỉ đạo điều hành Trung ương - Địa phương</a></li>
  </ul></li>
 <li class="item"><a href="mailto:banbientap@cantho.gov.vn">Liên hệ</a></li>
</ul></div>
<div class="UIListNews_Default"><div class="item">
 <a href="/hoi-nghi-tong-ket-hoat-dong-lanh-dao-thanh-pho-nam-2025-12345">Tổng kết hoạt động lãnh
 đạo thành phố năm 2025 và triển khai nhiệm vụ năm 2026</a></div></div>
</body></html>"""


def _find(html: str, page_url: str, *labels: str) -> str | None:
    return find_category_url(Selector(text=html), page_url, labels)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chỉ đạo - Điều hành", "chi dao dieu hanh"),
        ("CHỈ ĐẠO, ĐIỀU HÀNH", "chi dao dieu hanh"),
        ("  Hoạt động\n lãnh đạo  ", "hoat dong lanh dao"),
        # Đ, which NFD does not decompose, and its look-alike Ð (U+00D0, eth)
        ("\u00d0à Nẵng", "da nang"),
        ("Đà Nẵng", "da nang"),
        ("", ""),
    ],
)
def test_normalize_label(text: str, expected: str) -> None:
    assert normalize_label(unicodedata.normalize("NFD", text)) == expected
    assert normalize_label(text) == expected


def test_liferay_menu_exact_label() -> None:
    url = _find(LIFERAY_HOME, "https://www.example.gov.vn/", "Tin tức - sự kiện")
    assert url == "https://www.example.gov.vn/vi/tin-tuc-su-kien"


def test_liferay_menu_entry_longer_than_label_not_the_headline() -> None:
    # "Hoạt động lãnh đạo tỉnh" (menu) contains the label; the headline saying the same words
    # is too long to be a category, and comes later anyway
    url = _find(LIFERAY_HOME, "https://example.gov.vn/", "Hoạt động lãnh đạo")
    assert url == "https://example.gov.vn/vi/hoat-dong-lanh-dao?p_p_id=101&_101_cur=1"


def test_punctuation_does_not_matter_and_the_footer_link_elsewhere_loses() -> None:
    # the footer's national portal link is an exact "Chỉ đạo điều hành"; the province's own
    # "Chỉ đạo - Điều hành" is exact too once punctuation is ignored, and stays on the host
    url = _find(LIFERAY_HOME, "https://example.gov.vn/", "Chỉ đạo điều hành")
    assert url == "https://example.gov.vn/vi/chi-dao-dieu-hanh"


def test_same_host_beats_an_earlier_exact_label_on_another_host() -> None:
    html = """<nav class="top-links"><a href="https://chinhphu.vn/chi-dao-dieu-hanh">Chỉ đạo
    điều hành</a></nav><ul class="menu"><li><a href="https://www.example.gov.vn/ttcd">Thông tin
    chỉ đạo điều hành</a></li></ul>"""
    url = _find(html, "https://example.gov.vn/", "Chỉ đạo điều hành")
    assert url == "https://www.example.gov.vn/ttcd"


def test_other_host_when_nothing_on_the_portal_matches() -> None:
    html = '<nav><a href="https://chinhphu.vn/chi-dao-dieu-hanh">Chỉ đạo điều hành</a></nav>'
    assert _find(html, "https://example.gov.vn/", "Chỉ đạo điều hành") == (
        "https://chinhphu.vn/chi-dao-dieu-hanh"
    )


def test_javascript_mailto_and_bare_fragment_links_are_ignored() -> None:
    assert _find(LIFERAY_HOME, "https://example.gov.vn/", "Văn bản") is None
    assert _find(VNPORTAL_HOME, "https://www.cantho.gov.vn/", "Liên hệ") is None
    # SharePoint's "TIN TỨC - SỰ KIỆN" parent entry is href="#": its child is the answer
    url = _find(SHAREPOINT_HOME, "https://www.dienbien.gov.vn/portal", "Tin tức - sự kiện")
    assert url == "https://www.dienbien.gov.vn/portal/Pages/Tin-tuc-su-kien.aspx"


def test_sharepoint_title_attribute_and_nested_spans() -> None:
    url = _find(SHAREPOINT_HOME, "https://www.dienbien.gov.vn/portal", "Hoạt động lãnh đạo")
    assert url == "https://www.dienbien.gov.vn/portal/Pages/Hoat-dong-lanh-dao-UBND-tinh.aspx"


def test_exact_match_beats_containing_match() -> None:
    # "Thông tin chỉ đạo điều hành" contains the label and comes later; "Chỉ đạo, điều hành"
    # in the SharePoint list menu is the label itself
    url = _find(SHAREPOINT_HOME, "https://www.dienbien.gov.vn/", "Chỉ đạo điều hành")
    assert url == "https://www.dienbien.gov.vn/portal/Pages/Chi-dao-dieu-hanh.aspx"


def test_earlier_label_wins_between_exact_matches() -> None:
    labels = ("Chỉ đạo điều hành", "Thông tin chỉ đạo điều hành")
    url = _find(SHAREPOINT_HOME, "https://www.dienbien.gov.vn/", *labels)
    assert url == "https://www.dienbien.gov.vn/portal/Pages/Chi-dao-dieu-hanh.aspx"
    url = _find(SHAREPOINT_HOME, "https://www.dienbien.gov.vn/", *reversed(labels))
    assert url == "https://www.dienbien.gov.vn/portal/Pages/Thong-tin-chi-dao-dieu-hanh.aspx"


def test_vnportal_upper_case_menu_and_base_href() -> None:
    # the page was fetched without www; <base href> resolves the relative menu links
    page = "https://cantho.gov.vn/"
    assert _find(VNPORTAL_HOME, page, "Hoạt động lãnh đạo thành phố", "Hoạt động lãnh đạo") == (
        "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho"
    )
    assert _find(VNPORTAL_HOME, page, "Tin tức sự kiện") == (
        "https://www.cantho.gov.vn/tin-tuc-va-su-kien"
    )
    assert _find(VNPORTAL_HOME, page, "Chỉ đạo điều hành") == (
        "https://www.cantho.gov.vn/chi-dao-dieu-hanh-trung-uong-dia-phuong"
    )


def test_nav_link_beats_same_text_in_the_body() -> None:
    html = """<body><div class="content"><a href="/tin-moi">Tin tức</a></div>
    <div id="main-menu"><a href="/tin-tuc">Tin tức</a></div></body>"""
    assert _find(html, "https://example.gov.vn/", "Tin tức") == "https://example.gov.vn/tin-tuc"


def test_no_match_and_no_labels() -> None:
    assert _find(LIFERAY_HOME, "https://example.gov.vn/", "Thông báo") is None
    assert _find(LIFERAY_HOME, "https://example.gov.vn/") is None
    assert _find(LIFERAY_HOME, "https://example.gov.vn/", " - ") is None


def test_link_to_the_page_itself_is_not_a_category() -> None:
    html = '<nav><a href="/">Tin tức</a><a href="/tin-tuc#top">Tin tức</a></nav>'
    assert _find(html, "https://example.gov.vn/", "Tin tức") == "https://example.gov.vn/tin-tuc"


def test_real_liferay_home_page_of_the_corpus() -> None:
    page = corpus_path("liferay-sotttt-hanoi", "source", "index.html")
    sel = Selector(text=page.read_text(encoding="utf-8"))
    url = "https://sotttt.hanoi.gov.vn/index.html"
    assert find_category_url(sel, url, ["Tin tức sự kiện"]) == (
        "https://sotttt.hanoi.gov.vn/tin-tuc-su-kien.html"
    )
    # the menu says "Báo chí - xuất bản - truyền thông"
    assert find_category_url(sel, url, ["Báo chí xuất bản"]) == (
        "https://sotttt.hanoi.gov.vn/bao-chi-xuat-ban.html"
    )
