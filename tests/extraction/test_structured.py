"""One structured-data reader, one body cleaner, one date precedence for both engines.

The platform adapters (extraction/article.py) and the generic fallback (extraction/generic.py)
read a page's JSON-LD and meta through extraction/structured.py: broken JSON-LD that one
engine tolerates, the other does too, and the site's own name is an author for neither.
"""

from __future__ import annotations

from parsel import Selector

from newsfeed.extraction.article import ArticleRules, extract_article
from newsfeed.extraction.dates import choose_published, parse_date, parse_iso_date
from newsfeed.extraction.generic import extract_generic
from newsfeed.timezone import LOCAL_TZ

RULES = ArticleRules(title=("h1.title",), published=(".date",), body=(".content",))
URL = "https://tinhx.gov.vn/tin-tuc/hoi-nghi-123.html"

# a trailing comma and a raw newline in a string: what Vietnamese CMS templates print
BROKEN_JSONLD = """{
  "@context": "https://schema.org", "@type": "NewsArticle",
  "headline": "Hội nghị tổng kết",
  "datePublished": "2026-01-08T18:21:00+07:00",
  "author": [{"@type": "Organization", "name": "Cổng TTĐT tỉnh X"},
             {"@type": "Person", "name": "Minh
 Anh"},],
}"""


def page(head: str = "", date: str = "") -> Selector:
    return Selector(
        text=f"""<html lang="vi"><head>{head}
        <meta property="og:site_name" content="Cổng TTĐT tỉnh X"></head><body>
        <h1 class="title">Hội nghị tổng kết</h1><div class="date">{date}</div>
        <div class="content"><p>Sáng nay, hội nghị tổng kết năm đã diễn ra tại trụ sở.</p>
        </div></body></html>"""
    )


def test_a_platform_reads_broken_jsonld_like_the_generic_fallback() -> None:
    sel = page(f'<script type="application/ld+json">{BROKEN_JSONLD}</script>')
    platform = extract_article(sel, URL, RULES, portal="x")
    generic = extract_generic(sel, URL)
    for article in (platform, generic):
        assert article.published == "2026-01-08T18:21:00+07:00", article
        assert article.date_source == "jsonld"
        # the Organization (the portal itself) is never the author; the person is
        assert article.author == "Minh Anh"


def test_the_site_name_is_no_author_for_a_platform_either() -> None:
    sel = page('<meta name="author" content="Cổng TTĐT tỉnh X">')
    assert extract_article(sel, URL, RULES, portal="x").author is None
    named = page('<meta name="author" content="Sở Nội vụ">')
    assert extract_article(named, URL, RULES, site_names=("Sở Nội vụ",)).author is None


def test_the_host_is_the_site_too() -> None:
    # the site's keys are made on first use, from the page's own URL
    sel = page('<meta name="author" content="TINHX">')
    assert extract_article(sel, URL, RULES, portal="x").author is None
    assert extract_article(sel, "https://tinhy.gov.vn/a.html", RULES).author == "TINHX"


def test_a_printed_date_only_takes_its_time_from_structured_data_of_that_day() -> None:
    head = '<meta property="article:published_time" content="2026-01-08T09:15:00+07:00">'
    platform = extract_article(page(head, date="08/01/2026"), URL, RULES, portal="x")
    assert platform.published == "2026-01-08T09:15:00+07:00"
    assert platform.published_raw is not None


def test_the_one_precedence() -> None:
    printed = parse_date("08/01/2026 18:21")
    midnight = parse_iso_date("2026-01-08T00:00:00+07:00")
    other_time = parse_iso_date("2026-01-08T10:00:00+07:00")
    utc_same = parse_iso_date("2026-01-08T11:21:00Z")
    day_only = parse_date("08/01/2026")
    assert printed is not None and day_only is not None
    # trusted (a platform's selector): the printed date-time wins over anything declared
    chosen, source = choose_published(printed, [(other_time, "jsonld")], URL, printed_trusted=True)
    assert (chosen, source) == (printed, "article")
    # guessed (generic): a declared date-time wins, except a midnight or the same instant in UTC
    assert choose_published(printed, [(other_time, "jsonld")], URL, printed_trusted=False) == (
        other_time,
        "jsonld",
    )
    for declared in (midnight, utc_same):
        chosen, source = choose_published(
            printed, [(declared, "jsonld")], URL, printed_trusted=False
        )
        assert source == "article" and chosen is not None
        assert chosen.value.utcoffset() == LOCAL_TZ.utcoffset(None)
    # a date without a time is not midnight: a declared date-time of that day gives the time
    for trusted in (True, False):
        chosen, source = choose_published(
            day_only, [(None, "jsonld"), (other_time, "meta")], URL, printed_trusted=trusted
        )
        assert (chosen, source) == (other_time, "meta")
    # nothing printed or declared: the URL's date, else nothing
    dated_url = "https://tinhx.gov.vn/2026/01/08/hoi-nghi.html"
    chosen, source = choose_published(None, [(None, "jsonld")], dated_url, printed_trusted=True)
    assert (
        source == "url" and chosen is not None and chosen.value.date().isoformat() == "2026-01-08"
    )
    assert choose_published(None, [], URL, printed_trusted=False) == (None, None)
