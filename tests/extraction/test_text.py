"""Tests for newsfeed.extraction.text: cleaning, credit lines, authors."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsfeed.extraction.text import (
    clean_multiline,
    clean_text,
    fold,
    has_text,
    is_cms_account,
    normalize_author,
    parse_credit_line,
)

CORPUS = Path(
    os.environ.get("NEWSFEED_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus")
)

CLEAN = [
    (None, ""),
    ("", ""),
    ("  Hà   Nội  ", "Hà Nội"),
    ("Hà\xa0Nội", "Hà Nội"),
    ("Hà\u202fNội", "Hà Nội"),
    ("Hà\tNội\r\nmới\n", "Hà Nội mới"),
    ("Hà\u200bNội", "HàNội"),  # zero-width space is inside a word, not between words
    ("chuyển\u00ad đổi", "chuyển đổi"),
    ("\ufeffTin tức", "Tin tức"),
    ("a\u200c\u200db", "ab"),
    (unicodedata.normalize("NFD", "Thứ năm"), "Thứ năm"),
    ("\xa0\n\t ", ""),
]


@pytest.mark.parametrize(("text", "expected"), CLEAN, ids=[repr(row[0]) for row in CLEAN])
def test_clean_text(text: str | None, expected: str) -> None:
    result = clean_text(text)
    assert result == expected
    assert unicodedata.is_normalized("NFC", result)


@given(st.text())
def test_clean_text_is_idempotent_and_collapsed(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert "  " not in once
    assert once == once.strip()
    assert "\n" not in once
    assert "\t" not in once
    assert unicodedata.is_normalized("NFC", once)


def test_has_text_is_clean_text_not_empty_for_every_character() -> None:
    # the shortcut trusts the first character after the whitespace: every character of the
    # BMP, each plane's two non-characters, a few astral letters and symbols, a lone
    # surrogate, after spaces, before a letter and before an invisible one
    characters = [chr(c) for c in range(0x10000)]
    characters += [chr(p << 16 | 0xFFFE) for p in range(1, 17)]
    characters += [chr(p << 16 | 0xFFFF) for p in range(1, 17)]
    characters += ["\U0001f600", "\U00020000", "\U000e0001", "\U000f0000"]
    for char in characters:
        for text in (f" \xa0{char}", f"{char}a", f"\n{char}\u200b"):
            assert has_text(text) is bool(clean_text(text)), repr(text)
    assert not has_text(None)
    assert not has_text("")


@given(st.text())
def test_has_text_agrees_with_clean_text(text: str) -> None:
    assert has_text(text) is bool(clean_text(text))


@given(st.text(alphabet=st.sampled_from("ab \n\t\xa0\r\u200b\u0301e")))
def test_clean_multiline_paragraphs_are_clean(text: str) -> None:
    result = clean_multiline(text)
    assert clean_multiline(result) == result
    for paragraph in result.split("\n\n") if result else []:
        assert paragraph
        assert paragraph == clean_text(paragraph)


MULTILINE = [
    ("Một\n\nHai", "Một\n\nHai"),
    ("Một\nvẫn một\n\n\n\nHai", "Một vẫn một\n\nHai"),
    ("  Một \r\n\r\n Hai  ", "Một\n\nHai"),
    ("Một\n \xa0 \nHai", "Một\n\nHai"),
    ("\n\n\xa0\n\nMột\n\n\u200b\n\n", "Một"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), MULTILINE, ids=[repr(r[0]) for r in MULTILINE])
def test_clean_multiline(text: str, expected: str) -> None:
    assert clean_multiline(text) == expected


def test_fold() -> None:
    assert fold("  Quản  trị Viên ") == "quan tri vien"
    assert fold("Đà Nẵng") == "da nang"


@given(
    st.text(
        st.characters(max_codepoint=0x2FFF)
        | st.sampled_from("ăâđêôơưạảấầẩẫậĐð\u0300\u0301\u0303\u0309\u0323\u034f\u0591\u093c")
    )
)
@example("x\u034f")  # a grapheme joiner in the marks' block: not a combining mark
@example("Ẩm thực xứ Đoài, ðô")
def test_fold_drops_every_combining_mark_and_only_those(text: str) -> None:
    """What fold's regex takes out of the NFD text is the Latin marks only: the key is the one
    a test of each character (``unicodedata.combining``) gives."""
    decomposed = unicodedata.normalize("NFD", clean_text(text).casefold())
    expected = "".join(c for c in decomposed if not unicodedata.combining(c))
    assert fold(text) == expected.replace("đ", "d").replace("ð", "d")


CREDITS = [
    ("Tin, ảnh: P.Y", "P.Y"),
    ("Tin, ảnh: T.T - H.T", "T.T - H.T"),
    ("Bài, ảnh: Nguyễn Văn A", "Nguyễn Văn A"),
    ("Bài và ảnh: Minh Anh", "Minh Anh"),
    ("Tin và ảnh: Hoàng Anh", "Hoàng Anh"),
    ("Tin/ảnh: Hoàng Anh", "Hoàng Anh"),
    ("Tin: Thu Hà", "Thu Hà"),
    ("Bài: Thu Hà", "Thu Hà"),
    ("Ảnh: Quang Minh", "Quang Minh"),
    ("TIN, ẢNH: HOÀNG ANH", "HOÀNG ANH"),
    ("Theo Báo Chính phủ", "Báo Chính phủ"),
    ("Theo TTXVN", "TTXVN"),
    ("Nguồn: Cổng TTĐT Chính phủ", "Cổng TTĐT Chính phủ"),
    ("Minh Anh (tổng hợp)", "Minh Anh"),
    ("(Tin, ảnh: P.Y)", "P.Y"),
    ("Tin, ảnh: P.Y/.", "P.Y"),
    ("Tin, ảnh: P.Y./.", "P.Y"),
    ("Theo TTXVN./.", "TTXVN"),
    ("Bài, ảnh: Hoàng Anh (*)", "Hoàng Anh"),
    ("Tin, ảnh: H.T.", "H.T"),
    (unicodedata.normalize("NFD", "Tin, ảnh: Đức Hòa"), "Đức Hòa"),
    ("\xa0Tin,\xa0ảnh:\xa0P.Y\xa0", "P.Y"),
]


@pytest.mark.parametrize(("line", "credit"), CREDITS, ids=[row[0] for row in CREDITS])
def test_parse_credit_line(line: str, credit: str) -> None:
    assert parse_credit_line(line) == credit


NOT_CREDITS = [
    "Phạm Văn Linh",  # a bare name: only the platform's author element knows it is one
    "Quang cảnh hội nghị.",
    "",
    "Theo kế hoạch, hội nghị diễn ra trong hai ngày.",
    "Theo đánh giá của Ban Thường vụ Tỉnh ủy, tình hình tư tưởng của cán bộ ổn định.",
    "Theo quyết định",  # lower case after "Theo": running text, not a source
    "Theo Quyết định 12, Sở tổ chức hội thi",
    "Bài: Ông A cho biết. Hội nghị đã diễn ra tốt đẹp và thành công",
    "Tin: " + "Nguyễn Văn A " * 8,  # too long to be a credit
    "Ảnh: minh họa",
    "Ảnh: Minh họa",
    "Ảnh: Internet",
    "Chiều 24/10, đồng chí Huỳnh Quốc Việt chủ trì hội nghị giao ban (tổng hợp)",
    "Giao ban công tác xây dựng Đảng và công tác dân vận quý 3/2024",
    "Lượt xem: 74",
]


@pytest.mark.parametrize("line", NOT_CREDITS, ids=[row[:40] or "empty" for row in NOT_CREDITS])
def test_parse_credit_line_rejects(line: str) -> None:
    assert parse_credit_line(line) is None


CMS_ACCOUNTS = [
    "admin admin",
    "Admin",
    "ADMIN",
    "administrator",
    "Pho Ban bien tap",
    "Phó Ban biên tập",
    "Ban biên tập",
    "Ban Biên tập Cổng thông tin điện tử",
    "Quản trị",
    "Quan tri vien",
    "Quản trị viên",
    "Test Test",
    "webmaster",
    "Biên tập viên",
    "abc abc",
    "123",
    "---",
    "",
]


@pytest.mark.parametrize("name", CMS_ACCOUNTS, ids=[n or "empty" for n in CMS_ACCOUNTS])
def test_is_cms_account(name: str) -> None:
    assert is_cms_account(name) is True


REAL_NAMES = ["Phạm Văn Linh", "T.T - H.T", "P.Y", "Hoàng Anh", "Minh Anh", "Bá Tùng", "TTXVN"]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_are_not_cms_accounts(name: str) -> None:
    assert is_cms_account(name) is False


AUTHORS = [
    ("Phạm Văn Linh", "Phạm Văn Linh"),
    ("\n\t\tPhạm Văn Linh\n\t", "Phạm Văn Linh"),
    ("Tin, ảnh: T.T - H.T", "T.T - H.T"),
    ("Tin, ảnh: P.Y", "P.Y"),
    ("Hoàng Anh.", "Hoàng Anh"),
    ("Hoàng Anh (*)", "Hoàng Anh"),
    ("(Hoàng Anh)", "Hoàng Anh"),
    ("Theo Báo Chính phủ", "Báo Chính phủ"),
    ("admin admin", None),
    ("Pho Ban bien tap", None),
    ("Tin: Ban biên tập", None),
    ("", None),
    (None, None),
    ("  \xa0 ", None),
]


@pytest.mark.parametrize(("text", "author"), AUTHORS, ids=[repr(row[0]) for row in AUTHORS])
def test_normalize_author(text: str | None, author: str | None) -> None:
    assert normalize_author(text) == author


@pytest.mark.corpus
def test_seed_article_has_one_credit_line() -> None:
    """The Bạc Liêu article as a reader sees it: of all its lines (category, title, body,
    captions, related links) only "Tin, ảnh: T.T - H.T" is a credit line."""
    seed = CORPUS / "seed" / "bac-lieu-hoat-dong-lanh-dao-2024-10-24.txt"
    if not seed.is_file():
        pytest.skip(f"corpus absent: {seed} (set NEWSFEED_CORPUS)")
    lines = seed.read_text(encoding="utf-8").splitlines()
    credits = [(line, parse_credit_line(line)) for line in lines if parse_credit_line(line)]
    assert credits == [("Tin, ảnh: T.T - H.T", "T.T - H.T")]


def _clean_text_the_long_way(text: str | None) -> str:
    """clean_text as it was before its fast paths: split, join, drop, NFC, for every text."""
    import re

    from newsfeed.extraction.text import _DROPPED_RE

    if not text:
        return ""
    joined = " ".join(text.split())
    if (
        not joined.isprintable()
        or "\ufffd" in joined
        or re.search("[\x0b\x0c\x1c-\x1f\x85]", text) is not None
    ):
        joined = " ".join(_DROPPED_RE.sub("", text).split())
    return unicodedata.normalize("NFC", joined)


_SPACES = [chr(c) for c in range(0x3001) if chr(c).isspace()]
_ODD = ["\ufffd", "\u200b", "\u00ad", "\ufeff", "\x7f", "\x9f", "\ud800", "\ufdd0", "\uffff"]
_MARKS = ["\u0301", "\u0323", "\u0338", "e", "ê", "Ư", ">", "a", "đ", "\U0001f600"]


@given(st.lists(st.sampled_from(_SPACES + _ODD + _MARKS + [" ", "  "]), max_size=12))
def test_clean_text_is_the_long_way_on_any_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert clean_text(text) == _clean_text_the_long_way(text)


@given(st.text())
def test_clean_text_is_the_long_way_on_random_text(text: str) -> None:
    assert clean_text(text) == _clean_text_the_long_way(text)


def test_clean_text_is_the_long_way_for_every_character() -> None:
    for c in [*range(0x10000), 0x1F600, 0x10FFFF, 0xE0001]:
        for text in (chr(c), f"a{chr(c)}b", f" {chr(c)} ", f"Hà{chr(c)}  Nội"):
            assert clean_text(text) == _clean_text_the_long_way(text), repr(text)
