"""The newspaper CMS of Báo Cần Thơ (also dongkhoi.baovinhlong.vn).

Article URLs end in ``-a<id>.html``. Title is the ``h1`` of ``#content`` that is not the
breadcrumb (the breadcrumb ``h1`` in ``.titlecate`` holds links); the date is
``span.pubdate`` ("08/01/2026 - 18:21"); the body ``#newscontents .content-fck`` starts with
the lead ("(CTO) - ...") and ends with a right-aligned credit line ("Tin, ảnh: P.Y"); captions
are centered ``<em>`` paragraphs; the related list sits under "Đọc thêm". Listing pages
paginate with ``?p=N``. Seen January 2026.
"""

from __future__ import annotations

import re
from typing import ClassVar

from newsfeed.extraction.article import ArticleRules
from newsfeed.platforms.base import ListingRules, Platform

_ARTICLE_URL = re.compile(r"-a(\d+)\.html(?:$|[?#])")


class BaoCanThoPlatform(Platform):
    key = "baocantho"
    label = "Báo Cần Thơ newspaper CMS"
    page_param = "p"

    article_rules: ClassVar[ArticleRules] = ArticleRules(
        title=("//*[@id='content']//h1[not(.//a)]", "h1.title-detail", "//h1[not(.//a)]"),
        published=("#content span.pubdate", "span.pubdate", ".detail-time"),
        body=("#newscontents .content-fck", "#newscontents", ".content-fck"),
        related=(
            "//*[contains(@class,'detail-related')]//ul[contains(@class,'related-list')]"
            "//h3/parent::a",
            ".related-list .b-content a",
        ),
        drop=(".AMN_res_baocantho\\.com\\.vn_mid", "[class^='AMN_']", ".sharebox"),
        lead_is_first_paragraph=True,
    )

    # The category column (#colcate1) mixes a lead story, a top-3 strip and a list, each
    # with an image link and a headline link per article: every article link in it counts.
    listing_rules: ClassVar[ListingRules] = ListingRules(
        item=("//*[@id='colcate1']//a[@href]", "//*[@id='content']//a[@href]"),
        link=("./self::a",),
        article_url=_ARTICLE_URL,
    )

    def article_id(self, url: str) -> str | None:
        match = _ARTICLE_URL.search(url)
        return match.group(1) if match else None
