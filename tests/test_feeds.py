"""The feeds builder: RSS 2.0, Atom 1.0 and OPML from hand-made articles.

The articles cover what real portals give: Vietnamese text, a page with a date but no time,
one with no date at all, one listed in two categories, control characters from a broken CMS,
images, related links and attachments. feedparser (strict, bozo) stands in for feed readers;
the RFC 4287 RELAX NG schema is checked with jing when it is installed.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from newsfeed.feeds import (
    EMPTY_FEED_DATE,
    FeedEntry,
    FeedSpec,
    atomic_write,
    render_atom,
    render_opml,
    render_rss,
    write_feeds,
)
from newsfeed.items import Article, Attachment, Image, Link

VN = timezone(timedelta(hours=7))
ATOM_NS = "http://www.w3.org/2005/Atom"
A = f"{{{ATOM_NS}}}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
RNC = Path(__file__).parent / "data" / "atom.rnc"
PORTAL = "https://sotttt.hanoi.gov.vn"
RSS_SELF = "http://localhost:8080/sotttt_hanoi/tin_tuc_su_kien.rss.xml"
ATOM_SELF = "http://localhost:8080/sotttt_hanoi/tin_tuc_su_kien.atom.xml"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0700$"
)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
C0 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def guid(n: int) -> str:
    return f"tag:newsfeed,2025:sotttt_hanoi/{n}"


def article(n: int, **fields: Any) -> Article:
    url = f"{PORTAL}/tin-tuc-su-kien/-/view_content/{n}-bai-viet.html"
    values: dict[str, Any] = {
        "url": url,
        "canonical_url": url,
        "guid": guid(n),
        "portal": "sotttt_hanoi",
        "categories": ("tin_tuc_su_kien",),
        "title": f"Bài viết số {n}",
        "body_html": f"<p>Nội dung bài viết số {n}.</p>",
        "body_text": f"Nội dung bài viết số {n}.",
    }
    values.update(fields)
    return Article(**values)


# Newest first, by effective date: 3 Aug 00:00 (bare date), 2 Aug 17:00, 1 Aug 10:00 (no date:
# first seen), 30 Jul 08:15.
FULL = article(
    4409341,
    title="Hà Nội đẩy mạnh chuyển đổi số trong cơ quan nhà nước",
    summary="Sở TT&TT Hà Nội tổ chức hội nghị về chuyển đổi số năm 2022.",
    published="2022-08-02T17:00:00+07:00",
    author="T.T - H.T",
    categories=("tin_tuc_su_kien", "chuyen_doi_so"),
    body_html=(
        "<p>Sáng 2/8, Sở Thông tin và Truyền thông Hà Nội tổ chức hội nghị.</p>"
        f'<figure><img src="{PORTAL}/documents/hoi-nghi.jpg" alt="Hội nghị">'
        "<figcaption>Quang cảnh hội nghị</figcaption></figure>"
        "<p>Hội nghị đánh giá kết quả 6 tháng đầu năm.</p>"
    ),
    body_text=(
        "Sáng 2/8, Sở Thông tin và Truyền thông Hà Nội tổ chức hội nghị.\n\n"
        "Hội nghị đánh giá kết quả 6 tháng đầu năm."
    ),
    images=(
        Image(url=f"{PORTAL}/documents/hoi-nghi.jpg", caption="Quang cảnh hội nghị"),
        Image(url=f"{PORTAL}/documents/anh-2.jpg"),
    ),
    related_links=(
        Link(url=f"{PORTAL}/tin-tuc-su-kien/-/view_content/4409000-bai-cu.html", title="Bài cũ"),
        Link(url=f"{PORTAL}/tin-tuc-su-kien/-/view_content/4408000-bai-khac.html", title="Khác"),
    ),
    attachments=(
        Attachment(
            url=f"{PORTAL}/documents/ke-hoach.pdf", title="Kế hoạch", type="application/pdf"
        ),
        Attachment(
            url=f"{PORTAL}/documents/bieu-mau.docx", title="Biểu mẫu", type="application/msword"
        ),
    ),
)
LONG_TEXT = " ".join(["Ủy ban nhân dân thành phố triển khai nhiệm vụ trọng tâm."] * 20)
BARE_DATE = article(
    4409400,
    title="Thông báo lịch tiếp công dân tháng 8",
    published="2022-08-03",
    body_html=f"<p>{LONG_TEXT}</p>",
    body_text=LONG_TEXT,
    images=(Image(url=f"{PORTAL}/documents/lich.png", caption="Lịch tiếp dân"),),
)
NO_DATE = article(4409100, title="Hướng dẫn thủ tục hành chính trực tuyến", published=None)
CONTROL = article(
    4409050,
    title="Tin\x07 có ký tự\x1b điều khiển\x00",
    summary="Tóm tắt\x0b có\x0c ký tự lạ\x01.",
    published="2022-07-30T08:15:00+07:00",
    author="Phòng\x02 Báo chí",
    body_html="<p>Đoạn\x08 văn\x1f bản.</p>",
    body_text="Đoạn\x08 văn\x1f bản.",
    related_links=(Link(url=f"{PORTAL}/tin/khac\x07.html", title="Tin\x03 khác"),),
)
NO_DATE_SEEN = datetime(2022, 8, 1, 3, 0, tzinfo=UTC)  # 10:00 +07:00
NO_DATE_CHANGED = datetime(2022, 8, 5, 9, 30, tzinfo=VN)  # the newest date of the feed

ENTRIES = (
    FeedEntry(article=CONTROL, first_seen=datetime(2022, 7, 30, 2, 0, tzinfo=UTC)),
    FeedEntry(article=FULL, first_seen=datetime(2022, 8, 2, 11, 0, tzinfo=UTC)),
    FeedEntry(article=NO_DATE, first_seen=NO_DATE_SEEN, changed=NO_DATE_CHANGED),
    FeedEntry(article=BARE_DATE, first_seen=datetime(2022, 8, 3, 5, 0, tzinfo=UTC)),
)
ORDER = [guid(4409400), guid(4409341), guid(4409100), guid(4409050)]


def make_spec(entries: tuple[FeedEntry, ...] = ENTRIES, **fields: Any) -> FeedSpec:
    values: dict[str, Any] = {
        "path": "sotttt_hanoi/tin_tuc_su_kien",
        "title": "Sở TT&TT Hà Nội – Tin tức sự kiện",
        "description": "Tin tức sự kiện – Sở TT&TT Hà Nội (Hà Nội)",
        "link": f"{PORTAL}/tin-tuc-su-kien",
        "language": "vi",
        "entries": entries,
        "portal": "sotttt_hanoi",
        "category": "tin_tuc_su_kien",
    }
    values.update(fields)
    return FeedSpec(**values)


def parse(data: bytes) -> Any:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def by_id(parsed: Any) -> dict[str, Any]:
    return {e.id: e for e in parsed.entries}


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def rss_items(data: bytes) -> dict[str, etree._Element]:
    return {item.findtext("guid") or "": item for item in xml(data).iter("item")}


def atom_entries(data: bytes) -> dict[str, etree._Element]:
    return {entry.findtext(f"{A}id") or "": entry for entry in xml(data).iter(f"{A}entry")}


@pytest.fixture(scope="module")
def rss() -> bytes:
    return render_rss(make_spec(), RSS_SELF)


@pytest.fixture(scope="module")
def atom() -> bytes:
    return render_atom(make_spec(), ATOM_SELF)


# --------------------------------------------------------------------------- feedparser


def test_rss_parses_cleanly_with_what_was_given(rss: bytes) -> None:
    parsed = parse(rss)
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Sở TT&TT Hà Nội – Tin tức sự kiện"
    assert parsed.feed.link == f"{PORTAL}/tin-tuc-su-kien"
    assert parsed.feed.language == "vi"
    assert [e.id for e in parsed.entries] == ORDER
    entries = by_id(parsed)
    full = entries[guid(4409341)]
    assert full.title == FULL.title
    assert full.link == FULL.url
    assert full.guidislink is False
    assert full.published == "Tue, 02 Aug 2022 17:00:00 +0700"
    assert full.author == "T.T - H.T"
    assert [t.term for t in full.tags] == ["tin_tuc_su_kien", "chuyen_doi_so"]
    assert html.unescape(full.summary) == FULL.summary
    assert [(x.href, x.type, x.length) for x in full.enclosures] == [
        (f"{PORTAL}/documents/ke-hoach.pdf", "application/pdf", "0")
    ]
    assert entries[guid(4409400)].published == "Wed, 03 Aug 2022 00:00:00 +0700"
    assert entries[guid(4409100)].published == "Mon, 01 Aug 2022 10:00:00 +0700"
    assert "author" not in entries[guid(4409100)]


def test_atom_parses_cleanly_with_what_was_given(atom: bytes) -> None:
    parsed = parse(atom)
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Sở TT&TT Hà Nội – Tin tức sự kiện"
    assert parsed.feed.id == ATOM_SELF
    assert parsed.feed.link == f"{PORTAL}/tin-tuc-su-kien"
    assert parsed.feed.updated == "2022-08-05T09:30:00+07:00"
    assert parsed.feed.author == "Sở TT&TT Hà Nội"
    assert [e.id for e in parsed.entries] == ORDER
    entries = by_id(parsed)
    full = entries[guid(4409341)]
    assert full.title == FULL.title
    assert full.link == FULL.url
    assert full.published == "2022-08-02T17:00:00+07:00"
    assert full.updated == "2022-08-02T17:00:00+07:00"
    assert full.author == "T.T - H.T"
    assert full.summary == FULL.summary
    assert [t.term for t in full.tags] == ["tin_tuc_su_kien", "chuyen_doi_so"]
    assert [(x.href, x.type) for x in full.enclosures] == [
        (f"{PORTAL}/documents/ke-hoach.pdf", "application/pdf"),
        (f"{PORTAL}/documents/bieu-mau.docx", "application/msword"),
    ]
    related = [ln.href for ln in full.links if ln.rel == "related"]
    assert related == [ln.url for ln in FULL.related_links]
    no_date = entries[guid(4409100)]
    assert no_date.published == "2022-08-01T10:00:00+07:00"
    assert no_date.updated == "2022-08-05T09:30:00+07:00"
    # No author of its own: RFC 4287 has it inherit the feed's (feedparser does not resolve it).
    assert "author" not in no_date
    assert entries[guid(4409400)].published == "2022-08-03T00:00:00+07:00"


def test_same_id_in_every_feed_and_format() -> None:
    other = make_spec(path="sotttt_hanoi/chuyen_doi_so", title="Sở TT&TT Hà Nội – Chuyển đổi số")
    ids = [
        [e.id for e in parse(render(spec, url)).entries if e.id == FULL.guid]
        for spec in (make_spec(), other)
        for render, url in ((render_rss, RSS_SELF), (render_atom, ATOM_SELF))
    ]
    assert ids == [[FULL.guid]] * 4
    assert f'<guid isPermaLink="false">{FULL.guid}</guid>'.encode() in render_rss(other, RSS_SELF)
    assert f"<id>{FULL.guid}</id>".encode() in render_atom(other, ATOM_SELF)


# --------------------------------------------------------------------------- order and dates


def test_order_does_not_depend_on_input_order() -> None:
    spec = make_spec()
    for permutation in (ENTRIES[::-1], ENTRIES[1:] + ENTRIES[:1], ENTRIES[2:] + ENTRIES[:2]):
        shuffled = make_spec(permutation)
        assert render_rss(shuffled, RSS_SELF) == render_rss(spec, RSS_SELF)
        assert render_atom(shuffled, ATOM_SELF) == render_atom(spec, ATOM_SELF)


def test_ties_are_broken_by_guid() -> None:
    same = "2022-08-02T08:00:00+07:00"
    entries = tuple(
        FeedEntry(article=article(n, published=same), first_seen=NO_DATE_SEEN) for n in (30, 12, 21)
    )
    for render in (render_rss, render_atom):
        assert [e.id for e in parse(render(make_spec(entries), RSS_SELF)).entries] == [
            guid(12),
            guid(21),
            guid(30),
        ]


def test_duplicate_guid_is_listed_once_in_its_newest_version() -> None:
    old = FeedEntry(article=FULL.replace(title="Bản cũ"), first_seen=NO_DATE_SEEN)
    new = FeedEntry(
        article=FULL.replace(title="Bản mới"),
        first_seen=NO_DATE_SEEN,
        changed=datetime(2022, 8, 4, tzinfo=VN),
    )
    for entries in ((old, new), (new, old)):
        parsed = parse(render_atom(make_spec(entries), ATOM_SELF))
        assert [(e.id, e.title) for e in parsed.entries] == [(FULL.guid, "Bản mới")]


def test_dates_are_rfc822_in_rss_and_rfc3339_in_atom(rss: bytes, atom: bytes) -> None:
    channel = xml(rss).find("channel")
    assert channel is not None
    rss_dates = [channel.findtext("lastBuildDate"), channel.findtext("pubDate")]
    rss_dates += [item.findtext("pubDate") for item in channel.iter("item")]
    assert all(d is not None and RFC822.match(d) for d in rss_dates), rss_dates
    atom_dates = [el.text for el in xml(atom).iter(f"{A}updated", f"{A}published")]
    assert all(d is not None and RFC3339.match(d) for d in atom_dates), atom_dates


def test_feed_date_is_the_newest_item_date_not_the_build_time(rss: bytes, atom: bytes) -> None:
    channel = xml(rss).find("channel")
    assert channel is not None
    assert channel.findtext("lastBuildDate") == "Fri, 05 Aug 2022 09:30:00 +0700"
    assert channel.findtext("pubDate") == "Fri, 05 Aug 2022 09:30:00 +0700"
    assert xml(atom).findtext(f"{A}updated") == "2022-08-05T09:30:00+07:00"
    # Without the change, the newest effective date (the bare date) is the feed's date.
    unchanged = tuple(FeedEntry(article=e.article, first_seen=e.first_seen) for e in ENTRIES)
    assert xml(render_atom(make_spec(unchanged), ATOM_SELF)).findtext(f"{A}updated") == (
        "2022-08-03T00:00:00+07:00"
    )


def test_a_change_older_than_the_publication_does_not_move_updated() -> None:
    entry = FeedEntry(
        article=FULL, first_seen=NO_DATE_SEEN, changed=datetime(2022, 8, 1, tzinfo=VN)
    )
    parsed = parse(render_atom(make_spec((entry,)), ATOM_SELF))
    assert parsed.entries[0].updated == "2022-08-02T17:00:00+07:00"


def test_unparseable_date_falls_back_to_first_seen() -> None:
    entry = FeedEntry(article=FULL.replace(published="2 tháng 8"), first_seen=NO_DATE_SEEN)
    parsed = parse(render_rss(make_spec((entry,)), RSS_SELF))
    assert parsed.entries[0].published == "Mon, 01 Aug 2022 10:00:00 +0700"


def test_rebuild_is_byte_identical() -> None:
    assert render_rss(make_spec(), RSS_SELF) == render_rss(make_spec(), RSS_SELF)
    assert render_atom(make_spec(), ATOM_SELF) == render_atom(make_spec(), ATOM_SELF)
    assert b"feedgen" not in render_rss(make_spec(), RSS_SELF)
    assert b"feedgen" not in render_atom(make_spec(), ATOM_SELF)


def test_empty_feed_is_valid_and_stable() -> None:
    spec = make_spec(())
    rss = render_rss(spec, RSS_SELF)
    atom = render_atom(spec, ATOM_SELF)
    assert parse(rss).entries == []
    assert parse(atom).entries == []
    assert rss == render_rss(spec, RSS_SELF)
    assert atom == render_atom(spec, ATOM_SELF)
    assert xml(atom).findtext(f"{A}updated") == EMPTY_FEED_DATE.isoformat()
    assert xml(rss).findtext("channel/lastBuildDate") == "Sat, 01 Jan 2000 00:00:00 +0700"


# --------------------------------------------------------------------------- content


def content_of(rss: bytes, atom: bytes, guid_: str) -> str:
    rss_html = rss_items(rss)[guid_].findtext(CONTENT_ENCODED)
    atom_content = atom_entries(atom)[guid_].find(f"{A}content")
    assert atom_content is not None
    assert atom_content.get("type") == "html"
    assert rss_html is not None
    assert rss_html == atom_content.text
    return rss_html


def test_full_content_with_related_links_and_attachments(rss: bytes, atom: bytes) -> None:
    content = content_of(rss, atom, FULL.guid)
    assert content.startswith(FULL.body_html)
    doc = lxml.html.fragment_fromstring(content, create_parent="div")
    headings = [h.text_content() for h in doc.iter("h3")]
    assert headings == ["Tin liên quan", "Tệp đính kèm"]
    links = [(a.get("href"), a.text_content()) for a in doc.iter("a")]
    assert links == [(ln.url, ln.title) for ln in FULL.related_links] + [
        (at.url, at.title) for at in FULL.attachments
    ]
    # The lead image is already in the body: it is not added a second time.
    assert [img.get("src") for img in doc.iter("img")] == [FULL.images[0].url]


def test_lead_image_missing_from_the_body_is_put_first(rss: bytes, atom: bytes) -> None:
    content = content_of(rss, atom, BARE_DATE.guid)
    doc = lxml.html.fragment_fromstring(content, create_parent="div")
    assert [img.get("src") for img in doc.iter("img")] == [BARE_DATE.images[0].url]
    assert content.index("<img") < content.index(LONG_TEXT[:40])
    assert "Lịch tiếp dân" in content


def test_summary_falls_back_to_the_start_of_the_body_text(atom: bytes) -> None:
    summary = atom_entries(atom)[BARE_DATE.guid].findtext(f"{A}summary")
    assert summary is not None
    assert summary.endswith("…")
    assert 150 < len(summary) <= 301
    assert LONG_TEXT.startswith(summary[:-1])


def test_enclosures(rss: bytes, atom: bytes) -> None:
    items = rss_items(rss)
    for item in items.values():
        assert len(item.findall("enclosure")) <= 1
    full = items[FULL.guid].find("enclosure")
    assert full is not None
    assert {k: full.get(k) for k in ("url", "length", "type")} == {
        "url": f"{PORTAL}/documents/ke-hoach.pdf",
        "length": "0",
        "type": "application/pdf",
    }
    image = items[BARE_DATE.guid].find("enclosure")
    assert image is not None
    assert (image.get("url"), image.get("type")) == (BARE_DATE.images[0].url, "image/png")
    assert items[NO_DATE.guid].find("enclosure") is None
    entries = atom_entries(atom)
    atom_enclosures = [
        (ln.get("href"), ln.get("type"), ln.get("title"), ln.get("length"))
        for ln in entries[FULL.guid].iter(f"{A}link")
        if ln.get("rel") == "enclosure"
    ]
    assert atom_enclosures == [(a.url, a.type, a.title, None) for a in FULL.attachments]


def test_authors_go_to_dc_creator_in_rss(rss: bytes) -> None:
    items = rss_items(rss)
    assert items[FULL.guid].findtext(DC_CREATOR) == "T.T - H.T"
    assert items[FULL.guid].find("author") is None
    assert items[NO_DATE.guid].find(DC_CREATOR) is None


def test_control_characters_are_stripped(rss: bytes, atom: bytes) -> None:
    for data in (rss, atom):
        text = data.decode("utf-8")
        assert not C0.search(text)
        assert "&#" not in text  # no escaped control character either
    for parsed in (parse(rss), parse(atom)):
        entry = by_id(parsed)[CONTROL.guid]
        assert entry.title == "Tin có ký tự điều khiển"
        assert html.unescape(entry.summary) == "Tóm tắt có ký tự lạ."
        assert entry.author == "Phòng Báo chí"
    assert "Đoạn văn bản." in content_of(rss, atom, CONTROL.guid)


def test_plain_text_summary_is_escaped_once_more_in_rss_description() -> None:
    lead = "Chỉ số PCI < 60 & xếp hạng <b>cao</b>"
    spec = make_spec((FeedEntry(article=FULL.replace(summary=lead), first_seen=NO_DATE_SEEN),))
    rss, atom = render_rss(spec, RSS_SELF), render_atom(spec, ATOM_SELF)
    # RSS readers read <description> as HTML; Atom's <summary> is declared plain text.
    assert rss_items(rss)[FULL.guid].findtext("description") == html.escape(lead, quote=False)
    assert atom_entries(atom)[FULL.guid].findtext(f"{A}summary") == lead
    assert atom_entries(atom)[FULL.guid].xpath("string(*[local-name()='summary']/@type)") == ""
    assert html.unescape(parse(rss).entries[0].summary) == lead


def test_non_ascii_urls_are_percent_encoded() -> None:
    url = "https://sotttt.hanoi.gov.vn/tin tức/bài 1.html?q=Hà Nội"
    spec = make_spec((FeedEntry(article=FULL.replace(url=url), first_seen=NO_DATE_SEEN),))
    expected = (
        "https://sotttt.hanoi.gov.vn/tin%20t%E1%BB%A9c/b%C3%A0i%201.html?q=H%C3%A0%20N%E1%BB%99i"
    )
    assert rss_items(render_rss(spec, RSS_SELF))[FULL.guid].findtext("link") == expected
    assert parse(render_atom(spec, ATOM_SELF)).entries[0].link == expected


def test_article_without_a_usable_url_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    broken = article(99, url="/tin/99.html", canonical_url="", published="2022-09-01")
    entries = (*ENTRIES, FeedEntry(article=broken, first_seen=NO_DATE_SEEN))
    for render, url in ((render_rss, RSS_SELF), (render_atom, ATOM_SELF)):
        assert [e.id for e in parse(render(make_spec(entries), url)).entries] == ORDER
    assert guid(99) in caplog.text


def test_relative_urls_are_made_absolute() -> None:
    relative = article(
        7,
        published="2022-08-01T08:00:00+07:00",
        body_html='<p><a href="/van-ban/1.html">Văn bản</a><img src="anh/1.jpg"></p>',
        related_links=(Link(url="/tin/2.html", title="Tin 2"),),
        attachments=(Attachment(url="../files/a.pdf", title="", type="application/pdf"),),
    )
    spec = make_spec((FeedEntry(article=relative, first_seen=NO_DATE_SEEN),))
    rss, atom = render_rss(spec, RSS_SELF), render_atom(spec, ATOM_SELF)
    content = content_of(rss, atom, relative.guid)
    doc = lxml.html.fragment_fromstring(content, create_parent="div")
    urls = [a.get("href") for a in doc.iter("a")] + [i.get("src") for i in doc.iter("img")]
    assert f"{PORTAL}/van-ban/1.html" in urls
    assert f"{PORTAL}/tin-tuc-su-kien/-/view_content/anh/1.jpg" in urls
    assert f"{PORTAL}/tin/2.html" in urls
    for data in (rss, atom):
        assert_all_urls_absolute(data)


def assert_all_urls_absolute(data: bytes) -> None:
    root = xml(data)
    urls: list[str] = []
    for el in root.iter():
        urls += [v for k in ("href", "url", "src") if (v := el.get(k))]
        if el.tag == "link" and el.text:
            urls.append(el.text.strip())
        if el.tag in {CONTENT_ENCODED, f"{A}content"} and el.text:
            doc = lxml.html.fragment_fromstring(el.text, create_parent="div")
            urls += [link for _, _, link, _ in doc.iterlinks()]
    assert urls
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme in {"http", "https"} and parts.netloc, url


def test_every_url_in_the_sample_feeds_is_absolute(rss: bytes, atom: bytes) -> None:
    assert_all_urls_absolute(rss)
    assert_all_urls_absolute(atom)


# --------------------------------------------------------------------------- structure


def test_rss_has_exactly_one_self_link(rss: bytes) -> None:
    links = xml(rss).findall(f"channel/{A}link")
    assert [(ln.get("rel"), ln.get("href"), ln.get("type")) for ln in links] == [
        ("self", RSS_SELF, "application/rss+xml")
    ]


def test_rss_channel_and_items_have_what_validators_require(rss: bytes) -> None:
    channel = xml(rss).find("channel")
    assert channel is not None
    for name in ("title", "link", "description", "language", "generator"):
        assert (channel.findtext(name) or "").strip(), name
    assert channel.findtext("generator") == "newsfeed"
    items = list(channel.iter("item"))
    assert len({item.findtext("guid") for item in items}) == len(items)
    for item in items:
        assert (item.findtext("title") or "").strip()
        assert item.xpath("string(guid/@isPermaLink)") == "false"
        assert item.find("author") is None  # needs an e-mail address: dc:creator instead


def test_atom_has_the_required_elements(atom: bytes) -> None:
    feed = xml(atom)
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{name}")) == 1, name
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    self_links = [ln for ln in feed.findall(f"{A}link") if ln.get("rel") == "self"]
    assert [ln.get("href") for ln in self_links] == [ATOM_SELF]
    entries = list(feed.iter(f"{A}entry"))
    assert len(entries) == 4
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        alternates = [
            ln for ln in entry.findall(f"{A}link") if ln.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == 1
    # RFC 4287 §4.1.1: a feed-level author unless every entry has one; here one has none.
    assert any(entry.find(f"{A}author") is None for entry in entries)
    assert feed.findtext(f"{A}author/{A}name") == "Sở TT&TT Hà Nội"


@pytest.mark.skipif(
    shutil.which("jing") is None, reason="jing is not installed (Debian: apt-get install jing)"
)
@pytest.mark.parametrize("entries", [ENTRIES, ()], ids=["articles", "empty"])
def test_atom_validates_against_the_rfc4287_schema(
    entries: tuple[FeedEntry, ...], tmp_path: Path
) -> None:
    path = tmp_path / "feed.atom.xml"
    path.write_bytes(render_atom(make_spec(entries), ATOM_SELF))
    result = validate_with_jing(path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    shutil.which("jing") is None, reason="jing is not installed (Debian: apt-get install jing)"
)
def test_jing_check_can_fail(tmp_path: Path) -> None:
    """The schema check is not vacuous: an entry without an id is rejected."""
    data = render_atom(make_spec(), ATOM_SELF)
    broken = re.sub(rb"<id>tag:[^<]*</id>", b"", data, count=1)
    path = tmp_path / "broken.atom.xml"
    path.write_bytes(broken)
    assert validate_with_jing(path).returncode != 0


def validate_with_jing(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["jing", "-c", str(RNC), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    title=st.text(st.characters(max_codepoint=0x2FF) | st.sampled_from("ăâđêôơưạảấầẩẫậ–…")),
    summary=st.text(st.characters(max_codepoint=0x2FF)),
)
def test_any_text_gives_well_formed_feeds(title: str, summary: str) -> None:
    entry = FeedEntry(
        article=FULL.replace(title=title, summary=summary, author=summary or None),
        first_seen=NO_DATE_SEEN,
    )
    spec = make_spec((entry,))
    for render, url in ((render_rss, RSS_SELF), (render_atom, ATOM_SELF)):
        data = render(spec, url)
        assert data == render(spec, url)
        parsed = parse(data)
        assert parsed.entries[0].title.strip()
        assert not C0.search(data.decode("utf-8"))


# --------------------------------------------------------------------------- files


def test_write_feeds_writes_every_file(tmp_path: Path) -> None:
    other = make_spec(
        ENTRIES[:1],
        path="sotttt_hanoi/chuyen_doi_so",
        title="Sở TT&TT Hà Nội – Chuyển đổi số",
        category="chuyen_doi_so",
    )
    files = write_feeds([make_spec(), other], tmp_path, "https://feeds.example.org/vn")
    assert files == [
        tmp_path / "sotttt_hanoi/tin_tuc_su_kien.rss.xml",
        tmp_path / "sotttt_hanoi/tin_tuc_su_kien.atom.xml",
        tmp_path / "sotttt_hanoi/chuyen_doi_so.rss.xml",
        tmp_path / "sotttt_hanoi/chuyen_doi_so.atom.xml",
        tmp_path / "index.opml",
    ]
    rss = files[0].read_bytes()
    assert [e.id for e in parse(rss).entries] == ORDER
    self_link = xml(rss).find(f"channel/{A}link")
    assert self_link is not None
    assert self_link.get("href") == (
        "https://feeds.example.org/vn/sotttt_hanoi/tin_tuc_su_kien.rss.xml"
    )
    assert parse(files[1].read_bytes()).feed.id == (
        "https://feeds.example.org/vn/sotttt_hanoi/tin_tuc_su_kien.atom.xml"
    )
    assert oct(files[0].stat().st_mode & 0o777) == oct(0o644)


def test_write_feeds_honours_the_limit(tmp_path: Path) -> None:
    files = write_feeds([make_spec()], tmp_path, "http://localhost:8080/", limit=2)
    for path in files[:2]:
        assert [e.id for e in parse(path.read_bytes()).entries] == ORDER[:2]
    # The feed date comes from the items kept: the changed article fell out.
    assert parse(files[1].read_bytes()).feed.updated == "2022-08-03T00:00:00+07:00"


def test_rebuild_leaves_files_untouched(tmp_path: Path) -> None:
    files = write_feeds([make_spec()], tmp_path, "http://localhost:8080/")
    old = 1_600_000_000_000_000_000
    for path in files:
        os.utime(path, ns=(old, old))
    before = {path: path.read_bytes() for path in files}
    assert write_feeds([make_spec()], tmp_path, "http://localhost:8080/") == files
    for path in files:
        assert path.read_bytes() == before[path]
        assert path.stat().st_mtime_ns == old
    assert leftovers(tmp_path) == []


def test_nothing_is_written_when_one_spec_is_bad(tmp_path: Path) -> None:
    bad = make_spec(path="../ngoai")
    with pytest.raises(ValueError, match="relative stem"):
        write_feeds([make_spec(), bad], tmp_path, "http://localhost:8080/")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="share the path"):
        write_feeds([make_spec(), make_spec()], tmp_path, "http://localhost:8080/")
    with pytest.raises(ValueError, match="absolute"):
        write_feeds([make_spec()], tmp_path, "feeds/")
    assert list(tmp_path.iterdir()) == []


def test_opml_lists_every_feed_by_absolute_url(tmp_path: Path) -> None:
    other_portal = make_spec(
        ENTRIES[:1],
        path="bao_can_tho/thoi_su",
        title="Báo Cần Thơ – Thời sự",
        link="https://baocantho.com.vn/thoi-su",
        portal="bao_can_tho",
        category="thoi_su",
    )
    specs = [make_spec(), other_portal]
    base = "https://feeds.example.org/vn"
    files = write_feeds(specs, tmp_path, base)
    root = etree.parse(str(tmp_path / "index.opml")).getroot()
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title")
    groups = root.findall("body/outline")
    assert [g.get("text") for g in groups] == ["Báo Cần Thơ", "Sở TT&TT Hà Nội"]
    feeds = root.findall("body/outline/outline")
    assert [(f.get("xmlUrl"), f.get("htmlUrl"), f.get("type")) for f in feeds] == [
        (f"{base}/bao_can_tho/thoi_su.rss.xml", "https://baocantho.com.vn/thoi-su", "rss"),
        (f"{base}/sotttt_hanoi/tin_tuc_su_kien.rss.xml", f"{PORTAL}/tin-tuc-su-kien", "rss"),
    ]
    written = {str(p.relative_to(tmp_path)) for p in files if p.name.endswith(".rss.xml")}
    listed = {f.get("xmlUrl", "").removeprefix(base + "/") for f in feeds}
    assert listed == written
    for f in feeds:
        assert (f.get("text") or "").strip()


def test_opml_of_no_feeds_still_has_an_outline() -> None:
    root = etree.fromstring(render_opml([], "newsfeed"))
    assert len(root.findall("body/outline")) == 1


def test_atomic_write(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "feed.xml"
    assert atomic_write(path, b"one") is True
    assert path.read_bytes() == b"one"
    old = 1_600_000_000_000_000_000
    os.utime(path, ns=(old, old))
    assert atomic_write(path, b"one") is False
    assert path.stat().st_mtime_ns == old
    assert atomic_write(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert path.stat().st_mtime_ns != old
    assert leftovers(tmp_path) == []


def test_atomic_write_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "feed.xml"
    atomic_write(path, b"old")

    def fail(self: Path, target: Path) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
