"""The body cleaner's shortcuts give what the plain Python walk over the body gave."""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from newsfeed.extraction.body import (
    _BLOCKS,
    DOCUMENT_EXTENSIONS,
    Body,
    _lines_from_the_end,
    attachment_type,
)

URL = "https://tinhx.gov.vn/tin-tuc/a.html"

FRAGMENTS = [
    "<div><p>Một</p><p>Hai</p><div><span>Ba</span></div></div>",
    "<div><div><div><p>Sâu</p></div></div><h4>Tiêu đề</h4><h5><b>x</b></h5><h6></h6></div>",
    # a comment or a processing instruction is no block child; a table and a list item are
    "<div><p>A<!-- c --></p><div><!-- c --><?pi x?>t</div><div><table><tr><td>x</td></tr>"
    "</table></div><div><ul><li>l</li></ul></div><div><section>s</section></div></div>",
    "<div><p>p trong<div>div</div></p><h3>không phải dòng</h3><blockquote><p>q</p></blockquote>"
    "<figure><img src='a.jpg'></figure><div><figure>f</figure></div><div><tr>t</tr></div></div>",
    "<p>Chỉ một đoạn</p>",
    "<div></div>",
]


def _python_lines(root: Any) -> list[Any]:
    """The definition of a line, tested on every element: innermost p, div, h4-h6 (no block
    child)."""
    return [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and element.tag in {"p", "div", "h4", "h5", "h6"}
        and not any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in element)
    ]


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_the_lines_from_the_end_are_the_walks_reversed(fragment: str) -> None:
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    expected = _python_lines(root)
    assert expected, "each fragment has lines"
    assert list(_lines_from_the_end(root)) == expected[::-1]
    # the body element itself is a line when it holds no block
    line = lxml_html.fragment_fromstring("<p>Tin: <b>Minh Anh</b></p>")
    assert list(_lines_from_the_end(line)) == [line]


@pytest.mark.parametrize("child", sorted(_BLOCKS | {"span", "ul", "b", "td", "h3x"}))
def test_each_block_child_makes_its_parent_no_line(child: str) -> None:
    # built, not parsed: the parser would move some of these (a tr outside a table)
    root = lxml_html.Element("div")
    for tag in ("p", "div", "h4", "h5", "h6", "span"):
        parent = lxml_html.Element(tag)
        etree.SubElement(parent, child).text = "x"
        root.append(parent)
        root.append(etree.Comment("c"))
    assert list(_lines_from_the_end(root)) == _python_lines(root)[::-1]


def test_the_credit_line_is_the_last_innermost_line() -> None:
    root = lxml_html.fragment_fromstring(
        "<div><p>Sáng nay, hội nghị tổng kết năm đã diễn ra tại trụ sở.</p>"
        "<div><p>Tin, ảnh: Minh Anh</p><div> </div></div></div>"
    )
    body = Body(root, URL)
    assert body.credit == "Minh Anh"
    assert "Minh Anh" not in body.text
    # a wrapper holding the line is not the line: its other text stays
    wrapped = lxml_html.fragment_fromstring(
        "<div><p>Sáng nay, hội nghị tổng kết.</p><div>Theo Sở<p>Tin: Minh Anh</p></div></div>"
    )
    assert Body(wrapped, URL).credit == "Minh Anh"
    assert "Theo Sở" in Body(wrapped, URL).text


def _attachment_type_by_definition(url: str) -> str | None:
    """A document link's media type as defined: the extension of one of the last three
    path segments, decoded, guessed by :mod:`mimetypes` on each call."""
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    for segment in reversed(segments[-3:]):
        ext = segment.rsplit(".", 1)[-1].lower() if "." in segment else ""
        if ext in DOCUMENT_EXTENSIONS:
            return mimetypes.guess_type(f"x.{ext}")[0] or "application/octet-stream"
    return None


DOCUMENT_LINKS = [
    "https://tinhx.gov.vn/documents/10180/0/ke-hoach.pdf/0c00a1b2-3c4d",
    "https://tinhx.gov.vn/documents/10180/ke-hoach.PDF",
    "https://tinhx.gov.vn/documents/a/b/c/d/bao-cao.docx/x/y",  # four segments from the end
    "https://tinhx.gov.vn/documents/bao-cao.docx/x/y",
    "https://tinhx.gov.vn/file/bao%20cao%2Epdf",  # the dot itself percent-encoded
    "https://tinhx.gov.vn/file/b%C3%A1o-c%C3%A1o.xlsx?download=1#trang-2",
    "https://tinhx.gov.vn/file/danh-sach.rar/",
    "https://tinhx.gov.vn/tin-tuc/-/view_content/4397039-hoi-nghi.html",
    "https://tinhx.gov.vn/tin-tuc/hoi-nghi.aspx?file=ke-hoach.pdf",  # the query is no path
    "https://tinhx.gov.vn/Lists/Posts/Post.aspx?ID=12",
    "https://tinhx.gov.vn/",
    "https://tinhx.gov.vn",
    "https://tinhx.gov.vn/anh/a.jpg",
    "https://tinhx.gov.vn/am-thanh/ban-tin.mp3",
    "https://tinhx.gov.vn/tai-lieu/v1.2/huong-dan",
    "https://tinhx.gov.vn/tai-lieu/.pdf",
    "https://tinhx.gov.vn/tai-lieu/pdf",
    "https://tinhx.gov.vn/tai-lieu/a%2Fb.pdf",  # an encoded slash inside one segment
    "mailto:vanthu@tinhx.gov.vn",
]


@pytest.mark.parametrize("url", DOCUMENT_LINKS)
def test_a_links_document_type_is_the_definitions(url: str) -> None:
    assert attachment_type(url) == _attachment_type_by_definition(url)


@given(
    st.lists(
        st.sampled_from(["a", "b.pdf", "c.DOCX", "%2E", "%2Epdf", ".", "x.y", "v1.2", "%", "z"]),
        max_size=6,
    ),
    st.sampled_from(["", "/", "?q=a.pdf", "#p.doc"]),
)
def test_any_path_gets_the_definitions_document_type(segments: list[str], end: str) -> None:
    url = "https://tinhx.gov.vn/" + "/".join(segments) + end
    assert attachment_type(url) == _attachment_type_by_definition(url)


def test_the_document_links_of_a_body_are_its_attachments() -> None:
    body = Body(
        lxml_html.fromstring(
            '<div><p><a href="/documents/1/0/ke-hoach.pdf/0c00">Kế hoạch</a></p>'
            '<p><a href="/tin-tuc/a.html">Tin khác</a> <a href="bao%20cao%2Edocx"></a></p></div>'
        ),
        URL,
    )
    assert [(a.url, a.title, a.type) for a in body.attachments] == [
        ("https://tinhx.gov.vn/documents/1/0/ke-hoach.pdf/0c00", "Kế hoạch", "application/pdf"),
        (
            "https://tinhx.gov.vn/tin-tuc/bao%20cao%2Edocx",
            "bao cao.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ]
