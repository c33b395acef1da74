"""Per-portal selector overrides: a profile's ``[overrides]`` fixes a portal, no Python.

A portal of a known platform whose theme prints the headline in another element than the
family's: the profile names that element, and the platform's own selectors stay as fallbacks.
Unknown keys and broken selectors fail the profile's load with a message naming both.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from newsfeed.platforms.extract import extract_page
from newsfeed.portals import ProfileError, load_profile, portal_from_dict

PROFILE = """
key = "tinh_moi"
name = "Cổng thông tin điện tử tỉnh Mới"
province = "Tỉnh Mới"
base_url = "https://tinhmoi.gov.vn"
platform = "liferay62"

[[categories]]
key = "tin_tuc"
name = "Tin tức"
url = "https://tinhmoi.gov.vn/vi/tin-tuc"
topic = "news"
"""
OVERRIDE = """
[overrides]
title = ["h2.tieu-de-tin"]
"""
URL = "https://tinhmoi.gov.vn/vi/tin-tuc/-/asset_publisher/abc/content/hoi-nghi-tong-ket"
# a Liferay 6.2 Asset Publisher page whose theme prints the headline in <h2 class="tieu-de-tin">
PAGE = """<html lang="vi"><head><title>Cổng TTĐT tỉnh Mới</title></head><body>
<div class="portlet-boundary portlet-asset-publisher" id="p_p_id_101_INSTANCE_x1_">
 <h2 class="tieu-de-tin">Hội nghị tổng kết công tác năm 2026</h2>
 <div class="assetPublishDate">08/01/2026 18:21</div>
 <div class="asset-full-content"><div class="journal-content-article">
  <p>Sáng 8/1, Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác năm 2026.</p>
 </div></div>
</div></body></html>""".encode()


def write_profile(folder: Path, text: str) -> Path:
    path = folder / "tinh_moi.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_title_in_another_element_is_fixed_by_the_profile_alone(tmp_path: Path) -> None:
    plain = load_profile(write_profile(tmp_path, PROFILE))
    assert extract_page(PAGE, URL, portal=plain).title == ""  # the platform alone misses it
    fixed = load_profile(write_profile(tmp_path, PROFILE + OVERRIDE))
    article = extract_page(PAGE, URL, portal=fixed)
    assert article.title == "Hội nghị tổng kết công tác năm 2026"
    # the platform's own rules still read the rest of the page
    assert article.published == "2026-01-08T18:21:00+07:00"
    assert article.body_text.startswith("Sáng 8/1")
    assert fixed.selectors == {"title": ("h2.tieu-de-tin",)}


def test_the_override_comes_before_the_platform_selectors(tmp_path: Path) -> None:
    # the platform's own title element holds something else on this theme (the section)
    platform_title = '<div class="asset-full-content-title">Chuyên mục</div>'.encode()
    page = PAGE.replace(b'<h2 class="tieu-de-tin">', platform_title + b'<h2 class="tieu-de-tin">')
    fixed = load_profile(write_profile(tmp_path, PROFILE + OVERRIDE))
    assert extract_page(page, URL, portal=fixed).title.startswith("Hội nghị tổng kết")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ('titel = ["h2"]', "unknown key 'titel' (known: title, published, body"),
        ('title = "h2.tieu-de-tin"', "title must be a list of CSS or XPath selectors"),
        ("title = []", "title must be a list of CSS or XPath selectors"),
        ('title = ["h2..x"]', "title: 'h2..x' is neither valid CSS nor valid XPath"),
        ('drop = ["//div[@id="]', "drop: '//div[@id=' is neither valid CSS nor valid XPath"),
        ('newszone = "x"', "newszone must be a table"),
    ],
)
def test_a_bad_override_is_refused_with_a_clear_error(
    tmp_path: Path, overrides: str, message: str
) -> None:
    path = write_profile(tmp_path, PROFILE + "\n[overrides]\n" + overrides + "\n")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(path) in str(raised.value) and "[overrides]" in str(raised.value)
    assert message in str(raised.value)


def test_platform_options_stay_the_platforms() -> None:
    data = tomllib.loads(PROFILE + '\n[overrides.newszone]\nPageSize = "10"\n')
    portal = portal_from_dict(data)
    assert portal.overrides == {"newszone": {"PageSize": "10"}}
    assert dict(portal.selectors) == {}
