"""Liferay 6.2 rules on the themes of other provincial portals (markup as documented in
provinces.csv: Thái Nguyên's p.date_post, Bắc Giang's meta-data-date and article-summary)."""

from __future__ import annotations

import pytest

from newsfeed.platforms.extract import extract_page
from newsfeed.portals import portal_from_dict

PORTAL = portal_from_dict(
    {
        "key": "tinh_thu",
        "name": "Cổng TTĐT tỉnh Thử",
        "province": "Thử",
        "base_url": "https://thu.gov.vn",
        "platform": "liferay62",
        "categories": [
            {"key": "tin", "name": "Tin", "url": "https://thu.gov.vn/tin", "topic": "news"}
        ],
    }
)

PAGE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>x</title></head>
<body><div class="portlet-boundary portlet-asset-publisher" id="p_p_id_101_INSTANCE_ab12_">
<div class="asset-full-content"><div class="asset-full-content-title">Tiêu đề bài viết</div>
{date}{summary}
<div class="asset-content"><div class="journal-content-article">
<p>Đoạn thứ nhất của bài viết về hoạt động của lãnh đạo tỉnh.</p>
<p>Đoạn thứ hai, có thêm nội dung.</p></div></div></div></div>
<div class="portlet-boundary" id="p_p_id_56_INSTANCE_q_">
<div class="journal-content-article"><p>Quảng cáo bên cạnh 01/01/2020 08:00</p></div></div>
</body></html>"""


@pytest.mark.parametrize(
    ("date", "summary", "published", "lead"),
    [
        (
            '<p class="date_post">Ngày 05/03/2024 14:20</p>',
            "",
            "2024-03-05T14:20:00+07:00",
            None,
        ),
        (
            '<span class="title meta-data-date">05/03/2024 | 2:20 PM</span>',
            '<div class="article-summary">Tóm tắt của bài.</div>',
            "2024-03-05T14:20:00+07:00",
            "Tóm tắt của bài.",
        ),
        (
            '<span class="metadata-entry metadata-publish-date">05/03/2024</span>',
            "",
            "2024-03-05",
            None,
        ),
    ],
    ids=["date_post", "meta-data-date", "metadata-publish-date"],
)
def test_other_liferay_themes(date: str, summary: str, published: str, lead: str | None) -> None:
    html = PAGE.replace("{date}", date).replace("{summary}", summary)
    article = extract_page(
        html.encode(), "https://thu.gov.vn/tin/-/view_content/123-tieu-de", portal=PORTAL
    )
    assert article.title == "Tiêu đề bài viết"
    assert article.published == published
    assert article.date_source == "article"
    assert article.summary == lead
    assert article.body_text.startswith("Đoạn thứ nhất") and "Quảng cáo" not in article.body_text
