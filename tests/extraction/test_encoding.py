"""Which charset a Vietnamese page is really in (newsfeed.extraction.encoding), and the
plausible-date rule, as pure functions of bytes and strings."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from newsfeed.crawl.guards import retry_after_seconds
from newsfeed.extraction.dates import choose_published, parse_iso_date, settle_dates
from newsfeed.extraction.encoding import choose_encoding, vietnamese_score
from newsfeed.items import Article
from tests.conftest import REPO
from tests.faultsite import TCVN3_BODY, TCVN3_BODY_TEXT, VIETNAMESE_BODY, windows_1258

TEXT = "<p>" + VIETNAMESE_BODY + "</p>"


@pytest.mark.parametrize(
    ("body", "declared", "status", "encoding"),
    [
        (TEXT.encode(), "utf-8", "ok", "utf-8"),
        (windows_1258(TEXT), "cp1258", "ok", "cp1258"),
        (windows_1258(TEXT), "utf-8", "repaired", "cp1258"),
        (windows_1258(TEXT), "cp1252", "repaired", "cp1258"),
        (TEXT.encode(), "windows-1258", "repaired", "utf-8"),
        (TEXT.encode(), "iso-8859-1", "repaired", "utf-8"),
        (TCVN3_BODY, "cp1252", "repaired", "tcvn3"),
        (TCVN3_BODY, "utf-8", "repaired", "tcvn3"),
        (b"<p>plain ASCII</p>", "cp1252", "ok", "cp1252"),
        ("Müller, Straße, café".encode("cp1252"), "cp1252", "ok", "cp1252"),
        (bytes(range(0x80, 0x100)) * 20, "utf-8", "broken", "utf-8"),
    ],
    ids=[
        "utf8",
        "cp1258",
        "cp1258_declared_utf8",
        "cp1258_declared_latin",
        "utf8_declared_cp1258",
        "utf8_declared_latin1",
        "tcvn3_declared_latin",
        "tcvn3_declared_utf8",
        "ascii",
        "german_latin1",
        "noise",
    ],
)
def test_choose_encoding(body: bytes, declared: str, status: str, encoding: str) -> None:
    choice = choose_encoding(body, declared)
    assert (choice.status, choice.encoding) == (status, encoding), choice.detail


def test_a_repaired_page_decodes_to_the_right_text() -> None:
    assert TCVN3_BODY.decode("tcvn3") == TCVN3_BODY_TEXT
    choice = choose_encoding(windows_1258(TEXT), "utf-8")
    assert unicodedata.normalize("NFC", windows_1258(TEXT).decode(choice.encoding)) == TEXT


def test_a_few_invalid_bytes_in_utf8_are_dropped_not_the_page() -> None:
    body = TEXT.encode() + b"\xff" + TEXT.encode()
    choice = choose_encoding(body, "utf-8")
    assert (choice.status, choice.encoding) == ("repaired", "utf-8")


def test_mojibake_reads_as_wrong_and_vietnamese_as_right() -> None:
    assert vietnamese_score(VIETNAMESE_BODY).bad == 0
    assert not vietnamese_score(VIETNAMESE_BODY.encode().decode("cp1252", errors="replace")).clean
    assert not vietnamese_score(TCVN3_BODY.decode("cp1252")).clean


def test_vni_is_reported_not_guessed() -> None:
    # "Việt Nam chào các bạn đến với hội nghị" as the VNI-Windows fonts write it, repeated
    vni = ("Vieät Nam chaøo caùc baïn ñeán vôùi hoäi nghò. " * 30).encode("cp1252")
    choice = choose_encoding(vni, "cp1252")
    assert choice.status == "broken"
    assert "VNI" in choice.detail


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Wed, 02 Dec 2026 10:05:00 GMT", 300.0),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after(value: str, expected: float | None) -> None:
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert retry_after_seconds(value, now) == expected


NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _article(published: str | None, source: str | None = "article") -> Article:
    return Article(
        url="https://p.vn/1",
        canonical_url="https://p.vn/1",
        guid="g",
        portal="p",
        title="T",
        published=published,
        published_raw=published,
        date_source=source,
        body_text="x",
    )


@pytest.mark.parametrize(
    ("published", "listing", "expected", "source"),
    [
        ("2026-11-20T08:30:00+07:00", "19/11/2026 09:15", "2026-11-20T08:30:00+07:00", "article"),
        ("1900-01-01", "19/11/2026 09:15", "2026-11-19T09:15:00+07:00", "listing"),
        ("1989-12-31", None, None, "rejected"),
        ("2099-03-15T10:00:00+07:00", "2099-01-01", None, "rejected"),
        ("2026-12-02T23:00:00+07:00", None, "2026-12-02T23:00:00+07:00", "article"),  # slack
    ],
)
def test_settle_dates(
    published: str, listing: str | None, expected: str | None, source: str
) -> None:
    settled, rejected = settle_dates(_article(published), listing, NOW)
    assert (settled.published, settled.date_source) == (expected, source)
    assert rejected == (source != "article")
    if source == "rejected":
        assert settled.published_raw == published, "what the page said stays visible"


def test_an_explicit_offset_is_kept_over_the_printed_local_clock() -> None:
    printed = parse_iso_date("2024-03-15T10:00:00")  # printed without a zone: +07:00
    declared = parse_iso_date("2024-03-15T10:00:00+09:00")
    chosen, source = choose_published(printed, [(declared, "meta")], "u", printed_trusted=True)
    assert chosen is not None and chosen.iso() == "2024-03-15T10:00:00+09:00"
    assert source == "meta"


def test_the_score_counts_what_a_scan_of_the_whole_text_counts() -> None:
    """vietnamese_score scans only the non-ASCII runs and their neighbours; on real pages in
    every decoding a crawl tries, and on random mixes of letters, marks, symbols and ASCII,
    it counts exactly what the two patterns find in the whole text."""
    import random

    from newsfeed.extraction import encoding

    def whole(text: str) -> tuple[int, int]:
        text = unicodedata.normalize("NFC", text)
        return (
            len(encoding._VI_LETTER_RE.findall(text)),
            len(encoding._BAD_RE.findall(text)),
        )

    texts = []
    for path in sorted((REPO / "tests" / "fixtures").glob("*/*.html"))[::3]:
        raw = path.read_bytes()
        texts += [raw.decode(name, "replace") for name in ("utf-8", "cp1258", "tcvn3", "cp1252")]
    alphabet = "ab \n\t.,xyàáảãạăằắđêềộơờưứỳ\u0301\u0300©°•™ÄÖßÀÈÌÒÙ\ufffd\x85\x9fÃÂ»‘"
    rng = random.Random(7)
    texts += ["".join(rng.choices(alphabet, k=rng.randint(0, 30))) for _ in range(3000)]
    # long ASCII runs around marks that compose with an ASCII letter (a + U+0301 is á, whose
    # neighbour is then the letter before the a), and letters NFC turns into ASCII (the Kelvin
    # sign, the Greek question mark)
    ascii_heavy = 'abcxyz ABC<>/="' * 4 + "\u0301\u0300\u0323áÀđÄ\u212a\u037e\u212b™•"
    texts += ["".join(rng.choices(ascii_heavy, k=rng.randint(0, 60))) for _ in range(3000)]
    assert len(texts) > 6000
    for text in texts:
        score = vietnamese_score(text)
        assert (score.letters, score.bad) == whole(text), repr(text[:200])


@pytest.mark.parametrize(
    ("inner", "declared", "encoding"),
    [
        (windows_1258(VIETNAMESE_BODY), "utf-8", "cp1258"),
        (TCVN3_BODY, "windows-1252", "tcvn3"),
        (VIETNAMESE_BODY.encode(), "iso-8859-1", "utf-8"),
    ],
    ids=["cp1258_declared_utf8", "tcvn3_declared_cp1252", "utf8_declared_latin1"],
)
def test_a_repaired_page_is_handed_on_as_utf8(inner: bytes, declared: str, encoding: str) -> None:
    """The guard re-encodes a repaired page: what reads it next needs no codec of newsfeed's
    (w3lib 2.6 no longer resolves tcvn3), and its tree is parsed from UTF-8 bytes."""
    from scrapy.http import Request
    from scrapy.utils.test import get_crawler

    from newsfeed.crawl.guards import EncodingMiddleware
    from newsfeed.extraction.response import PageResponse

    url = "https://sotttt.hanoi.gov.vn/tin/1"
    body = b"<html><body><p>" + inner + b"</p></body></html>"
    response = PageResponse(
        url=url, body=body, headers={"Content-Type": f"text/html; charset={declared}"}
    )
    handed = EncodingMiddleware(get_crawler()).process_response(Request(url), response)
    assert isinstance(handed, PageResponse)
    assert (handed.encoding, handed.body) == ("utf-8", body.decode(encoding).encode("utf-8"))
    text = handed.selector.xpath("string(//p)").get() or ""
    assert unicodedata.normalize("NFC", text) == unicodedata.normalize(
        "NFC", inner.decode(encoding)
    )
